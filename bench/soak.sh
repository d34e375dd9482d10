#!/usr/bin/env bash
# Soak (not in CI): STREAMS (2,000) readers of the gallery's live feed and one subscriber that
# never reads, a post every INTERVAL_MS (100) for DURATION (600) seconds. Prints the gallery's resident
# memory every minute (it must stay flat), the events lost (0) and the latency from post to
# arrival (p50, p99, max). Release builds, run at low priority.
#
#   bench/soak.sh
#   STREAMS=200 DURATION=60 bench/soak.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
streams=${STREAMS:-2000}
seconds=${DURATION:-600}
interval=${INTERVAL_MS:-100}
port=${PORT:-18291}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p datastar-examples --example gallery
cargo build --release -q -p datastar-bench --bin live-feed
nice -n 10 target/release/examples/gallery --port "$port" > /dev/null &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
sleep 1
echo "gallery: $streams streams, a post every $interval ms, $seconds s"
nice -n 10 target/release/live-feed soak "$port" "$server" "$streams" "$seconds" "$interval"
