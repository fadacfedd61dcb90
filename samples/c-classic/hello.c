/* hello.c: the smallest classic-ABI handler. Prints the event and the context
 * it was given and succeeds (Lambda sees the payload `0`).
 *
 *   lambda-local invoke -l libhello_c.so -H handle -e samples/c-classic/event.json
 */
#include <stdint.h>
#include <stdio.h>

int32_t handle(const char* event_json, const char* context_json) {
    printf("event: %s\n", event_json ? event_json : "(null)");
    printf("context: %s\n", context_json ? context_json : "(null)");
    /* stdout is a pipe in the worker: flush so the lines belong to this invocation. */
    fflush(stdout);
    return 0;
}
