#!/bin/sh
# The cold-start cost of layers: one whole `lambda-local invoke` of libhello_c.so with no layer,
# one (a bind mount), two and five (an overlay), five laid as a merged tree of bind mounts (the
# fallback where a user namespace cannot mount an overlay), two in a root of the environment's
# own (a host without /opt), and two zips (extracted into the cache on the first run, reused
# after). Each layer has lib/ with 20 files, so the merged tree has 100 files to bind. Not a
# test: it prints a table (needs hyperfine and python3). See bench/README.md.
#
#   bench/layers.sh [build-dir]        (default: build/ next to this script's directory)
#
# Environment: BENCH_RUNS (default 200) timed runs per command, BENCH_WARMUP (default 20).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
runs=${BENCH_RUNS:-200}
warmup=${BENCH_WARMUP:-20}
lambda_local=$build/lambda-local
library=$build/samples/libhello_c.so

die() {
    echo "bench/layers.sh: $*" >&2
    exit 2
}

command -v hyperfine >/dev/null 2>&1 ||
    die "hyperfine is not installed (Debian: apt-get install hyperfine)"
[ -x "$lambda_local" ] || die "$lambda_local not found: build first (cmake --build $build)"
[ -f "$library" ] || die "$library not found: build the samples (cmake --build $build)"
case $runs in '' | *[!0-9]*) die "BENCH_RUNS must be a number, not '$runs'" ;; esac
case $warmup in '' | *[!0-9]*) die "BENCH_WARMUP must be a number, not '$warmup'" ;; esac

# Under the build tree, not /tmp: readable by the sandbox user, as layers must be.
work=$build/bench-layers.$$
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/cache"
for n in 1 2 3 4 5; do
    mkdir -p "$work/layer$n/lib" "$work/layer$n/etc"
    i=0
    while [ $i -lt 20 ]; do
        echo "layer $n file $i" >"$work/layer$n/lib/lib$n-$i.txt"
        i=$((i + 1))
    done
    echo "layer $n" >"$work/layer$n/etc/which.txt"
done
chmod -R o+rX "$work"
"$lambda_local" package --layer "$work/layer1" -o "$work/layer1.zip" >/dev/null
"$lambda_local" package --layer "$work/layer2" -o "$work/layer2.zip" >/dev/null

# Every row runs through env(1), so that each pays the same extra exec.
invoke="env LAMBDA_LOCAL_LAYER_MOUNT= $lambda_local invoke -q -l $library"
merged="env LAMBDA_LOCAL_LAYER_MOUNT=bind-tree $lambda_local invoke -q -l $library"
own_root="env LAMBDA_LOCAL_LAYER_MOUNT=new-root $lambda_local invoke -q -l $library"
two="--layer $work/layer1 --layer $work/layer2"
five="$two --layer $work/layer3 --layer $work/layer4 --layer $work/layer5"
export LAMBDA_LOCAL_CACHE_DIR="$work/cache"
hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
    --export-json "$work/results.json" \
    -n "no layer" "$invoke" \
    -n "1 folder layer (bind mount)" "$invoke --layer $work/layer1" \
    -n "2 folder layers (overlay)" "$invoke $two" \
    -n "5 folder layers (overlay)" "$invoke $five" \
    -n "2 zip layers (overlay, cached)" "$invoke --layer $work/layer1.zip --layer $work/layer2.zip" \
    -n "5 folder layers, merged tree of bind mounts" "$merged $five" \
    -n "2 folder layers, root of its own (no /opt)" "$own_root $two" >/dev/null
# Wall-clock medians swing with the machine's load; the CPU time (user and system, of
# lambda-local and every process it waited for) much less.
python3 - "$work/results.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["user"] + results[0]["system"]
print("| Command | median (wall) | CPU time, mean | CPU over no layer |")
print("|---|---|---|---|")
for r in results:
    cpu = r["user"] + r["system"]
    print(f"| {r['command']} | {r['median'] * 1000:.2f} ms | {cpu * 1000:.2f} ms "
          f"| {(cpu - base) * 1000:+.2f} ms |")
PY
