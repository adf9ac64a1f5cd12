#!/usr/bin/env bash
# Side-by-side benchmark: rejoinder vs raw hyper vs axum.
#
# Each server runs pinned to core 0 (one tokio worker), wrk runs pinned to
# core 1, traffic stays on 127.0.0.1. Rounds are interleaved (every server x
# both endpoints per round, in a rotating order) and the medians over rounds
# are reported: req/s, p99 latency and server CPU time per request.
#
# Usage: bash bench/run.sh
# Knobs (environment):
#   SERVERS   servers to run, any of "hyper axum rejoinder" (default: all three)
#   ROUNDS    interleaved rounds (default 3)
#   DURATION  seconds of each measured wrk run (default 8)
#   WARMUP    seconds of the unmeasured wrk run before it (default 2)
#   CONNS     wrk connections (default 64)
#   BASE_PORT first port; hyper, axum, rejoinder use BASE_PORT+0/1/2 (default 18080)
#   OTHER_WARN flag runs where other work took more than this % of a core (default 15)
#   ENDPOINTS any of "plaintext json 1m" (default "plaintext json"; 1m: a 1 MiB
#             body from memory, whose CPU ratio is the inverse of throughput per core)
# See bench/README.md for what the numbers mean.

set -euo pipefail

SERVERS=${SERVERS:-"hyper axum rejoinder"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
BASE_PORT=${BASE_PORT:-18080}
OTHER_WARN=${OTHER_WARN:-15}
read -r -a ENDPOINTS <<<"${ENDPOINTS:-plaintext json}"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT_DIR/target/bench-target}
BIN_DIR=$CARGO_TARGET_DIR/release
RESULTS_DIR=$BENCH_DIR/results
OUT=$RESULTS_DIR/latest.md

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- arguments

read -r -a SERVER_LIST <<<"$SERVERS"
[[ ${#SERVER_LIST[@]} -gt 0 ]] || die "SERVERS is empty"
for s in "${SERVER_LIST[@]}"; do
    case $s in hyper | axum | rejoinder) ;; *) die "unknown server '$s' (want hyper, axum, rejoinder)" ;; esac
done
[[ ${#ENDPOINTS[@]} -gt 0 ]] || die "ENDPOINTS is empty"
for e in "${ENDPOINTS[@]}"; do
    case $e in plaintext | json | 1m) ;; *) die "unknown endpoint '$e' (want plaintext, json, 1m)" ;; esac
done
for knob in ROUNDS DURATION WARMUP CONNS BASE_PORT OTHER_WARN; do
    [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || die "$knob must be a positive integer, got '${!knob}'"
done

port_of() {
    case $1 in hyper) echo $((BASE_PORT + 0)) ;; axum) echo $((BASE_PORT + 1)) ;; rejoinder) echo $((BASE_PORT + 2)) ;; esac
}

# ------------------------------------------------------------------- tools

if ! command -v wrk >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] || die "wrk is missing; install it (apt-get install wrk) or run as root"
    log "installing wrk"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v taskset >/dev/null 2>&1 || die "taskset is missing (package util-linux)"
command -v cargo >/dev/null 2>&1 || die "cargo is missing"
[[ $(nproc --all) -ge 2 ]] || die "need at least 2 cores (server on core 0, wrk on core 1)"
CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------------------- build

build_args=(build --release --manifest-path "$BENCH_DIR/Cargo.toml")
wants_rejoinder=0
for s in "${SERVER_LIST[@]}"; do
    build_args+=(--bin "bench-$s")
    [[ $s == rejoinder ]] && wants_rejoinder=1
done
# rejoinder is a default feature; leave it out when it is not benchmarked so
# the peers build even while the framework does not.
[[ $wants_rejoinder -eq 1 ]] || build_args+=(--no-default-features)
log "cargo ${build_args[*]}  (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo "${build_args[@]}"

# ---------------------------------------------------------- process control

SERVER_PID=""
WORK_DIR=$(mktemp -d)
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Succeeds if 127.0.0.1:$1 answers GET /plaintext with a status line.
answers() {
    timeout 1 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
        printf "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3
        IFS= read -r line <&3 && [[ $line == HTTP/1.1\ * ]]
    ' "$1" 2>/dev/null
}

