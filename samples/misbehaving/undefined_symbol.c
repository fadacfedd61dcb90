/* undefined_symbol.c: a classic-ABI library that needs a function defined
 * nowhere. It links (undefined symbols are allowed, and -z now marks it for
 * immediate binding), but dlopen fails with
 * "undefined symbol: ll_this_symbol_does_not_exist": a load error, reported
 * before any invocation.
 */
#include <stdint.h>

void ll_this_symbol_does_not_exist(void);

int32_t handle(const char* event, const char* context) {
    (void)event;
    (void)context;
    ll_this_symbol_does_not_exist();
    return 0;
}
