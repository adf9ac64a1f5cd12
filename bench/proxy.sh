#!/usr/bin/env bash
# Reverse-proxy benchmark: rejoinder-proxy vs nginx `proxy_pass` vs a bare
# hyper-util proxy, each in front of the same hyper upstream, for
# /plaintext (13 bytes) and /1m (1 MiB) responses.
#
# The proxy under test runs pinned to core 0 (nginx: one process, no
# master, one worker, a keepalive upstream pool; the Rust proxies: tokio
# with one worker); the upstream and wrk share core 1; traffic stays on
# 127.0.0.1. Rounds are interleaved (every proxy x both paths per round,
# the proxy order rotating) and the medians over rounds are reported: the
# proxy process's CPU time per request (utime+stime from /proc/<pid>/stat),
# req/s, and the ratios the targets are stated in.
#
# Usage: bash bench/proxy.sh
# Knobs (environment):
#   PROXIES   any of "nginx hyper rejoinder" (default: all three)
#   ROUNDS    interleaved rounds (default 3)
#   DURATION  seconds of each measured wrk run (default 6)
#   WARMUP    seconds of the unmeasured wrk run before it (default 2)
#   CONNS     wrk connections for /plaintext (default 64)
#   BIG_CONNS wrk connections for /1m (default 8)
#   BASE_PORT upstream, nginx, hyper, rejoinder use BASE_PORT+0/1/2/3 (default 18280)
# Results: bench/results/proxy-latest.md

set -euo pipefail

PROXIES=${PROXIES:-"nginx hyper rejoinder"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
BIG_CONNS=${BIG_CONNS:-8}
BASE_PORT=${BASE_PORT:-18280}
PATHS=(plaintext 1m)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT_DIR/target/bench-target}
BIN_DIR=$CARGO_TARGET_DIR/release
RESULTS_DIR=$BENCH_DIR/results
OUT=$RESULTS_DIR/proxy-latest.md

log() { printf '[proxy] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

read -r -a PROXY_LIST <<<"$PROXIES"
for p in "${PROXY_LIST[@]}"; do
    case $p in nginx | hyper | rejoinder) ;; *) die "unknown proxy '$p' (want nginx, hyper, rejoinder)" ;; esac
done
for knob in ROUNDS DURATION WARMUP CONNS BIG_CONNS BASE_PORT; do
    [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || die "$knob must be a positive integer, got '${!knob}'"
done
has() { [[ " ${PROXY_LIST[*]} " == *" $1 "* ]]; }
UP_PORT=$BASE_PORT
port_of() { case $1 in nginx) echo $((BASE_PORT + 1)) ;; hyper) echo $((BASE_PORT + 2)) ;; rejoinder) echo $((BASE_PORT + 3)) ;; esac; }
label_of() { case $1 in hyper) echo "hyper-util proxy" ;; rejoinder) echo rejoinder-proxy ;; *) echo "$1" ;; esac; }
conns_of() { case $1 in 1m) echo "$BIG_CONNS" ;; *) echo "$CONNS" ;; esac; }

# ------------------------------------------------------------------- tools

. "$BENCH_DIR/common.sh" # apt_install
command -v wrk >/dev/null 2>&1 || apt_install wrk
command -v curl >/dev/null 2>&1 || apt_install curl
command -v taskset >/dev/null 2>&1 || die "taskset is missing (package util-linux)"
[[ $(nproc --all) -ge 2 ]] || die "need at least 2 cores (proxy on core 0, upstream and wrk on core 1)"
NGINX=""
if has nginx; then
    NGINX=$(command -v nginx || true)
    [[ -n $NGINX ]] || [[ ! -x /usr/sbin/nginx ]] || NGINX=/usr/sbin/nginx
    if [[ -z $NGINX ]]; then
        apt_install nginx-light nginx
        NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    fi
fi
CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------------------- build

bins=(--bin bench-proxy-upstream)
has hyper && bins+=(--bin bench-hyper-proxy)
features=()
if has rejoinder; then bins+=(--bin bench-rejoinder-proxy); features=(--features rejoinder-proxy); fi
log "cargo build --release ${bins[*]}  (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo build --release --manifest-path "$BENCH_DIR/Cargo.toml" --no-default-features "${features[@]}" "${bins[@]}"

# ---------------------------------------------------------- process control

