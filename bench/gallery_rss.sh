#!/usr/bin/env bash
# The gallery's resident memory with one live-feed subscriber that never reads and POSTS (80)
# posts of CHARS characters each, for each size in SIZES: the live feed's message limit (280)
# and a message that fills the 1 MiB signals limit, in plain letters (`x`) and in the worst
# case for escaping (`&`, five bytes in HTML). A fresh release gallery for each run.
#
#   bench/gallery_rss.sh
#   POSTS=80 SIZES="280 1048000" CHARS_USED="x &" bench/gallery_rss.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
posts=${POSTS:-80}
sizes=${SIZES:-280 1048000}
chars=${CHARS_USED:-x &}
port=${PORT:-18290}
cargo build --release -q -p datastar-examples --example gallery
cargo build --release -q -p datastar-bench --bin live-feed
for size in $sizes; do
  for char in $chars; do
    target/release/examples/gallery --port "$port" > /dev/null &
    server=$!
    trap 'kill "$server" 2>/dev/null || true' EXIT
    sleep 1
    echo "== $posts posts of $size x '$char'"
    target/release/live-feed rss "$port" "$server" "$posts" "$size" "$char"
    kill "$server"
    wait "$server" 2>/dev/null || true
  done
done