start_server() { # name port
    local name=$1 port=$2 i
    answers "$port" && die "port $port already answers; stop whatever listens there or set BASE_PORT"
    taskset -c 0 "$BIN_DIR/bench-$name" "$port" 2>"$WORK_DIR/$name.stderr" &
    SERVER_PID=$!
    for ((i = 0; i < 100; i++)); do
        answers "$port" && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || die "bench-$name exited: $(cat "$WORK_DIR/$name.stderr")"
        sleep 0.1
    done
    die "bench-$name did not answer on port $port within 10 s"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# utime + stime of a process in clock ticks (fields 14 and 15 of
# /proc/<pid>/stat; the comm field may hold spaces, so cut after its ')').
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    # $stat now starts at field 3, so fields 14 and 15 are words 12 and 13.
    awk '{ print $12 + $13 }' <<<"$stat"
}

# Busy ticks of the whole machine (all cores): user nice system irq softirq
# steal from the "cpu" line of /proc/stat; guest time is already in user.
machine_busy_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Save `times` (this shell's own and its reaped children's CPU) to file $1.
# It must run in this shell, not in $(...): a subshell starts from zero.
save_times() { times >"$1"; }

# Children's CPU seconds (user + system) from a file written by save_times.
children_cpu_s() {
    awk 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
        printf "%.3f", t
    }' "$1"
}

# A wrk duration like 812.00us, 1.23ms or 1.01s, in microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/)      { sub(/us$/, "", v); print v + 0 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
        else if (v ~ /m$/)  { sub(/m$/, "", v);  print v * 60e6 }
        else if (v ~ /s$/)  { sub(/s$/, "", v);  print v * 1e6 }
        else { exit 1 }
    }'
}

# ------------------------------------------------------------ measurements

RAW=$WORK_DIR/raw.tsv # round server endpoint rps p99_us cpu_us_per_req requests other_pct
: >"$RAW"

