#!/usr/bin/env bash
# File-download benchmark: rejoinder's fs::ServeDir vs tower-http's ServeDir
# vs nginx, for files of 1 KiB, 1 MiB and 100 MiB.
#
# Each server runs pinned to core 0 (nginx: one process, no master; the Rust
# servers: tokio with one worker), wrk runs pinned to core 1, traffic stays on
# 127.0.0.1. Rounds are interleaved (every server x every size per round, in
# a rotating order) and the medians over rounds are reported: req/s, MB/s and
# the server's CPU time per request and per MiB.
#
# Usage: bash bench/files.sh
# Knobs (environment):
#   SERVERS   any of "nginx servedir rejoinder" (default: all three;
#             "tower-http" is accepted for servedir)
#   ROUNDS    interleaved rounds (default 2)
#   DURATION  seconds of each measured wrk run (default 6)
#   WARMUP    seconds of the unmeasured wrk run before it (default 2)
#   CONNS     wrk connections for 1 KiB and 1 MiB (default 16)
#   BIG_CONNS wrk connections for 100 MiB (default 4)
#   BASE_PORT nginx, servedir, rejoinder use BASE_PORT+0/1/2 (default 18180)
#   OTHER_WARN flag runs where other work took more than this % of a core (default 15)
#   RETRIES   measure a flagged run again, after waiting for a quiet machine,
#             up to this many times (default 1; 0 to never)
#   QUIET_WAIT longest wait for a quiet machine before a retry, seconds (default 15)
# See the files.sh section of bench/README.md for what the numbers mean.

set -euo pipefail

SERVERS=${SERVERS:-"nginx servedir rejoinder"}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-16}
BIG_CONNS=${BIG_CONNS:-4}
BASE_PORT=${BASE_PORT:-18180}
OTHER_WARN=${OTHER_WARN:-15}
RETRIES=${RETRIES:-1}
QUIET_WAIT=${QUIET_WAIT:-15}
SIZES=(1k 1m 100m)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT_DIR/target/bench-target}
BIN_DIR=$CARGO_TARGET_DIR/release
RESULTS_DIR=$BENCH_DIR/results
OUT=$RESULTS_DIR/files-latest.md

log() { printf '[files] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- arguments

read -r -a requested <<<"$SERVERS"
SERVER_LIST=()
for s in "${requested[@]}"; do
    case $s in
    nginx | servedir | rejoinder) SERVER_LIST+=("$s") ;;
    tower-http) SERVER_LIST+=(servedir) ;;
    *) die "unknown server '$s' (want nginx, servedir, rejoinder)" ;;
    esac
done
[[ ${#SERVER_LIST[@]} -gt 0 ]] || die "SERVERS is empty"
for knob in ROUNDS DURATION WARMUP CONNS BIG_CONNS BASE_PORT OTHER_WARN RETRIES QUIET_WAIT; do
    [[ ${!knob} =~ ^[0-9]+$ && ( ${!knob} -gt 0 || $knob == RETRIES ) ]] || die "$knob must be a positive integer, got '${!knob}'"
done
has_server() { [[ " ${SERVER_LIST[*]} " == *" $1 "* ]]; }

port_of() {
    case $1 in nginx) echo $((BASE_PORT + 0)) ;; servedir) echo $((BASE_PORT + 1)) ;; rejoinder) echo $((BASE_PORT + 2)) ;; esac
}
label_of() { # the name in the report
    case $1 in servedir) echo tower-http ;; *) echo "$1" ;; esac
}
bytes_of() {
    case $1 in 1k) echo 1024 ;; 1m) echo 1048576 ;; 100m) echo 104857600 ;; esac
}
size_label() {
    case $1 in 1k) echo "1 KiB" ;; 1m) echo "1 MiB" ;; 100m) echo "100 MiB" ;; esac
}
conns_of() {
    case $1 in 100m) echo "$BIG_CONNS" ;; *) echo "$CONNS" ;; esac
}

