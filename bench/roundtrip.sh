#!/usr/bin/env bash
# HTTP round trips: the same Datastar response from a #[fragment] handler, from plain axum by
# hand, and from the official `datastar` 0.4.1 crate, measured with wrk against release builds,
# all three servers up, alternately, ROUNDS rounds of DURATION each.
#
#   bench/roundtrip.sh                  # 6 rounds x 5 s per server (about 100 s)
#   ROUNDS=2 DURATION=10s bench/roundtrip.sh
#   TUPLE=1 bench/roundtrip.sh          # templated selector + tuple answer against the same bytes by hand
#
# Besides req/s, it reports the server's CPU time per request (utime+stime from /proc/PID/stat
# around each run, divided by wrk's request count): on a shared machine throughput swings with
# the neighbours' load, CPU per request much less.
#
# The order alternates each round (fragment hand official, then official hand fragment), and
# the ratios are taken per round, between runs seconds apart, then their median: on a machine
# shared with other work, neighbouring runs see the same background load.
#
# Needs `wrk` (Debian: apt-get install -y wrk). Talks to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${ROUNDS:-6}
duration=${DURATION:-5s}
connections=${CONNECTIONS:-32}
cargo build --release -q -p datastar-bench --bin roundtrip-server
bin=target/release/roundtrip-server
declare -A port=([fragment]=18181 [hand]=18182 [official]=18183)
declare -A server=([fragment]=fragment [hand]=hand [official]=official)
url_path=/rows
if [ -n "${TUPLE:-}" ]; then
    # `official` stays the plain one-event server: it is only there as a yardstick.
    server[fragment]=fragment-tuple
    server[hand]=hand-tuple
    url_path=/rows/7
fi
declare -A pid=()
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for name in fragment hand official; do
    "$bin" "${server[$name]}" "${port[$name]}" >/dev/null &
    pids+=($!)
    pid[$name]=$!
done
sleep 0.5
for name in fragment hand official; do # warm-up
    path=$url_path
    [ "$name" = official ] && path=/rows
    wrk -t1 -c"$connections" -d2s "http://127.0.0.1:${port[$name]}$path" >/dev/null
done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
declare -A total=() cpu_total=() requests_total=()
ratios_hand=()
ratios_official=()
for round in $(seq "$rounds"); do
    order="fragment hand official"
    [ $((round % 2)) -eq 0 ] && order="official hand fragment"
    declare -A rps=()
    for name in $order; do
        before=$(cpu_ticks "${pid[$name]}")
        path=$url_path
        [ "$name" = official ] && path=/rows
        out=$(wrk -t1 -c"$connections" -d"$duration" "http://127.0.0.1:${port[$name]}$path")
        cpu=$(( ($(cpu_ticks "${pid[$name]}") - before) * tick_us ))
        rps[$name]=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        requests=$(awk '/requests in/ {print $1}' <<<"$out")
        cpu_total[$name]=$(( ${cpu_total[$name]:-0} + cpu ))
        requests_total[$name]=$(( ${requests_total[$name]:-0} + requests ))
        printf 'round %d  %-9s %10.0f req/s  %6.2f us CPU/req\n' "$round" "$name" "${rps[$name]}" \
            "$(echo "$cpu / $requests" | bc -l)"
        total[$name]=$(echo "${total[$name]:-0} + ${rps[$name]}" | bc -l)
    done
    ratios_hand+=("$(echo "${rps[fragment]} / ${rps[hand]}" | bc -l)")
    ratios_official+=("$(echo "${rps[fragment]} / ${rps[official]}" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "---"
for name in fragment hand official; do
    printf '%-9s mean %10.0f req/s, %6.2f us server CPU per request\n' "$name" \
        "$(echo "${total[$name]} / $rounds" | bc -l)" \
        "$(echo "${cpu_total[$name]} / ${requests_total[$name]}" | bc -l)"
done
cpu() { echo "${cpu_total[$1]} / ${requests_total[$1]}" | bc -l; }
printf 'CPU per request: hand / fragment = %.3f, official / fragment = %.3f (higher is better for fragment)\n' \
    "$(echo "$(cpu hand) / $(cpu fragment)" | bc -l)" "$(echo "$(cpu official) / $(cpu fragment)" | bc -l)"
printf 'fragment / hand     per round: %s\n' "$(printf '%.3f ' "${ratios_hand[@]}")"
printf 'fragment / official per round: %s\n' "$(printf '%.3f ' "${ratios_official[@]}")"
printf 'fragment / hand     median %.3f, ratio of means %.3f\n' "$(median "${ratios_hand[@]}")" \
    "$(echo "${total[fragment]} / ${total[hand]}" | bc -l)"
printf 'fragment / official median %.3f, ratio of means %.3f\n' "$(median "${ratios_official[@]}")" \
    "$(echo "${total[fragment]} / ${total[official]}" | bc -l)"
