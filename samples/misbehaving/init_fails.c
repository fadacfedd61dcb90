/* init_fails.c: a native-ABI library whose init fails with a typed error, as a
 * function with missing configuration would. Every invocation gets the init error.
 *
 *   lambda-local invoke -l libinit_fails.so -H handle
 */
#include "lambda_local.h"

LAMBDA_LOCAL_EXPORT_ABI_VERSION

int lambda_local_init(const lambda_local_api* api, lambda_local_invocation* init) {
    api->fail(init, "ConfigError", "missing DATABASE_URL");
    return 1;
}

int handle(const lambda_local_api* api, lambda_local_invocation* inv) {
    api->respond(inv, "{}", 2);
    return 0;
}