# ------------------------------------------------------------------- tools

. "$BENCH_DIR/common.sh" # apt_install

command -v wrk >/dev/null 2>&1 || apt_install wrk
command -v curl >/dev/null 2>&1 || apt_install curl
NGINX=""
if has_server nginx; then
    NGINX=$(command -v nginx || true)
    [[ -n $NGINX ]] || [[ ! -x /usr/sbin/nginx ]] || NGINX=/usr/sbin/nginx
    if [[ -z $NGINX ]]; then
        apt_install nginx-light nginx
        NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    fi
    [[ -x $NGINX ]] || die "nginx is missing after the install"
fi
command -v taskset >/dev/null 2>&1 || die "taskset is missing (package util-linux)"
[[ $(nproc --all) -ge 2 ]] || die "need at least 2 cores (server on core 0, wrk on core 1)"
CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------------------- build

# The peer first, without the framework; then bench-rejoinder-files, which
# needs the rejoinder-files feature. If only that one fails to build (the
# framework mid-change), the others are still measured and the report says
# rejoinder did not build.
BUILD_ERROR=""
build_args=(build --release --manifest-path "$BENCH_DIR/Cargo.toml" --no-default-features)
if has_server servedir || has_server rejoinder; then
    command -v cargo >/dev/null 2>&1 || die "cargo is missing"
fi
if has_server servedir; then
    log "cargo ${build_args[*]} --bin bench-servedir  (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    cargo "${build_args[@]}" --bin bench-servedir
fi
if has_server rejoinder; then
    log "cargo ${build_args[*]} --features rejoinder-files --bin bench-rejoinder-files"
    if ! cargo "${build_args[@]}" --features rejoinder-files --bin bench-rejoinder-files; then
        BUILD_ERROR="bench-rejoinder-files did not build (cargo's errors are above)"
        log "warning: $BUILD_ERROR; measuring the others"
    fi
fi

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
trap 'log "error: \"$BASH_COMMAND\" failed (line $LINENO); stopping"' ERR

# The files, made once per run, and read once so every server finds them in
# the page cache.
FILES_DIR=$WORK_DIR/www
mkdir -p "$FILES_DIR"
chmod 755 "$WORK_DIR" "$FILES_DIR"
for size in "${SIZES[@]}"; do
    head -c "$(bytes_of "$size")" /dev/urandom >"$FILES_DIR/$size.bin"
    chmod 644 "$FILES_DIR/$size.bin"
