#!/usr/bin/env bash
# A bounded soak: mixed hostile load on loopback for MINUTES (default 10)
# against a rejoinder server with short limits — keep-alive requests,
# mid-body aborts, slow readers, oversized bodies (Content-Length and
# chunked), panicking and timed-out handlers, silent connections and heads
# sent a byte at a time — printing the server's open fds and RSS every 5 s.
# Stops by itself; the last line compares start and end.
#
# Usage: bash bench/soak.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")"
MINUTES=${1:-10}
PORT=${PORT:-19300}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/../target/bench-target}
cargo build --release -q --bin soak-server --bin soak >&2
"$CARGO_TARGET_DIR/release/soak-server" "$PORT" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
"$CARGO_TARGET_DIR/release/soak" "$PORT" "$server" $((MINUTES * 60))
