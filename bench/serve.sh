#!/usr/bin/env bash
# Benchmark of `lambda-local serve` (not a test), every row in the same run: wrk against a bare
# cpp-httplib server and a bare h2o server (lambda-local's LoopServer) answering a constant,
# then `serve` with a trivial handler through both payload formats, then `serve` again while
# BENCH_IDLE (3000) idle keep-alive connections are held open beside the load; the ratios
# between them; and the server's memory over each run.
#   bench/serve.sh [build-dir]      BENCH_DURATION=60 (seconds per wrk run), BENCH_CONNECTIONS=32
set -euo pipefail
BUILD=${1:-build}
DURATION=${BENCH_DURATION:-20}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
CONCURRENCY=${BENCH_MAX_CONCURRENCY:-4}
IDLE=${BENCH_IDLE:-3000}
LL="$BUILD/lambda-local"
LIB="$BUILD/samples/libhttp_api.so"
command -v wrk >/dev/null || { echo "bench/serve.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$LL" ] && [ -f "$LIB" ] || { echo "bench/serve.sh: build first ($LL, $LIB)" >&2; exit 2; }

WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

c++ -O2 -std=c++17 -o "$WORK/ceiling" "$(dirname "$0")/httplib_ceiling.cpp" $(pkg-config --cflags --libs cpp-httplib) -pthread
cmake --build "$BUILD" --target h2o_ceiling >/dev/null
ulimit -n "$(ulimit -Hn)" # for the idle connections

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
  RPS[$name]=$rps
  P99[$name]=$(to_ms "$p99")
}
declare -A RPS P99
# wrk's latency ("812.00us", "4.51ms", "1.02s") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v !~ /ms$/) n *= 1000; print n }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# hold_idle PORT N: opens N connections to PORT, each answered once (an idle keep-alive
# connection, as a browser's or a proxy's pool leaves it), and holds them until killed; says
# so once they are all open. It exits by itself a while after the measured run.
hold_idle() {
  /usr/bin/python3 - "$1" "$2" "$((DURATION + 120))" <<'PY'
import resource, socket, sys, time
port, count, lifetime = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n")
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    held.append(s)
print(f"{len(held)} idle connections open", flush=True)
time.sleep(lifetime)  # bounded, should the script die before it kills this
PY
}

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores; serve --max-concurrency $CONCURRENCY, log to a file"
printf '%-34s %10s %9s %9s %9s %9s %9s\n' "server" "req/s" "p50" "p99" "RSS before" "RSS after" \
  "CPU/req"

"$WORK/ceiling" 3901 & PIDS+=($!)
wait_port 3901
run_wrk "bare cpp-httplib (ceiling)" "http://127.0.0.1:3901/" "${PIDS[-1]}"
kill "${PIDS[-1]}"

"$BUILD/h2o_ceiling" 3904 & PIDS+=($!)
wait_port 3904
run_wrk "bare h2o on libuv (LoopServer)" "http://127.0.0.1:3904/" "${PIDS[-1]}"
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

"$LL" serve -l "$LIB" -H hello --port 3905 --max-concurrency "$CONCURRENCY" --warm "$CONCURRENCY" \
  2>"$WORK/serve-idle.log" & PIDS+=($!)
SERVE=${PIDS[-1]}
wait_port 3905
hold_idle 3905 "$IDLE" >"$WORK/idle.out" & PIDS+=($!)
for _ in $(seq 600); do grep -q open "$WORK/idle.out" 2>/dev/null && break; sleep 0.1; done
IDLE_ROW="serve 2.0 beside $IDLE idle conns"
if grep -q open "$WORK/idle.out"; then
  run_wrk "$IDLE_ROW" "http://127.0.0.1:3905/bench" "$SERVE"
else
  echo "$IDLE_ROW: could not open the connections" >&2
fi
pkill -P "${PIDS[-1]}" 2>/dev/null || true
kill -TERM "$SERVE"
wait 2>/dev/null || true

HTTPLIB="bare cpp-httplib (ceiling)"
H2O="bare h2o on libuv (LoopServer)"
echo
for row in "lambda-local serve, HTTP API 2.0" "lambda-local serve, REST API 1.0"; do
  echo "$row: req/s $(ratio "${RPS[$row]}" "${RPS[$HTTPLIB]}")x cpp-httplib's," \
    "$(ratio "${RPS[$row]}" "${RPS[$H2O]}")x h2o's; p99 $(ratio "${P99[$row]}" "${P99[$HTTPLIB]}")x" \
    "cpp-httplib's"
done
if [ -n "${RPS[$IDLE_ROW]:-}" ]; then
  echo "beside $IDLE idle connections, serve keeps" \
    "$(ratio "${RPS[$IDLE_ROW]}" "${RPS[lambda-local serve, HTTP API 2.0]}")x of its throughput"
fi
