#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS each (default 60), one at a
# time, on its corpus under fuzz/corpus/<target>, then prints a table of
# target, seconds, executions and crashes. Exits nonzero if any target
# crashed (a crash, leak, timeout or out-of-memory artifact, or a fuzzer
# that failed without one).
#
#   bash fuzz/run.sh [SECONDS]
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Each run's libFuzzer output goes to fuzz/logs/<target>.log; crashing
# inputs go to fuzz/artifacts/<target>/. Set TARGETS="a b" to run only
# some targets.
set -uo pipefail

seconds="${1:-60}"
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

all_targets="header_setters content_disposition accept set_type_is vapr_from_value redirect range request_body raw_request"
targets="${TARGETS:-$all_targets}"

mkdir -p fuzz/logs

# Build everything first, so that the time given is spent fuzzing.
if ! cargo +nightly fuzz build; then
    echo "cargo fuzz build failed" >&2
    exit 2
fi

# Artifacts that mean a failed run (slow-unit-* are only reported).
count_artifacts() {
    local dir="fuzz/artifacts/$1"
    [ -d "$dir" ] || {
        echo 0
        return
    }
    find "$dir" -maxdepth 1 -type f \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
        wc -l
}

rows=()
failed=0
for t in $targets; do
    corpus="fuzz/corpus/$t"
    log="fuzz/logs/$t.log"
    mkdir -p "$corpus"
    before="$(count_artifacts "$t")"
    echo "== $t: ${seconds}s on $corpus (log: $log)" >&2
    start="$(date +%s)"
    cargo +nightly fuzz run "$t" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    end="$(date +%s)"
    after="$(count_artifacts "$t")"

    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')"
    if [ -z "$execs" ]; then
        # No final stats (the run died early): the last status line's #N.
        execs="$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')"
    fi
    execs="${execs:-0}"

    crashes=$((after - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        crashes=1
    fi
    if [ "$crashes" -gt 0 ]; then
        failed=1
        echo "!! $t failed (exit $rc); see $log and fuzz/artifacts/$t/" >&2
        grep -m 3 -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|Test unit written to' "$log" >&2 || true
    fi
    rows+=("| $t | $((end - start)) | $execs | $crashes |")
done

echo
echo "| target | seconds | executions | crashes |"
echo "|---|---:|---:|---:|"
for row in "${rows[@]}"; do
    echo "$row"
done

exit "$failed"
