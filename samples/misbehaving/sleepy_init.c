/* sleepy_init.c: a native-ABI library whose init takes 30 s, for the tests of
 * init timeouts and of what an invocation waits for on a cold start.
 *
 *   lambda-local invoke -l libsleepy_init.so -H handle
 */
#define _GNU_SOURCE
#include "lambda_local.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

LAMBDA_LOCAL_EXPORT_ABI_VERSION

int lambda_local_init(const lambda_local_api* api, lambda_local_invocation* init) {
    (void)api;
    (void)init;
    printf("sleepy_init: sleeping 30 s in init\n");
    fflush(stdout);
    struct timespec left = {.tv_sec = 30, .tv_nsec = 0};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    return 0;
}

int handle(const lambda_local_api* api, lambda_local_invocation* inv) {
    api->respond(inv, "{}", 2);
    return 0;
}
