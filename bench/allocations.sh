#!/usr/bin/env bash
# Heap allocations per request of each bench server: the servers built with
# the `count-allocs` feature (a counting global allocator, see
# src/alloc_count.rs), N keep-alive requests from bench/load.py after a
# warm-up, counted between a `reset` and a `count` on the server's stdin.
#
# Usage: bash bench/allocations.sh          (N=4000, all five variants)
#        N=2000 SERVERS="hyper rejoinder" bash bench/allocations.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-4000}
SERVERS=${SERVERS:-"hyper axum rejoinder axum-router rejoinder-router"}
PORT=${PORT:-19250}
# A target of its own: the feature changes every bench binary.
export CARGO_TARGET_DIR=${ALLOC_TARGET_DIR:-$PWD/target/bench-allocs}
bins=""
for s in $SERVERS; do bins="$bins --bin bench-$s"; done
cargo build --release --manifest-path bench/Cargo.toml --features count-allocs $bins >&2
echo "| server | endpoint | allocations/request | reallocations/request | bytes/request |"
echo "| --- | --- | ---: | ---: | ---: |"
for s in $SERVERS; do
  paths="/plaintext /json"
  case "$s" in *-router) paths="$paths /users/42" ;; esac
  for path in $paths; do
    coproc SERVER { exec "$CARGO_TARGET_DIR/release/bench-$s" "$PORT" 2>/dev/null; }
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT$path" && break; sleep 0.1; done
    python3 bench/load.py "$PORT" 400 "$path"
    echo reset >&"${SERVER[1]}"; read -r _ <&"${SERVER[0]}"
    python3 bench/load.py "$PORT" "$N" "$path"
    echo count >&"${SERVER[1]}"; read -r _ allocs _ reallocs _ bytes <&"${SERVER[0]}"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    python3 -c "n=$N; print(f'| $s | ${path#/} | {$allocs/n:.2f} | {$reallocs/n:.2f} | {$bytes/n:.0f} |')"
  done
done
