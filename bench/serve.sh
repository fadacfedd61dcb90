#!/usr/bin/env bash
# Benchmark of `lambda-local serve` (not a test): wrk against a trivial handler through both
# payload formats, next to wrk against a bare cpp-httplib server answering a constant (the
# ceiling on this machine), in the same run; and the server's memory over the run.
#   bench/serve.sh [build-dir]      BENCH_DURATION=60 (seconds per wrk run), BENCH_CONNECTIONS=32
set -euo pipefail
BUILD=${1:-build}
DURATION=${BENCH_DURATION:-20}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
CONCURRENCY=${BENCH_MAX_CONCURRENCY:-4}
LL="$BUILD/lambda-local"
LIB="$BUILD/samples/libhttp_api.so"
command -v wrk >/dev/null || { echo "bench/serve.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$LL" ] && [ -f "$LIB" ] || { echo "bench/serve.sh: build first ($LL, $LIB)" >&2; exit 2; }

WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

c++ -O2 -std=c++17 -o "$WORK/ceiling" "$(dirname "$0")/httplib_ceiling.cpp" -lcpp-httplib -pthread

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# CPU time (clock ticks) of a process and its descendants alive now: serve's threads and the
# execution environments' processes (workers started and ended within a run are not counted).
tree_ticks() {
  local pid total=0 ticks
  for pid in $1 $(descendants "$1"); do
    ticks=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  echo "$total"
}
descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }

# run_wrk NAME URL PID: one wrk run; prints "NAME req/s p50 p99 rss-before rss-after cpu/request",
# the last being the server's CPU time (all its threads and processes) per request, in µs.
run_wrk() {
  local name=$1 url=$2 pid=$3 out before after ticks_before ticks_after
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null # warm-up
  before=$(rss_kib "$pid")
  ticks_before=$(tree_ticks "$pid")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")
  ticks_after=$(tree_ticks "$pid")
  after=$(rss_kib "$pid")
  local rps p50 p99 errors requests cpu
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "%.0fus", (n > 0 ? t / hz * 1e6 / n : 0)}')
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%-34s %10s %9s %9s %9s %9s %9s %s\n' "$name" "$rps" "$p50" "$p99" "${before}K" "${after}K" \
    "$cpu" "$errors"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores; serve --max-concurrency $CONCURRENCY, log to a file"
printf '%-34s %10s %9s %9s %9s %9s %9s\n' "server" "req/s" "p50" "p99" "RSS before" "RSS after" \
  "CPU/req"

"$WORK/ceiling" 3901 & PIDS+=($!)
wait_port 3901
run_wrk "bare cpp-httplib (ceiling)" "http://127.0.0.1:3901/" "${PIDS[-1]}"
kill "${PIDS[-1]}"

"$LL" serve -l "$LIB" -H hello --port 3902 --max-concurrency "$CONCURRENCY" --warm "$CONCURRENCY" \
  2>"$WORK/serve-v2.log" & PIDS+=($!)
wait_port 3902
run_wrk "lambda-local serve, HTTP API 2.0" "http://127.0.0.1:3902/bench" "${PIDS[-1]}"
kill -TERM "${PIDS[-1]}"

"$LL" serve -l "$LIB" -H hello --api rest --port 3903 --max-concurrency "$CONCURRENCY" \
  --warm "$CONCURRENCY" 2>"$WORK/serve-v1.log" & PIDS+=($!)
wait_port 3903
run_wrk "lambda-local serve, REST API 1.0" "http://127.0.0.1:3903/Prod/bench" "${PIDS[-1]}"
kill -TERM "${PIDS[-1]}"
wait 2>/dev/null || true
echo "every lambda-local request crossed into a sandboxed execution environment: $(grep -c '^\[http_api\] REPORT' "$WORK/serve-v2.log") + $(grep -c '^\[http_api\] REPORT' "$WORK/serve-v1.log") REPORT lines logged"
