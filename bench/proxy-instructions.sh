#!/usr/bin/env bash
# User-space instructions per proxied request, counted by callgrind: each
# proxy (rejoinder-proxy, the bare hyper-util proxy) in front of proxy.sh's
# hyper upstream answers N keep-alive /plaintext requests after a warm-up
# that is not counted. Deterministic on a busy machine, unlike CPU time.
#
# Usage: bash bench/proxy-instructions.sh      (N=4000, PROXIES="hyper rejoinder")
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-4000}
PROXIES=${PROXIES:-"hyper rejoinder"}
PATH_=${REQ_PATH:-/plaintext}
UP_PORT=${UP_PORT:-19290}
PORT=${PORT:-19291}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/bench-target}
bins="--bin bench-proxy-upstream"
for p in $PROXIES; do bins="$bins --bin bench-$p-proxy"; done
cargo build --release --manifest-path bench/Cargo.toml --no-default-features --features rejoinder-proxy $bins >&2
out=$(mktemp -d)
"$CARGO_TARGET_DIR/release/bench-proxy-upstream" "$UP_PORT" 2>/dev/null &
up=$!
trap 'kill $up 2>/dev/null; rm -rf "$out"' EXIT
echo "| proxy | path | instructions/request |"
echo "| --- | --- | ---: |"
for p in $PROXIES; do
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" --dump-instr=no \
    "$CARGO_TARGET_DIR/release/bench-$p-proxy" "$PORT" "http://127.0.0.1:$UP_PORT" >/dev/null 2>"$out/vg.log" &
  vpid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT$PATH_" && break; sleep 0.3; done
  python3 bench/load.py "$PORT" 400 "$PATH_"
  callgrind_control -z "$vpid" >/dev/null 2>&1
  python3 bench/load.py "$PORT" "$N" "$PATH_"
  callgrind_control -d "$vpid" >/dev/null 2>&1
  sleep 1
  kill "$vpid"; wait "$vpid" 2>/dev/null || true
  f=$(ls "$out"/cg.*.1 | head -1)
  ir=$(awk '/^summary/ {print $2}' "$f")
  echo "| $p | ${PATH_#/} | $((ir / N)) |"
  rm -f "$out"/cg.*
done
