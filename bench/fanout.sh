#!/usr/bin/env bash
# Fan-out: CONNECTIONS (10,000) SSE streams on loopback subscribed to one hub topic, an event
# published every 100 ms, MEASURE_SECONDS (30) of measurement: delivery latency p50/p99 and the
# server's resident memory per connection. Release builds; bounded: the server exits by itself.
#
#   bench/fanout.sh
#   CONNECTIONS=2000 MEASURE_SECONDS=10 bench/fanout.sh
#   SERVER=axum bench/fanout.sh      # baseline: axum's Sse + tokio broadcast, no hub
#   SERVER=floor bench/fanout.sh     # floor: the same bytes written to the sockets, no framework
#   FANOUT_HEAP=1 bench/fanout.sh    # also the server's live heap, counted by its allocator
#   HTTP2=1 bench/fanout.sh          # the hub server with h2c on, as `serve` is by default
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
connections=${CONNECTIONS:-10000}
seconds=${MEASURE_SECONDS:-30}
port=${PORT:-18190}
# 65536 where allowed; else the hard limit (20000 here). Server and client are separate
# processes, each holding one descriptor per connection and a few of its own.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
limit=$(ulimit -n)
echo "open files limit: $limit"
if (( connections + 64 > limit )); then
    echo "CONNECTIONS=$connections needs about $((connections + 64)) open files in each process;" \
        "the limit here is $limit (hard limit $(ulimit -Hn)): at most $((limit - 64)) connections" >&2
    exit 1
fi
cargo build --release -q -p datastar-bench --bin fanout-server --bin fanout-client
# Long enough for connecting (up to 120 s) and measuring; it exits by itself after that.
log=$(mktemp)
target/release/fanout-server "$port" $((seconds + 180)) 100 "${SERVER:-hub}" > "$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
sleep 1
echo "server: ${SERVER:-hub}, $connections connections, $seconds s"
target/release/fanout-client "$port" "$connections" "$seconds" "$server"
grep -E '^(heap|short)' "$log" | tail -n 2 || true
