# Shared by the end-to-end scripts: builds the showcase and starts it on a
# free loopback port. Sourced, not run. After `start_showcase`:
#   $base   the showcase's URL      $work  a scratch directory (removed on exit)
#   $work/stdout, $work/stderr      the showcase's output (routes, request log; panics)

target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_showcase() {
  echo "-- building the showcase"
  cargo build -q -p rejoinder --example showcase
  local bin="$target/debug/examples/showcase"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  PORT="$port" RUST_LOG=info NO_COLOR=1 RUST_BACKTRACE=0 "$bin" >"$work/stdout" 2>"$work/stderr" &
  server=$!
  # The showcase prints its address once it listens.
  for _ in $(seq 1 300); do
    grep -q "listening on" "$work/stdout" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  curl -fs -o /dev/null "$base/text" || { echo "FAIL the showcase did not start"; cat "$work/stdout" "$work/stderr"; exit 1; }
  echo "-- showcase on $base"
}
