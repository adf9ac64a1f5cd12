#!/usr/bin/env bash
# Deterministic cost per request: user-space instructions counted by
# callgrind while each server answers N keep-alive requests (after a
# warm-up that is not counted). Repeatable on a busy or noisy machine, unlike
# CPU time; it leaves out kernel time, so ratios are larger than CPU ratios.
#
# Usage: bash bench/instructions.sh            (N=4000, hyper axum rejoinder)
#        N=2000 SERVERS="hyper rejoinder" bash bench/instructions.sh
#        SERVERS="hyper axum rejoinder axum-router rejoinder-router" bash bench/instructions.sh
#        SERVERS="rejoinder rejoinder@warn rejoinder@info" bash bench/instructions.sh
# `server@level` runs the server with TRACE=level: a tracing subscriber that
# filters the request span out (warn) or takes it (info), writing nowhere.
# The router variants also answer /users/42 (a route with a parameter).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-4000}
SERVERS=${SERVERS:-"hyper axum rejoinder"}
PORT=${PORT:-19200}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/bench-target}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
bins=""
for s in $SERVERS; do bins="$bins --bin bench-${s%@*}"; done
cargo build --release --manifest-path bench/Cargo.toml $bins >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| server | endpoint | instructions/request |"
echo "| --- | --- | ---: |"
for s in $SERVERS; do
  paths="/plaintext /json"
  case "$s" in *-router) paths="$paths /users/42" ;; esac
  for path in $paths; do
    trace=""; case "$s" in *@*) trace=${s#*@} ;; esac
    env ${trace:+TRACE=$trace} valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" --dump-instr=no \
      "$CARGO_TARGET_DIR/release/bench-${s%@*}" "$PORT" >/dev/null 2>"$out/vg.log" &
    vpid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT$path" && break; sleep 0.3; done
    python3 bench/load.py "$PORT" 400 "$path"
    callgrind_control -z "$vpid" >/dev/null 2>&1
    python3 bench/load.py "$PORT" "$N" "$path"
    callgrind_control -d "$vpid" >/dev/null 2>&1
    sleep 1
    kill "$vpid"; wait "$vpid" 2>/dev/null || true
    f=$(ls "$out"/cg.*.1 | head -1)
    ir=$(awk '/^summary/ {print $2}' "$f")
    echo "| $s | ${path#/} | $((ir / N)) |"
    rm -f "$out"/cg.*
  done
done
