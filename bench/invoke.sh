#!/bin/sh
# Whole-process time of one cold invocation: lambda-local (sandboxed and --no-sandbox)
# against the original pattern (Debian's python3 + ctypes) and two floors (/bin/true, a
# minimal C dlopen loader). Not a test: it prints numbers. See bench/README.md.
#
#   bench/invoke.sh [build-dir]        (default: build/ next to this script's directory)
#
# Environment: BENCH_RUNS (default 300) timed runs per command, BENCH_WARMUP (default 20).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
runs=${BENCH_RUNS:-300}
warmup=${BENCH_WARMUP:-20}
lambda_local=$build/lambda-local
library=$build/samples/libhello_c.so
python=/usr/bin/python3 # Debian's, not whatever python3 is first on PATH

die() {
    echo "bench/invoke.sh: $*" >&2
    exit 2
}

command -v hyperfine >/dev/null 2>&1 ||
    die "hyperfine is not installed (Debian: apt-get install hyperfine)"
command -v cc >/dev/null 2>&1 || die "no C compiler (cc) for the dlopen floor"
[ -x "$lambda_local" ] || die "$lambda_local not found: build first (cmake --build $build)"
[ -f "$library" ] || die "$library not found: build the samples (cmake --build $build)"
[ -x "$python" ] || die "$python not found (Debian package python3)"
case $runs in '' | *[!0-9]*) die "BENCH_RUNS must be a number, not '$runs'" ;; esac
case $warmup in '' | *[!0-9]*) die "BENCH_WARMUP must be a number, not '$warmup'" ;; esac
case $build in *[\'\"\ \\]*) die "the build directory path must not contain spaces or quotes" ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/lambda-local-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# The floor of any dlopen-based loader: start a process, dlopen the library, call the
# classic handler once, exit.
cat >"$work/loader.c" <<'EOF'
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: loader LIBRARY\n");
        return 2;
    }
    void* library = dlopen(argv[1], RTLD_NOW);
    if (!library) {
        fprintf(stderr, "loader: %s\n", dlerror());
        return 2;
    }
    int32_t (*handle)(const char*, const char*) =
        (int32_t(*)(const char*, const char*))dlsym(library, "handle");
    if (!handle) {
        fprintf(stderr, "loader: %s\n", dlerror());
        return 2;
    }
    return handle("{}", "{}") == 0 ? 0 : 1;
}
EOF
cc -O2 -o "$work/loader" "$work/loader.c" -ldl || die "cannot compile the C loader"

# name|command (split into words by hyperfine -N: no shell in between)
cat >"$work/commands" <<EOF
/bin/true|/bin/true
C dlopen loader|$work/loader $library
python3 + ctypes|$python -c "import ctypes; ctypes.CDLL('$library').handle(b'{}', b'{}')"
lambda-local --no-sandbox|$lambda_local invoke -q --no-sandbox -l $library -d {}
lambda-local (sandbox)|$lambda_local invoke -q -l $library -d {}
EOF

# Every command must work before it is timed (its output is discarded either way).
while IFS='|' read -r name command; do
    if ! sh -c "exec $command" >"$work/check.out" 2>&1; then
        cat "$work/check.out" >&2
        die "'$name' failed: $command"
    fi
done <"$work/commands"

set --
while IFS='|' read -r name command; do
    set -- "$@" --command-name "$name" "$command"
done <"$work/commands"

echo "hyperfine -N --warmup $warmup --runs $runs ($(nproc) CPUs, $(uname -r), uid $(id -u))" >&2
hyperfine -N --warmup "$warmup" --runs "$runs" --output=null --style=none \
    --export-json "$work/results.json" "$@" >/dev/null

"$python" - "$work/results.json" <<'EOF'
import json, sys

results = json.load(open(sys.argv[1]))["results"]
by_name = {r["command"]: r for r in results}
print(f"{'command':<28} {'median ms':>10} {'mean ms':>10} {'stddev ms':>10} {'min ms':>8}")
for r in results:
    print(f"{r['command']:<28} {r['median'] * 1e3:>10.2f} {r['mean'] * 1e3:>10.2f} "
          f"{r['stddev'] * 1e3:>10.2f} {r['min'] * 1e3:>8.2f}")
python = by_name["python3 + ctypes"]["median"]
for name in ("lambda-local (sandbox)", "lambda-local --no-sandbox"):
    print(f"median python3 / {name}: {python / by_name[name]['median']:.1f}x")
EOF
