#!/usr/bin/env bash
# Two or more builds of `lambda-local serve` side by side (not a test: it prints numbers):
# rounds of wrk runs that alternate between the builds, so that each build meets the VM in
# the same moods, then each build's medians. The figure to compare is the loop thread's CPU
# time per request: `serve`'s one loop thread is busy all the time under this load, so it
# bounds requests per second, and it varies less from run to run than they do.
#   bench/serve_compare.sh BUILD-DIR BUILD-DIR...   BENCH_ROUNDS=6, BENCH_DURATION=6 (seconds),
#                                                   BENCH_CONNECTIONS=32
# Each BUILD-DIR holds lambda-local, lambda-local-serve and lambda-local-worker (a build tree,
# or a copy of those three files); the handler is the first build's samples/libhttp_api.so.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/serve_compare.sh BUILD-DIR BUILD-DIR..." >&2; exit 2; }
ROUNDS=${BENCH_ROUNDS:-6}
DURATION=${BENCH_DURATION:-6}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
LIB=$(cd "$1" && pwd)/samples/libhttp_api.so
command -v wrk >/dev/null || { echo "bench/serve_compare.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -f "$LIB" ] || { echo "bench/serve_compare.sh: $LIB not found: build the samples" >&2; exit 2; }
for dir in "$@"; do
  [ -x "$dir/lambda-local" ] || { echo "bench/serve_compare.sh: no $dir/lambda-local" >&2; exit 2; }
done

RESULTS=$(mktemp)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -f "$RESULTS"; }
trap cleanup EXIT

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# The user and system time of one thread, in clock ticks.
thread_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/task/$1/stat"; }

echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds; serve --max-concurrency 4 --warm 4"
port=3960
for round in $(seq "$ROUNDS"); do
  for dir in "$@"; do
    port=$((port + 1))
    "$dir/lambda-local" serve -l "$LIB" -H hello --port "$port" --max-concurrency 4 --warm 4 \
      2>/dev/null &
    SERVER=$!
    wait_port "$port"
    wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/bench" >/dev/null # warm-up
    # `lambda-local serve` execs lambda-local-serve: the same process, whose main thread is
    # the loop.
    before=$(thread_ticks "$SERVER")
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$port/bench")
    after=$(thread_ticks "$SERVER")
    kill -TERM "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    SERVER=
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    loop_us=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
      'BEGIN {printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0)}')
    printf '%-40s round %d: %9s req/s  loop %5s us/request\n' "$dir" "$round" "$rps" "$loop_us"
    echo "$dir $rps $loop_us" >>"$RESULTS"
  done
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
echo "medians:"
for dir in "$@"; do
  rps=$(awk -v d="$dir" '$1 == d {print $2}' "$RESULTS" | median)
  loop_us=$(awk -v d="$dir" '$1 == d {print $3}' "$RESULTS" | median)
  printf '%-40s %9s req/s  loop %5s us/request\n' "$dir" "$rps" "$loop_us"
done