WORK_DIR=$(mktemp -d)
UP_PID=""
PROXY_PID=""
stop() { # pid variable name
    local pid=${!1}
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf -v "$1" '%s' ""
}
cleanup() { stop PROXY_PID; stop UP_PID; rm -rf "$WORK_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

answers() { # port path
    local code
    code=$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$1$2" 2>/dev/null) || true
    [[ $code == 200 ]]
}
wait_answer() { # port pid
    local i
    for ((i = 0; i < 100; i++)); do
        answers "$1" /plaintext && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

write_nginx_conf() { # port
    local prefix=$WORK_DIR/nginx
    mkdir -p "$prefix"
    cat >"$prefix/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $prefix/nginx.pid;
error_log stderr;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_temp_path $prefix/client_body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    upstream backend {
        server 127.0.0.1:$UP_PORT;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$1;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
EOF
}

start_proxy() { # name port
    local name=$1 port=$2
    answers "$port" /plaintext && die "port $port already answers; set BASE_PORT"
    case $name in
    nginx)
        write_nginx_conf "$port"
        taskset -c 0 "$NGINX" -p "$WORK_DIR/nginx" -c "$WORK_DIR/nginx/nginx.conf" -e stderr 2>"$WORK_DIR/$name.stderr" &
        ;;
    hyper) taskset -c 0 "$BIN_DIR/bench-hyper-proxy" "$port" "http://127.0.0.1:$UP_PORT" 2>"$WORK_DIR/$name.stderr" & ;;
    rejoinder) taskset -c 0 "$BIN_DIR/bench-rejoinder-proxy" "$port" "http://127.0.0.1:$UP_PORT" 2>"$WORK_DIR/$name.stderr" & ;;
    esac
    PROXY_PID=$!
    wait_answer "$port" "$PROXY_PID" || die "$name did not start: $(tr '\n' ' ' <"$WORK_DIR/$name.stderr" | cut -c1-200)"
}

cpu_ticks() { # utime+stime of all threads
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    awk '{ print $12 + $13 }' <<<"$stat"
}

cat >"$WORK_DIR/summary.lua" <<'EOF'
done = function(summary, latency, requests)
    io.write(string.format("SUMMARY requests=%d bytes=%d duration_us=%d status_errors=%d\n",
        summary.requests, summary.bytes, summary.duration, summary.errors.status))
end
EOF

# -------------------------------------------------------------- measuring

RAW=$WORK_DIR/raw.tsv # round proxy path rps cpu_us_req
: >"$RAW"

measure() { # round name port path
    local round=$1 name=$2 port=$3 path=$4 url conns before after summary requests bytes dur errors rps cpu
    url="http://127.0.0.1:$port/$path"
    conns=$(conns_of "$path")
    local want=13
    [[ $path == 1m ]] && want=1048576
    local got
    got=$(curl -s --max-time 10 -o "$WORK_DIR/check.body" -w '%{http_code} %{size_download}' "$url") || got="curl failed"
    [[ $got == "200 $want" ]] || die "$name /$path answered '$got', want '200 $want'"
    taskset -c 1 wrk -t1 -c"$conns" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
    before=$(cpu_ticks "$PROXY_PID")
    taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s -s "$WORK_DIR/summary.lua" "$url" >"$WORK_DIR/wrk.out" 2>&1 || true
    after=$(cpu_ticks "$PROXY_PID")
    summary=$(grep '^SUMMARY ' "$WORK_DIR/wrk.out") || die "wrk gave no summary: $(head -c 300 "$WORK_DIR/wrk.out")"
    read -r requests bytes dur errors < <(sed -E 's/[a-z_]+=//g; s/^SUMMARY //' <<<"$summary")
    ((errors == 0)) || die "$name /$path: $errors non-2xx responses under load"
    ((requests > 0)) || die "$name /$path: no request completed"
    read -r rps cpu < <(awk -v r="$requests" -v d="$dur" -v t=$((after - before)) -v hz="$CLK_TCK" \
        'BEGIN { printf "%.1f %.3f\n", r / (d / 1e6), t / hz * 1e6 / r }')
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$path" "$rps" "$cpu" >>"$RAW"
    log "round $round  $(printf '%-9s /%-9s %9.0f req/s  %9.2f CPU us/req' "$name" "$path" "$rps" "$cpu")"
}

taskset -c 1 "$BIN_DIR/bench-proxy-upstream" "$UP_PORT" 2>"$WORK_DIR/upstream.stderr" &
UP_PID=$!
wait_answer "$UP_PORT" "$UP_PID" || die "the upstream did not start"
log "proxies: ${PROXY_LIST[*]}; rounds: $ROUNDS; ${DURATION}s measured + ${WARMUP}s warm-up; load average $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#PROXY_LIST[@]}
for ((round = 1; round <= ROUNDS; round++)); do
    for ((k = 0; k < n; k++)); do
        name=${PROXY_LIST[$(((k + round - 1) % n))]}
        port=$(port_of "$name")
        start_proxy "$name" "$port"
        if ((round % 2)); then order=("${PATHS[@]}"); else order=(1m plaintext); fi
        for path in "${order[@]}"; do measure "$round" "$name" "$port" "$path"; done
        stop PROXY_PID
    done
