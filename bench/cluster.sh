#!/usr/bin/env bash
# Cluster fan-out: a real nats-server, two hub nodes (processes) sharing one topic through it,
# CONNECTIONS (10,000) SSE streams split evenly over the two, node A publishing an event every
# 100 ms, MEASURE_SECONDS (30) of measurement: per node the delivery latency p50/p99 (node A's
# streams get each event in-process, node B's through NATS, in the same run), events lost
# (a gap in the sequence with no resync), resyncs and duplicates; the broker's CPU per
# publish. Release builds; bounded: every process exits by itself.
#
#   bench/cluster.sh
#   CONNECTIONS=2000 MEASURE_SECONDS=10 bench/cluster.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
connections=${CONNECTIONS:-10000}
seconds=${MEASURE_SECONDS:-30}
port=${PORT:-18290}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n)"
command -v nats-server > /dev/null || { echo "nats-server is not installed (apt-get install nats-server)"; exit 1; }
cargo build --release -q -p datastar-bench --features nats --bin cluster-node --bin cluster-client
life=$((seconds + 240))
nats-server -a 127.0.0.1 -p $((port + 2)) > /dev/null 2>&1 &
broker=$!
pids=("$broker")
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
sleep 1
url="nats://127.0.0.1:$((port + 2))"
target/release/cluster-node "$port" "$life" "$url" publish &
a=$!
pids+=("$a")
target/release/cluster-node $((port + 1)) "$life" "$url" &
b=$!
pids+=("$b")
sleep 2
echo "$connections connections over 2 nodes, $seconds s"
target/release/cluster-client "$connections" "$seconds" "$broker" "$port:$a" "$((port + 1)):$b"
