/* sleepy_init.c: a native-ABI library whose init sleeps (30 s, or SLEEPY_INIT_MS ms) and whose
 * handler sleeps the event's "sleep_ms", for the tests of init timeouts, of what an invocation
 * waits for on a cold start, and of the durations a REPORT line bills.
 *
 *   lambda-local invoke -l libsleepy_init.so -H handle
 *   lambda-local invoke -l libsleepy_init.so --env SLEEPY_INIT_MS=300 -d '{"sleep_ms": 200}'
 */
#define _GNU_SOURCE
#include "lambda_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

LAMBDA_LOCAL_EXPORT_ABI_VERSION

static void sleep_ms(long ms) {
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* The number after "key": in a JSON text, or 0 (enough for this sample's events). */
static long number_after(const char* text, size_t len, const char* key) {
    char* copy = strndup(text, len);
    long value = 0;
    const char* at = copy ? strstr(copy, key) : NULL;
    if (at) {
        at = strchr(at + strlen(key), ':');
        value = at ? strtol(at + 1, NULL, 10) : 0;
    }
    free(copy);
    return value > 0 ? value : 0;
}

int lambda_local_init(const lambda_local_api* api, lambda_local_invocation* init) {
    (void)api;
    (void)init;
    const char* setting = getenv("SLEEPY_INIT_MS");
    long ms = setting ? strtol(setting, NULL, 10) : 30000;
    printf("sleepy_init: sleeping %ld ms in init\n", ms);
    fflush(stdout);
    sleep_ms(ms);
    return 0;
}

int handle(const lambda_local_api* api, lambda_local_invocation* inv) {
    size_t len = 0;
    const char* event = api->event(inv, &len);
    long ms = number_after(event, len, "\"sleep_ms\"");
    if (ms > 0) {
        printf("sleepy_init: sleeping %ld ms in the handler\n", ms);
        fflush(stdout);
        sleep_ms(ms);
    }
    api->respond(inv, "{}", 2);
    return 0;
}
