#!/bin/sh
# Warm invocation latency through the Runtime API (samples/bootstrap-cpp) next to the same
# echo through the native loader (libecho_cpp.so): one execution environment each, invoked N
# times in-process through ExecutionEnvironment. Not a test: it prints numbers. See
# bench/README.md.
#
#   bench/runtime_api.sh [build-dir] [N] [--no-sandbox]   (default: build/ next to bench/, N 2000)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
runs=${2:-2000}
case $runs in '' | *[!0-9]*)
    echo "bench/runtime_api.sh: N must be a number, not '$runs'" >&2
    exit 2
    ;;
esac
shift $(($# > 2 ? 2 : $#))

echo "building runtime_api_bench, the worker and the samples in $build" >&2
cmake --build "$build" -j2 --target runtime_api_bench lambda-local-worker sample_echo_cpp \
    sample_bootstrap_cpp >/dev/null
echo "$(nproc) CPUs, $(uname -r), uid $(id -u)" >&2
exec "$build/runtime_api_bench" "$build" "$runs" "$@"
