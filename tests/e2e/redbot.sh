#!/usr/bin/env bash
# HTTP lint of the showcase by REDbot (https://redbot.org, PyPI `redbot`):
# every route the index links is checked with `redbot -o har`; any BAD note,
# or a WARN note tests/e2e/redbot_sweep.py does not explain, fails. REDbot
# is installed with pip in a virtual environment under the target directory;
# when that cannot be done the script prints "SKIPPED: ..." and exits 0.
#
# Usage: tests/e2e/redbot.sh        (from anywhere; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  echo "SKIPPED: REDbot not available ($1)"
  exit 0
}

command -v python3 >/dev/null 2>&1 || skip "no python3"
venv="${CARGO_TARGET_DIR:-target}/redbot-venv"
if [ ! -x "$venv/bin/redbot" ]; then
  echo "-- installing REDbot with pip in $venv"
  python3 -m venv "$venv" >/tmp/redbot-install.log 2>&1 || skip "python3 -m venv failed: $(tail -n 1 /tmp/redbot-install.log)"
  "$venv/bin/pip" install -q redbot >>/tmp/redbot-install.log 2>&1 || skip "pip install redbot failed: $(tail -n 1 /tmp/redbot-install.log)"
fi
[ -x "$venv/bin/redbot" ] || skip "installed, but $venv/bin/redbot is missing"

. tests/e2e/lib.sh
start_showcase
python3 tests/e2e/redbot_sweep.py "$venv/bin/redbot" "$base"