measure() { # round name port endpoint
    local round=$1 name=$2 port=$3 endpoint=$4 url out before after requests rps p99 cpu_us
    local busy0 busy1 wrk0 wrk1 t0 t1 other
    url="http://127.0.0.1:$port/$endpoint"
    out=$WORK_DIR/wrk-$round-$name-$endpoint.txt

    taskset -c 1 timeout $((WARMUP + 15)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null

    save_times "$WORK_DIR/times.0"
    busy0=$(machine_busy_ticks)
    t0=$(date +%s%N)
    before=$(cpu_ticks "$SERVER_PID")
    taskset -c 1 timeout $((DURATION + 15)) wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" >"$out"
    after=$(cpu_ticks "$SERVER_PID")
    t1=$(date +%s%N)
    busy1=$(machine_busy_ticks)
    save_times "$WORK_DIR/times.1"
    # The children's time also holds this shell's helpers ($(...), awk), a
    # few ms: counted as wrk's, which errs toward a smaller "other".
    wrk0=$(children_cpu_s "$WORK_DIR/times.0")
    wrk1=$(children_cpu_s "$WORK_DIR/times.1")

    requests=$(awk '/ requests in / { print $1 }' "$out")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    [[ -n $requests && -n $rps && -n $p99 && $requests -gt 0 ]] || {
        cat "$out" >&2
        die "could not parse wrk output for $name $endpoint"
    }
    if grep -q 'Non-2xx or 3xx responses' "$out"; then
        cat "$out" >&2
        die "$name answered $endpoint with non-2xx responses"
    fi
    grep -q 'Socket errors' "$out" && log "warning: $name $endpoint: $(grep 'Socket errors' "$out")"
    p99=$(to_us "$p99") || die "unknown latency unit in '$p99'"
    cpu_us=$(awk -v d=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" \
        'BEGIN { printf "%.3f", d / hz * 1e6 / n }')
    # Everything else the machine ran meanwhile (other processes, steal,
    # loopback softirq), in % of one core: busy - server - wrk.
    other=$(awk -v busy=$((busy1 - busy0)) -v srv=$((after - before)) -v w0="$wrk0" -v w1="$wrk1" \
        -v hz="$CLK_TCK" -v ns=$((t1 - t0)) \
        'BEGIN { o = (busy - srv) / hz - (w1 - w0); if (o < 0) o = 0; printf "%.0f", o / (ns / 1e9) * 100 }')

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$endpoint" "$rps" "$p99" "$cpu_us" "$requests" "$other" >>"$RAW"
    log "round $round  $(printf '%-9s %-9s' "$name" "$endpoint")  $(printf '%10.0f req/s  p99 %8.0f us  %7.3f CPU us/req  other %3d%%' "$rps" "$p99" "$cpu_us" "$other")"
    if ((other > OTHER_WARN)); then
        log "warning: other work used ${other}% of a core during this run; its numbers are disturbed"
    fi
}

log "servers: ${SERVER_LIST[*]}; rounds: $ROUNDS; $DURATION s measured + $WARMUP s warm-up per run; $CONNS connections"
log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#SERVER_LIST[@]}
for ((round = 1; round <= ROUNDS; round++)); do
    # Rotate the server order each round, and flip the endpoint order, so no
    # server always runs first (cold caches) or last (warm machine).
    for ((k = 0; k < n; k++)); do
        name=${SERVER_LIST[$(((k + round - 1) % n))]}
        port=$(port_of "$name")
        order=("${ENDPOINTS[@]}")
        if ((round % 2 == 0)); then
            order=()
            for ((i = ${#ENDPOINTS[@]} - 1; i >= 0; i--)); do order+=("${ENDPOINTS[$i]}"); done
        fi
        start_server "$name" "$port"
        for endpoint in "${order[@]}"; do
            measure "$round" "$name" "$port" "$endpoint"
        done
        stop_server
    done
done

# ----------------------------------------------------------------- report

# median <server> <endpoint> <column>; column 4 = req/s, 5 = p99 us, 6 = CPU us/req
median() {
    awk -F'\t' -v s="$1" -v e="$2" -v c="$3" '$2 == s && $3 == e { print $c }' "$RAW" |
        sort -g |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) exit 1
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}

fmt_latency() { # microseconds -> human
    awk -v u="$1" 'BEGIN { if (u >= 1000) printf "%.2f ms", u / 1000; else printf "%.0f us", u }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

declare -A MED
report() {
    local s e cpu_r rps_r disturbed
    echo "# rejoinder benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo 'none (no commit yet)')"
    echo "- machine: $(nproc --all) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
    echo "- setup: server pinned to core 0 (tokio multi-thread, 1 worker), wrk pinned to core 1"
    echo "- load: \`wrk -t1 -c$CONNS -d${DURATION}s --latency\` after a ${WARMUP} s warm-up; $ROUNDS interleaved rounds; medians over rounds"
    echo "- CPU us/req: server utime+stime (/proc/<pid>/stat, $CLK_TCK ticks/s) during the measured run / requests"
    echo "- other CPU: machine-wide busy time minus the server's and wrk's, in % of one core (interference)"
    echo
    echo "| server | endpoint | req/s | p99 | CPU us/req |"
    echo "| --- | --- | ---: | ---: | ---: |"
    for s in "${SERVER_LIST[@]}"; do
        for e in "${ENDPOINTS[@]}"; do
            MED[$s.$e.rps]=$(median "$s" "$e" 4)
            MED[$s.$e.p99]=$(median "$s" "$e" 5)
            MED[$s.$e.cpu]=$(median "$s" "$e" 6)
            printf '| %s | %s | %.0f | %s | %.3f |\n' "$s" "$e" \
                "${MED[$s.$e.rps]}" "$(fmt_latency "${MED[$s.$e.p99]}")" "${MED[$s.$e.cpu]}"
        done
    done
    if [[ $wants_rejoinder -eq 1 && $n -gt 1 ]]; then
        echo
        echo "Ratios (rejoinder / peer). CPU us/req: lower is better, under 1.00 means rejoinder"
        echo "spends less CPU per request. req/s: higher is better."
        echo
        echo "| endpoint | peer | CPU us/req ratio | req/s ratio |"
        echo "| --- | --- | ---: | ---: |"
        for e in "${ENDPOINTS[@]}"; do
            for s in "${SERVER_LIST[@]}"; do
                [[ $s == rejoinder ]] && continue
                cpu_r=$(ratio "${MED[rejoinder.$e.cpu]}" "${MED[$s.$e.cpu]}")
                rps_r=$(ratio "${MED[rejoinder.$e.rps]}" "${MED[$s.$e.rps]}")
                echo "| $e | rejoinder/$s | $cpu_r | $rps_r |"
            done
        done
    fi
    disturbed=$(awk -F'\t' -v w="$OTHER_WARN" '$8 > w' "$RAW" | wc -l)
    if ((disturbed > 0)); then
        echo
        echo "**Warning:** in $disturbed of $(wc -l <"$RAW") runs other work took more than $OTHER_WARN % of a"
        echo "core (column \"other CPU\" below): those numbers are disturbed. Rerun on an idle machine."
    fi
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| round | server | endpoint | req/s | p99 (us) | CPU us/req | requests | other CPU |"
    echo "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' '{ printf "| %s | %s | %s | %.0f | %.0f | %.3f | %s | %s %% |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$RAW"
    echo
    echo "</details>"
}

mkdir -p "$RESULTS_DIR"
report >"$WORK_DIR/report.md"
cp "$WORK_DIR/report.md" "$OUT"
echo
cat "$OUT"
log "written to ${OUT#"$ROOT_DIR"/}"
