#!/usr/bin/env bash
# Builds the fuzz targets (clang, libFuzzer, AddressSanitizer, UBSan) and runs each for a
# bounded time; fails when one crashes, leaks, hangs or breaks an invariant, naming the input
# that does it. Usage: tests/fuzz/run.sh [TARGET...]   (all targets when none is named)
#   FUZZ_SECONDS  seconds per target (20)     FUZZ_BUILD  build directory (build-fuzz)
#   FUZZ_JOBS     parallel compile jobs (2)
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-2}

launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# -O1 with line tables: quick to build, fast enough to fuzz, and stack traces with lines.
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DLAMBDA_LOCAL_FUZZ=ON -DLAMBDA_LOCAL_BUILD_TESTS=OFF -DLAMBDA_LOCAL_BUILD_SAMPLES=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" "${launcher[@]}" >/dev/null
started=$SECONDS
cmake --build "$build" -j"$jobs" --target fuzz_targets
echo "fuzz: built ${build}'s targets in $((SECONDS - started)) s"

# Each line of targets.txt: a target's name and its -max_len.
mapfile -t targets <"$build/tests/fuzz/targets.txt"
if [ $# -gt 0 ]; then
    wanted=" $* "
    selected=()
    for line in "${targets[@]}"; do
        [[ "$wanted" == *" ${line%% *} "* ]] && selected+=("$line")
    done
    targets=("${selected[@]}")
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no such target: $*" >&2; exit 2; }

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
started=$SECONDS
for line in "${targets[@]}"; do
    name=${line%% *}
    max_len=${line##* }
    binary="$build/tests/fuzz/fuzz_$name"
    # New inputs go to the build directory; the checked-in seeds are only read.
    corpus="$build/fuzz/corpus/$name"
    artifacts="$build/fuzz/artifacts/$name"
    log="$build/fuzz/$name.log"
    mkdir -p "$corpus" "$artifacts"
    options=(-max_total_time="$seconds" -max_len="$max_len" -timeout=25 -rss_limit_mb=2048
        -artifact_prefix="$artifacts/" -print_final_stats=1)
    if [ -f "tests/fuzz/dict/$name.dict" ]; then
        options+=(-dict="tests/fuzz/dict/$name.dict")
    fi
    # Bounded even if the report of a failure never ends (an out-of-memory report walks the heap).
    status=0
    timeout -k 10 $((seconds + 120)) "$binary" "${options[@]}" "$corpus" "tests/fuzz/corpus/$name" \
        >"$log" 2>&1 || status=$?
    if [ $status -eq 0 ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
        echo "fuzz_$name: ${runs:-?} inputs in ${seconds} s (${rate:-?}/s, ${rss:-?} MB), no failure"
        continue
    fi
    failed+=("fuzz_$name")
    echo "fuzz_$name: FAILED (exit status $status); its report, from $log:"
    grep -E -A40 'ERROR: |fuzz invariant failed|runtime error:|terminate called' "$log" | head -60 ||
        tail -40 "$log"
    reproducers=$(sed -n 's/.*Test unit written to //p' "$log")
    if [ -n "$reproducers" ]; then
        for file in $reproducers; do
            echo "fuzz_$name: reproducer: $file   (run it again: $binary $file)"
        done
    else
        echo "fuzz_$name: no reproducer was written (killed after $((seconds + 120)) s?)"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} of ${#targets[@]} targets FAILED (${failed[*]}) in $((SECONDS - started)) s"
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no failure ($((SECONDS - started)) s)"
