#!/usr/bin/env bash
# End-to-end checks of the showcase in a real browser (headless Chromium,
# driven by chromedriver through tests/e2e/showcase_browser.py) and with
# curl: the index lists every route of the router, a non-ASCII download
# name, /back, server-sent events, a 304 on reload, HTTP/1.1 trailers and
# h2c. Installs chromium and chromium-driver with apt-get when they are
# missing; prints "SKIPPED: ..." and exits 0 when they cannot be had. Any
# failed check exits nonzero.
#
# Usage: tests/e2e/showcase.sh        (from anywhere; CARGO_TARGET_DIR is honoured;
#        SHOWCASE_SCREENSHOT=/tmp/index.png saves a screenshot of the index)
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  echo "SKIPPED: chromium not available ($1)"
  exit 0
}

have_browser() { command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; }

if ! have_browser; then
  if ! command -v apt-get >/dev/null 2>&1; then
    skip "no chromium/chromedriver and no apt-get to install them"
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      skip "no chromium/chromedriver, and installing them needs root"
    fi
  fi
  echo "-- installing chromium and chromium-driver with apt-get"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver; } >/tmp/showcase-e2e-apt.log 2>&1; then
    skip "apt-get install chromium chromium-driver failed: $(tail -n 1 /tmp/showcase-e2e-apt.log)"
  fi
  have_browser || skip "installed, but chromium or chromedriver is still not on PATH"
fi
command -v python3 >/dev/null 2>&1 || skip "python3, which drives chromedriver, is missing"
command -v curl >/dev/null 2>&1 || { echo "curl is required" >&2; exit 1; }

. tests/e2e/lib.sh
start_showcase
mkdir -p "$work/downloads"

failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }

# HTTP/1.1 trailers: curl --raw shows the chunked body and the trailer fields.
raw="$(curl -fs --raw -H 'TE: trailers' "$base/trailers")"
if printf '%s' "$raw" | grep -qi '^x-checksum: not-really'; then pass "/trailers sends its trailers over HTTP/1.1"; else fail "/trailers sends its trailers over HTTP/1.1: got $(printf '%q' "$raw")"; fi

# h2c with prior knowledge.
status="$(curl -s -o /dev/null -w '%{http_version} %{http_code}' --http2-prior-knowledge "$base/")"
if [ "$status" = "2 200" ]; then pass "h2c: HTTP/2 200 with prior knowledge"; else fail "h2c: HTTP/2 200 with prior knowledge: got $status"; fi

# HEAD works on every GET route and mount (the links of the list): never a
# 405 unless GET answers 405 too (/boom/method does, on purpose).
head_bad=""
for link in $(python3 -c 'import json, sys; [print(r["link"]) for r in json.load(sys.stdin) if r["link"] and r["method"] in ("GET", "*")]' < <(curl -fs "$base/routes.json")); do
  got="$(curl -s -I -o /dev/null -w '%{http_code}' "$base$link")"
  if [ "$got" = "000" ]; then head_bad="$head_bad $link=no-answer"; fi
  if [ "$got" = "405" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$base$link")" != "405" ]; then
    head_bad="$head_bad $link=405"
  fi
done
if [ -z "$head_bad" ]; then pass "HEAD answers on every linked route"; else fail "HEAD answers on every linked route:$head_bad"; fi

python3 tests/e2e/showcase_browser.py "$base" "$work/stdout" "$work/downloads" || failed=1

if [ "$failed" = 0 ]; then echo "showcase e2e: all checks passed"; else echo "showcase e2e: some checks FAILED"; tail -n 20 "$work/stdout"; fi
exit "$failed"
