#!/usr/bin/env bash
# The compile-time cost of #[fragment]: the same 100 handlers written with the macro and by
# hand, each crate built from clean (its dependencies prebuilt) RUNS times, alternating.
#
#   bench/macro-cost/run.sh [RUNS]        (default 3; prints a Markdown table and the ratio)
#
# Everything is generated under target/macro-cost/, a workspace of its own that reuses the
# repository's Cargo.lock, so nothing is downloaded (cargo runs --offline).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-3}"
n=100
dir="$root/target/macro-cost"
mkdir -p "$dir/macro/src" "$dir/hand/src"

cat > "$dir/Cargo.toml" <<TOML
[workspace]
resolver = "3"
members = ["macro", "hand"]

[workspace.dependencies]
datastar-runtime = { path = "$root/datastar-runtime" }
axum = { version = "0.8", default-features = false, features = ["query", "json"] }
maud = "0.27"

[profile.dev]
incremental = false
TOML
cp "$root/Cargo.lock" "$dir/Cargo.lock"

for kind in macro hand; do
  cat > "$dir/$kind/Cargo.toml" <<TOML
[package]
name = "handlers-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
datastar-runtime.workspace = true
axum.workspace = true
maud.workspace = true
TOML
done

modes=(inner append prepend outer replace before after)

{
  echo "use datastar_runtime::prelude::*;"
  for i in $(seq 1 $n); do
    mode=${modes[$((i % ${#modes[@]}))]}
    cat <<RS

#[fragment(selector = "#item-$i", merge = "$mode")]
pub async fn h$i(Path(id): Path<u32>) -> Markup {
    html! { div #item-$i .row { span { "item $i: " (id) } } }
}
RS
  done
  echo
  echo "pub fn router() -> Router {"
  echo "    Router::new()"
  for i in $(seq 1 $n); do echo "        .route(\"/h$i/{id}\", get(h$i))"; done
  echo "}"
} > "$dir/macro/src/lib.rs"

{
  echo "use datastar_runtime::prelude::*;"
  for i in $(seq 1 $n); do
    mode=${modes[$((i % ${#modes[@]}))]}
    variant="$(tr '[:lower:]' '[:upper:]' <<< "${mode:0:1}")${mode:1}"
    cat <<RS

pub async fn h$i(Path(id): Path<u32>) -> Response {
    let html = html! { div #item-$i .row { span { "item $i: " (id) } } };
    let selector = Selector::new("#item-$i").expect("a valid selector");
    PatchElements::new(html.into_string())
        .selector(selector)
        .mode(Mode::$variant)
        .into_response()
}
RS
  done
  echo
  echo "pub fn router() -> Router {"
  echo "    Router::new()"
  for i in $(seq 1 $n); do echo "        .route(\"/h$i/{id}\", get(h$i))"; done
  echo "}"
} > "$dir/hand/src/lib.rs"

cd "$dir"
export CARGO_TARGET_DIR="$dir/target"
echo "prebuilding dependencies..." >&2
cargo build --offline -q -p handlers-macro -p handlers-hand

now() { date +%s.%N; }
declare -a tm th
for r in $(seq 1 "$runs"); do
  for kind in macro hand; do
    cargo clean --offline -q -p "handlers-$kind"
    start=$(now)
    cargo build --offline -q -p "handlers-$kind"
    took=$(printf '%.2f' "$(echo "$(now) - $start" | bc)")
    if [ "$kind" = macro ]; then tm+=("$took"); else th+=("$took"); fi
    echo "run $r $kind: ${took}s" >&2
  done
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mm=$(median "${tm[@]}"); mh=$(median "${th[@]}")
ratio=$(echo "scale=2; $mm / $mh" | bc)
echo
echo "| crate ($n handlers, dev profile, clean build, deps prebuilt) | runs (s) | median (s) |"
echo "|---|---|---|"
echo "| \`#[fragment]\` | ${tm[*]} | $mm |"
echo "| by hand | ${th[*]} | $mh |"
echo
echo "ratio macro / hand: ${ratio}x"
