#!/bin/sh
# `make install` under a prefix gives a working lambda-local, its worker, and a
# public header that builds a native handler in C and C++ with no link-time
# dependency on lambda-local.
set -eu
build=$1
prefix=$(mktemp -d)
chmod 755 "$prefix" # the handler runs as the sandbox user, uid 993
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
for file in bin/lambda-local bin/lambda-local-worker include/lambda_local.h; do
  [ -e "$prefix/$file" ] || { echo "FAIL: $file not installed"; exit 1; }
done

out=$("$prefix/bin/lambda-local" invoke -q -l "$build/samples/libhello_c.so" -d '{}' 2>/dev/null || true)
[ "$out" = 0 ] || { echo "FAIL: installed lambda-local answered '$out'"; exit 1; }

cat > "$prefix/handler.c" <<'C'
#include <lambda_local.h>
#ifdef __cplusplus
extern "C" {
#endif
LAMBDA_LOCAL_EXPORT_ABI_VERSION
int handle(const lambda_local_api* api, lambda_local_invocation* inv) {
    return api->respond(inv, "{\"ok\":true}", 11);
}
#ifdef __cplusplus
}
#endif
C
cp "$prefix/handler.c" "$prefix/handler.cpp"
cc -Wall -Wextra -Werror -shared -fPIC -I"$prefix/include" -o "$prefix/libc_handler.so" "$prefix/handler.c"
c++ -Wall -Wextra -Werror -shared -fPIC -I"$prefix/include" -o "$prefix/libcpp_handler.so" "$prefix/handler.cpp"
for lib in libc_handler.so libcpp_handler.so; do
  out=$("$prefix/bin/lambda-local" invoke -q -l "$prefix/$lib" 2>/dev/null || true)
  [ "$out" = '{"ok":true}' ] || { echo "FAIL: $lib answered '$out'"; exit 1; }
done
echo "install: ok"
