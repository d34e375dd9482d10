#!/usr/bin/env bash
# The compile-time cost of the checking html!: the examples gallery built from clean (its
# dependencies prebuilt) with the prelude's html! as it is, and with maud's html! in its place
# (`use maud::html;` after the prelude, the `#![signals = ..]` lines removed), RUNS times each,
# alternating.
#
#   bench/markup-cost/run.sh [RUNS]       (default 3; prints a Markdown table and the ratio)
#
# Everything is generated under target/markup-cost/, a workspace of its own that reuses the
# repository's Cargo.lock, so nothing is downloaded (cargo runs --offline).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-3}"
dir="$root/target/markup-cost"
rm -rf "$dir/checked/src" "$dir/maud/src"
mkdir -p "$dir/checked/src" "$dir/maud/src"

cat > "$dir/Cargo.toml" <<TOML
[workspace]
resolver = "3"
members = ["checked", "maud"]

[workspace.dependencies]
datastar-runtime = { path = "$root/datastar-runtime" }
axum = { version = "0.8", default-features = false, features = ["http1", "tokio", "query", "json"] }
maud = { version = "0.27", features = ["axum"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt-multi-thread", "macros", "net", "time", "sync"] }

[profile.dev]
incremental = false
TOML
cp "$root/Cargo.lock" "$dir/Cargo.lock"

for kind in checked maud; do
  cat > "$dir/$kind/Cargo.toml" <<TOML
[package]
name = "gallery-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
datastar-runtime.workspace = true
axum.workspace = true
maud.workspace = true
serde.workspace = true
serde_json.workspace = true
tokio.workspace = true
TOML
  cp "$root"/examples/gallery/*.rs "$dir/$kind/src/"
done

# maud's html! instead of the prelude's, and no html! options for it to choke on.
for file in "$dir"/maud/src/*.rs; do
  sed -i -e '/^ *#!\[signals = .*\]$/d' \
         -e 's/^use datastar_runtime::prelude::\*;$/use datastar_runtime::prelude::*;\nuse maud::html;/' "$file"
done

cd "$dir"
export CARGO_TARGET_DIR="$dir/target"
echo "prebuilding dependencies..." >&2
cargo build --offline -q -p gallery-checked -p gallery-maud

# Wall time, and the CPU time (user + system) of the build: on a shared machine the CPU time
# moves far less with the load of others.
declare -a wc wm cc cm
for r in $(seq 1 "$runs"); do
  for kind in checked maud; do
    cargo clean --offline -q -p "gallery-$kind"
    TIMEFORMAT='%R %U %S'
    { time cargo build --offline -q -p "gallery-$kind" ; } 2> "$dir/time.txt"
    read -r real user sys < "$dir/time.txt"
    cpu=$(printf '%.2f' "$(echo "$user + $sys" | bc)")
    if [ "$kind" = checked ]; then wc+=("$real"); cc+=("$cpu"); else wm+=("$real"); cm+=("$cpu"); fi
    echo "run $r $kind: ${real}s wall, ${cpu}s cpu" >&2
  done
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mwc=$(median "${wc[@]}"); mwm=$(median "${wm[@]}"); mcc=$(median "${cc[@]}"); mcm=$(median "${cm[@]}")
echo
echo "| the gallery (dev profile, clean build, deps prebuilt) | wall (s) | median | CPU (s) | median |"
echo "|---|---|---|---|---|"
echo "| checking \`html!\` | ${wc[*]} | $mwc | ${cc[*]} | $mcc |"
echo "| maud's \`html!\` | ${wm[*]} | $mwm | ${cm[*]} | $mcm |"
echo
echo "ratio checked / maud: wall $(echo "scale=3; $mwc / $mwm" | bc)x, CPU $(echo "scale=3; $mcc / $mcm" | bc)x"