done

# ----------------------------------------------------------------- report

median() { # proxy path column (4 req/s, 5 CPU us/req)
    awk -F'\t' -v p="$1" -v z="$2" -v c="$3" '$2 == p && $3 == z { print $c }' "$RAW" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
paired() { # proxy-a proxy-b path: median (min-max) of a / b over the rounds that measured both
    awk -F'\t' -v a="$1" -v b="$2" -v z="$3" '$3 == z && $2 == a { x[$1] = $5 } $3 == z && $2 == b { y[$1] = $5 }
        END { for (r in x) if (r in y && y[r] > 0) print x[r] / y[r] }' "$RAW" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) exit 0; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

declare -A CPU RPS
{
    echo "# rejoinder-proxy benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "- machine: $(nproc --all) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
    has nginx && echo "- nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), one process (\`master_process off\`), \`proxy_pass\` to an upstream block with \`keepalive 64\`, HTTP/1.1 to the upstream"
    echo "- proxies pinned to core 0 (Rust: tokio current-thread; BENCH_RUNTIME=multi for one multi-thread worker); the hyper upstream (1 worker) and wrk on core 1"
    echo "- load: \`wrk -t1 -c$CONNS\` for /plaintext, \`wrk -t1 -c$BIG_CONNS\` for /1m, ${DURATION}s measured after ${WARMUP}s warm-up; $ROUNDS interleaved rounds, medians"
    echo "- CPU: the proxy process's utime+stime (/proc/<pid>/stat, all threads) during the measured run, per request"
    echo
    echo "| proxy | path | req/s | CPU us/req |"
    echo "| --- | --- | ---: | ---: |"
    for z in "${PATHS[@]}"; do
        for p in "${PROXY_LIST[@]}"; do
            CPU[$p.$z]=$(median "$p" "$z" 5)
            RPS[$p.$z]=$(median "$p" "$z" 4)
            printf '| %s | /%s | %.0f | %.2f |\n' "$(label_of "$p")" "$z" "${RPS[$p.$z]}" "${CPU[$p.$z]}"
        done
    done
    echo
    echo "CPU per request, ratios of medians (under 1.00: the first spends less):"
    echo
    echo "| path | rejoinder-proxy / nginx | rejoinder-proxy / hyper-util proxy | hyper-util proxy / nginx |"
    echo "| --- | ---: | ---: | ---: |"
    for z in "${PATHS[@]}"; do
        printf '| /%s' "$z"
        for pair in rejoinder:nginx rejoinder:hyper hyper:nginx; do
            a=${pair%%:*} b=${pair#*:}
            if [[ -n ${CPU[$a.$z]:-} && -n ${CPU[$b.$z]:-} ]]; then printf ' | %s' "$(ratio "${CPU[$a.$z]}" "${CPU[$b.$z]}")"; else printf ' | '; fi
        done
        echo ' |'
    done
    echo
    echo "The same ratios taken round by round (both proxies measured minutes apart, so a drift of the"
    echo "machine between rounds cancels): median, and the range over rounds:"
    echo
    echo "| path | rejoinder-proxy / nginx | rejoinder-proxy / hyper-util proxy | hyper-util proxy / nginx |"
    echo "| --- | ---: | ---: | ---: |"
    for z in "${PATHS[@]}"; do
        printf '| /%s' "$z"
        for pair in rejoinder:nginx rejoinder:hyper hyper:nginx; do
            printf ' | %s' "$(paired "${pair%%:*}" "${pair#*:}" "$z")"
        done
        echo ' |'
    done
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| round | proxy | path | req/s | CPU us/req |"
    echo "| ---: | --- | --- | ---: | ---: |"
    while IFS=$'\t' read -r r p z rps cpu; do
        printf '| %s | %s | /%s | %.0f | %.2f |\n' "$r" "$(label_of "$p")" "$z" "$rps" "$cpu"
    done <"$RAW"
    echo
    echo "</details>"
} >"$WORK_DIR/report.md"
mkdir -p "$RESULTS_DIR"
cp "$WORK_DIR/report.md" "$OUT"
cat "$OUT"
log "written to ${OUT#"$ROOT_DIR"/}"