done
cat "$FILES_DIR"/*.bin >/dev/null

# nginx: one process that is the server (no master, no workers), so its
# /proc/<pid>/stat is all the CPU it spends; everything it writes stays in
# $WORK_DIR/nginx.
write_nginx_conf() { # port
    local prefix=$WORK_DIR/nginx
    mkdir -p "$prefix"
    cat >"$prefix/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $prefix/nginx.pid;
error_log stderr;

events {
    worker_connections 1024;
}

http {
    types { application/octet-stream bin; }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    access_log off;
    keepalive_timeout 65s;
    # nginx closes a keep-alive connection after 1000 requests by default;
    # the Rust servers never do, so lift the limit.
    keepalive_requests 1000000;
    client_body_temp_path $prefix/client_body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;

    server {
        listen 127.0.0.1:$1;
        root $FILES_DIR;
    }
}
EOF
}

# Succeeds if 127.0.0.1:$1 answers HTTP at all.
answers() {
    local code
    code=$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$1/1k.bin" 2>/dev/null) || true
    [[ -n $code && $code != 000 ]]
}

START_ERROR=""
start_server() { # name port; on failure sets START_ERROR and returns 1
    local name=$1 port=$2 i bin
    START_ERROR=""
    answers "$port" && die "port $port already answers; stop whatever listens there or set BASE_PORT"
    case $name in
    nginx)
        write_nginx_conf "$port"
        taskset -c 0 "$NGINX" -p "$WORK_DIR/nginx" -c "$WORK_DIR/nginx/nginx.conf" -e stderr \
            2>"$WORK_DIR/$name.stderr" &
        ;;
    *)
        if [[ $name == rejoinder ]]; then bin=bench-rejoinder-files; else bin=bench-servedir; fi
        taskset -c 0 "$BIN_DIR/$bin" "$port" "$FILES_DIR" 2>"$WORK_DIR/$name.stderr" &
        ;;
    esac
    SERVER_PID=$!
    for ((i = 0; i < 100; i++)); do
        answers "$port" && return 0
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            START_ERROR="exited at start: $(tr '\n' ' ' <"$WORK_DIR/$name.stderr" | cut -c1-200)"
            wait "$SERVER_PID" 2>/dev/null || true
            SERVER_PID=""
            return 1
        fi
        sleep 0.1
    done
    START_ERROR="did not answer on port $port within 10 s"
    stop_server
    return 1
}

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# utime + stime of a process (all its threads) in clock ticks: fields 14
# and 15 of /proc/<pid>/stat; the comm field may hold spaces, so cut after ')'.
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    awk '{ print $12 + $13 }' <<<"$stat"
}

# Busy ticks of the whole machine: user nice system irq softirq steal.
machine_busy_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# The same split in two: "user+nice+system+steal irq+softirq". Moving
# hundreds of MB/s over loopback costs a lot of softirq time (the kernel's
# TCP receive path runs on the sending core), which the kernel charges to
# nobody's utime+stime or only in part; it is reported on its own and left
# out of "other CPU", which is about interference.
machine_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $9, $7 + $8; exit }' /proc/stat
}

# Busy ticks of core 0 alone, the server's core: the server, the kernel work
# it triggers there (softirq included) and whatever else ran there.
core0_busy_ticks() {
    awk '$1 == "cpu0" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# "pid ticks comm" for every process (threads summed), to name what
# interfered with a flagged run. Processes that start and end in between
# (a compiler run) cannot show up.
proc_snapshot() {
    # cat fails when a process ends between the glob and the read: fine.
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{
        i = index($0, " ("); j = 0
        for (k = length($0); k > i; k--) if (substr($0, k, 2) == ") ") { j = k; break }
        if (!i || !j) next
        comm = substr($0, i + 2, j - i - 2); gsub(/ /, "_", comm)
        split(substr($0, j + 2), f, " ")
        print $1, f[12] + f[13], comm
    }'
}

# The three processes (other than the server and wrk) that used the most CPU
# between two snapshots.
top_others() { # before after server_pid
    awk -v srv="$3" 'NR == FNR { t[$1] = $2; next }
        $1 != srv && $3 != "wrk" && $2 - t[$1] > 0 { printf "%s %s(%d) %d\n", $2 - t[$1], $3, $1, $2 - t[$1] }' "$1" "$2" |
        sort -rn | awk -v hz="$CLK_TCK" 'NR <= 3 { printf "%s%s %.2f s", (NR > 1 ? ", " : ""), $2, $3 / hz }'
}

# Wait (at most QUIET_WAIT s) until a whole second passes in which the
# machine is busy less than OTHER_WARN % of a core. The server is idle then
# and wrk is not running, so what is busy is other work (a cargo build).
wait_quiet() {
    local i b0 b1
    for ((i = 0; i < QUIET_WAIT; i++)); do
        b0=$(machine_busy_ticks)
        sleep 1
        b1=$(machine_busy_ticks)
        if (((b1 - b0) * 100 < OTHER_WARN * CLK_TCK)); then return 0; fi
    done
    log "the machine stayed busy for $QUIET_WAIT s; measuring anyway"
}

# Save `times` (this shell's and its reaped children's CPU) to file $1; it
# must run in this shell, not in $(...).
save_times() { times >"$1"; }

children_cpu_s() {
    awk 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
        printf "%.3f", t
    }' "$1"
}

# wrk prints bytes rounded to 3-4 digits; this script makes it print the
# exact totals (bytes read counts every byte, partial responses included).
cat >"$WORK_DIR/summary.lua" <<'EOF'
done = function(summary, latency, requests)
    io.write(string.format("SUMMARY requests=%d bytes=%d duration_us=%d status_errors=%d timeouts=%d\n",
        summary.requests, summary.bytes, summary.duration,
        summary.errors.status, summary.errors.timeout))
end
EOF

# ------------------------------------------------------------ measurements

# round server size status rps mbps cpu_us_req cpu_us_mib completed other_pct note softirq_pct core0_us_req
# (tab-separated; an empty field is "-", since `read` would merge empty ones)
RAW=$WORK_DIR/raw.tsv
: >"$RAW"
declare -A HEADER_BYTES # server.size -> bytes of one response's header block

fail() { # round name size reason
    printf '%s\t%s\t%s\tFAIL\t-\t-\t-\t-\t-\t-\t%s\t-\t-\n' "$1" "$2" "$3" "$4" >>"$RAW"
    log "round $1  $(printf '%-9s %-4s' "$2" "$3")  FAILED: $4"
}

# One request with curl: status 200, Content-Length equal to the file's size,
# and the body byte for byte the file. Prints a reason and fails otherwise.
check() { # name port size
    local name=$1 port=$2 size=$3 want hdr status length meta
    want=$(bytes_of "$size")
    hdr=$WORK_DIR/check.headers
    if ! meta=$(curl -sS --max-time 60 -D "$hdr" -w '%{http_code} %{size_header}' -o "$WORK_DIR/check.body" \
        "http://127.0.0.1:$port/$size.bin" 2>&1); then
        echo "curl failed: $meta"
        return 1
    fi
    status=${meta%% *}
    [[ $status == 200 ]] || { echo "status $status, not 200"; return 1; }
    length=$(tr -d '\r' <"$hdr" | awk -F': *' 'tolower($1) == "content-length" { print $2 }' | tail -n1)
    [[ -n $length ]] || { echo "no Content-Length header"; return 1; }
    [[ $length == "$want" ]] || { echo "Content-Length $length, file has $want bytes"; return 1; }
    cmp -s "$WORK_DIR/check.body" "$FILES_DIR/$size.bin" || { echo "body differs from the file"; return 1; }
    rm -f "$WORK_DIR/check.body"
    HEADER_BYTES[$name.$size]=${meta#* }
}

measure() { # round name port size
    local round=$1 name=$2 port=$3 size=$4 url out before after reason conns body resp
    local busy0 busy1 irq0 irq1 wrk0 wrk1 t0 t1 other softirq summary requests bytes dur_us errors timeouts
    local rps mbps cpu_us eq cpu_req cpu_mib core0 c00 c01 culprits
    url="http://127.0.0.1:$port/$size.bin"
    out=$WORK_DIR/wrk-$round-$name-$size.txt
    conns=$(conns_of "$size")
    body=$(bytes_of "$size")

    # Not in $(...): check records the header size in this shell.
    if ! check "$name" "$port" "$size" >"$WORK_DIR/check.reason"; then
        fail "$round" "$name" "$size" "check: $(<"$WORK_DIR/check.reason")"
        return 0
    fi

    taskset -c 1 timeout $((WARMUP + 40)) wrk -t1 -c"$conns" -d"${WARMUP}s" --timeout 30s "$url" >/dev/null || true

    local attempt
    for ((attempt = 0; ; attempt++)); do
        proc_snapshot >"$WORK_DIR/procs.0"
        save_times "$WORK_DIR/times.0"
        read -r busy0 irq0 < <(machine_ticks)
        c00=$(core0_busy_ticks)
        t0=$(date +%s%N)
        before=$(cpu_ticks "$SERVER_PID")
        taskset -c 1 timeout $((DURATION + 40)) wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 30s \
            -s "$WORK_DIR/summary.lua" "$url" >"$out" || true
        after=$(cpu_ticks "$SERVER_PID")
        t1=$(date +%s%N)
        read -r busy1 irq1 < <(machine_ticks)
        c01=$(core0_busy_ticks)
        save_times "$WORK_DIR/times.1"
        proc_snapshot >"$WORK_DIR/procs.1"
        wrk0=$(children_cpu_s "$WORK_DIR/times.0")
        wrk1=$(children_cpu_s "$WORK_DIR/times.1")

        summary=$(grep '^SUMMARY ' "$out" || true)
        if [[ -z $summary ]]; then
            fail "$round" "$name" "$size" "wrk gave no summary: $(tr '\n' ' ' <"$out" | cut -c1-200)"
            return 0
        fi
        read -r requests bytes dur_us errors timeouts < <(sed -E 's/[a-z_]+=//g; s/^SUMMARY //' <<<"$summary")
        if ((errors > 0)); then
            fail "$round" "$name" "$size" "$errors non-2xx/3xx responses under load"
            return 0
        fi
        if ((requests == 0)); then
            fail "$round" "$name" "$size" "no request completed in ${DURATION} s"
            return 0
        fi
        ((timeouts == 0)) || log "warning: $name $size: $timeouts wrk timeouts"
        grep -q 'Socket errors' "$out" && log "warning: $name $size: $(grep 'Socket errors' "$out")"

        # Responses served, counted in bytes: wrk's byte total (partial responses
        # still in flight at the end included) over one response's size. With
        # 100 MiB responses the few in flight are a few % of the run; with small
        # files this is the request count.
        resp=$((HEADER_BYTES[$name.$size] + body))
        read -r rps mbps cpu_req cpu_mib core0 < <(awk -v req="$requests" -v bytes="$bytes" -v dur="$dur_us" \
            -v resp="$resp" -v body="$body" -v d=$((after - before)) -v hz="$CLK_TCK" -v c0=$((c01 - c00)) 'BEGIN {
                eq = bytes / resp
                cpu_us = d / hz * 1e6
                printf "%.3f %.3f %.3f %.3f %.3f\n", req / (dur / 1e6), eq * body / (dur / 1e6) / 1e6,
                    cpu_us / eq, cpu_us / (eq * body / 1048576), c0 / hz * 1e6 / eq
            }')
        other=$(awk -v busy=$((busy1 - busy0)) -v srv=$((after - before)) -v w0="$wrk0" -v w1="$wrk1" \
            -v hz="$CLK_TCK" -v ns=$((t1 - t0)) \
            'BEGIN { o = (busy - srv) / hz - (w1 - w0); if (o < 0) o = 0; printf "%.0f", o / (ns / 1e9) * 100 }')
        softirq=$(awk -v t=$((irq1 - irq0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", t / hz / (ns / 1e9) * 100 }')

        if ((other > OTHER_WARN)); then
            culprits=$(top_others "$WORK_DIR/procs.0" "$WORK_DIR/procs.1" "$SERVER_PID" || true)
            log "round $round  $(printf '%-9s %-4s' "$name" "$size")  other work used ${other}% of a core (top: ${culprits:-none alive at the end})"
        fi
        if ((other > OTHER_WARN && attempt < RETRIES)); then
            log "round $round  $(printf '%-9s %-4s' "$name" "$size")  waiting for a quiet machine and measuring again"
            wait_quiet
            continue
        fi
        break
    done
    printf '%s\t%s\t%s\tok\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\t%s\n' "$round" "$name" "$size" "$rps" "$mbps" \
        "$cpu_req" "$cpu_mib" "$requests" "$other" "$softirq" "$core0" >>"$RAW"
    log "round $round  $(printf '%-9s %-4s' "$name" "$size")  $(printf '%9.0f req/s  %8.1f MB/s  %10.2f CPU us/req  %8.1f CPU us/MiB  core0 %10.2f us/req  other %3d%%  softirq %3d%%' \
        "$rps" "$mbps" "$cpu_req" "$cpu_mib" "$core0" "$other" "$softirq")"
    if ((other > OTHER_WARN)); then
        log "warning: other work used ${other}% of a core during this run; its numbers are disturbed"
    fi
}

log "servers: ${SERVER_LIST[*]}; rounds: $ROUNDS; $DURATION s measured + $WARMUP s warm-up per run"
log "connections: $CONNS (1 KiB, 1 MiB), $BIG_CONNS (100 MiB); files in $FILES_DIR"
log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#SERVER_LIST[@]}
for ((round = 1; round <= ROUNDS; round++)); do
    # Rotate the server order each round and flip the size order, so no
    # server always runs first and no size always follows the 100 MiB runs.
    for ((k = 0; k < n; k++)); do
        name=${SERVER_LIST[$(((k + round - 1) % n))]}
        port=$(port_of "$name")
        if ((round % 2)); then order=("${SIZES[@]}"); else order=(100m 1m 1k); fi
        if [[ $name == rejoinder && -n $BUILD_ERROR ]]; then
            for size in "${order[@]}"; do fail "$round" "$name" "$size" "$BUILD_ERROR"; done
            continue
        fi
        if ! start_server "$name" "$port"; then
            for size in "${order[@]}"; do fail "$round" "$name" "$size" "server $START_ERROR"; done
            continue
        fi
        for size in "${order[@]}"; do
            measure "$round" "$name" "$port" "$size"
        done
        stop_server
    done
done

# ----------------------------------------------------------------- report

# median <server> <size> <column> over the rounds that succeeded;
# columns: 5 req/s, 6 MB/s, 7 CPU us/req, 8 CPU us/MiB
median() {
    awk -F'\t' -v s="$1" -v z="$2" -v c="$3" '$2 == s && $3 == z && $4 == "ok" { print $c }' "$RAW" |
        sort -g |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) exit 1
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

declare -A MED
report() {
    local s z cpu reason fails disturbed a b pair metric
    echo "# rejoinder file-download benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo 'none (no commit yet)') (the work tree may hold uncommitted changes)"
    echo "- machine: $(nproc --all) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
    if has_server nginx; then echo "- nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), one process (\`master_process off\`), sendfile on, tcp_nopush on"; fi
    echo "- setup: server pinned to core 0 (nginx: one process; Rust: tokio multi-thread, 1 worker, plus tokio's blocking threads, same core), wrk pinned to core 1; files in the page cache"
    echo "- load: \`wrk -t1 -c$CONNS -d${DURATION}s\` for 1 KiB and 1 MiB, \`wrk -t1 -c$BIG_CONNS -d${DURATION}s\` for 100 MiB, each after a ${WARMUP} s warm-up; $ROUNDS interleaved rounds; medians over rounds"
    echo "- other CPU: machine-wide user+system time minus the server's and wrk's, in % of one core (interference); softirq: the machine's irq+softirq time in % of one core (mostly the loopback TCP path, charged to no process or only in part)"
    echo "- MB/s: file bytes delivered per second (10^6 bytes). CPU: server utime+stime (/proc/<pid>/stat, $CLK_TCK ticks/s, all threads) during the measured run, per response and per MiB of file delivered; core 0: all busy time of the server's core (/proc/stat cpu0, softirq included) per response"
    echo
    echo "| server | size | req/s | MB/s | CPU us/req | CPU us per MiB | core 0 us/req |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for z in "${SIZES[@]}"; do
        for s in "${SERVER_LIST[@]}"; do
            if cpu=$(median "$s" "$z" 7); then
                MED[$s.$z.cpu]=$cpu
                MED[$s.$z.rps]=$(median "$s" "$z" 5)
                MED[$s.$z.mbps]=$(median "$s" "$z" 6)
                MED[$s.$z.mib]=$(median "$s" "$z" 8)
                MED[$s.$z.core0]=$(median "$s" "$z" 13)
                fails=$(awk -F'\t' -v s="$s" -v z="$z" '$2 == s && $3 == z && $4 == "FAIL"' "$RAW" | wc -l)
                printf '| %s | %s | %.0f | %.1f | %.2f | %.1f | %.2f |%s\n' "$(label_of "$s")" "$(size_label "$z")" \
                    "${MED[$s.$z.rps]}" "${MED[$s.$z.mbps]}" "$cpu" "${MED[$s.$z.mib]}" "${MED[$s.$z.core0]}" \
                    "$( ((fails == 0)) || echo " ($fails of $ROUNDS rounds FAILED, see below)")"
            else
                reason=$(awk -F'\t' -v s="$s" -v z="$z" '$2 == s && $3 == z { print $11; exit }' "$RAW")
                echo "| $(label_of "$s") | $(size_label "$z") | FAILED: ${reason//|/\\|} | | | | |"
            fi
        done
    done
    echo
    local pairs=0
    for s in "${SERVER_LIST[@]}"; do
        if [[ -n ${MED[$s.1k.cpu]:-}${MED[$s.1m.cpu]:-}${MED[$s.100m.cpu]:-} ]]; then pairs=$((pairs + 1)); fi
    done
    if ((pairs < 2)); then
        echo "(No ratios: fewer than two servers have numbers.)"
    else
    echo "Ratios (the first server's median over the second's): under 1.00 means the first"
    echo "spends less CPU per download. \"CPU us/req\" is the server process's own time (the"
    echo "main number); \"core 0 us/req\" is everything that ran on the server's core,"
    echo "softirq included. Blank where either side failed or did not run."
    echo
    echo "| size | per request | rejoinder/tower-http | rejoinder/nginx | tower-http/nginx |"
    echo "| --- | --- | ---: | ---: | ---: |"
    for z in "${SIZES[@]}"; do
        for metric in cpu core0; do
            if [[ $metric == cpu ]]; then printf '| %s | CPU us/req' "$(size_label "$z")"; else printf '| %s | core 0 us/req' "$(size_label "$z")"; fi
            for pair in rejoinder:servedir rejoinder:nginx servedir:nginx; do
                a=${pair%%:*} b=${pair#*:}
                if [[ -n ${MED[$a.$z.$metric]:-} && -n ${MED[$b.$z.$metric]:-} ]]; then
                    printf ' | %s' "$(ratio "${MED[$a.$z.$metric]}" "${MED[$b.$z.$metric]}")"
                else
                    printf ' | '
                fi
            done
            echo ' |'
        done
    done
    fi
    disturbed=$(awk -F'\t' -v w="$OTHER_WARN" '$4 == "ok" && $10 > w' "$RAW" | wc -l)
    if ((disturbed > 0)); then
        echo
        echo "**Warning:** in $disturbed of $(awk -F'\t' '$4 == "ok"' "$RAW" | wc -l) runs other work took more than $OTHER_WARN % of a core"
        echo "(column \"other CPU\" below): those numbers may be disturbed."
    fi
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| round | server | size | req/s | MB/s | CPU us/req | CPU us/MiB | core 0 us/req | completed | other CPU | softirq |"
    echo "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    while IFS=$'\t' read -r r s z st rps mbps creq cmib req oth note sirq c0; do
        if [[ $st == ok ]]; then
            printf '| %s | %s | %s | %.0f | %.1f | %.2f | %.1f | %.2f | %s | %s %% | %s %% |\n' "$r" "$(label_of "$s")" \
                "$(size_label "$z")" "$rps" "$mbps" "$creq" "$cmib" "$c0" "$req" "$oth" "$sirq"
        else
            echo "| $r | $(label_of "$s") | $(size_label "$z") | FAILED: ${note//|/\\|} | | | | | | | |"
        fi
    done <"$RAW"
    echo
    echo "</details>"
}

mkdir -p "$RESULTS_DIR"
report >"$WORK_DIR/report.md"
cp "$WORK_DIR/report.md" "$OUT"
echo
cat "$OUT"
log "written to ${OUT#"$ROOT_DIR"/}"
