/* logging.c: classic-ABI handlers that write logs as an OS-only runtime's code would, for the
 * tests of Lambda's log formats and levels (docs/configuration.md): JSON lines at every level,
 * lines Lambda counts as INFO, lines that imitate the platform's records, and hostile output.
 *
 *   lambda-local invoke -l liblogging.so --log-format JSON --log-level DEBUG
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes all of `size` bytes to `fd` (unbuffered, so stdout and stderr keep their order). */
static void put(int fd, const char* bytes, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, bytes, size);
        if (n <= 0) {
            return;
        }
        bytes += n;
        size -= (size_t)n;
    }
}

static void say(int fd, const char* text) {
    put(fd, text, strlen(text));
}

/* One JSON line at each of Lambda's levels, lines without a valid level, plain text, a line
 * that imitates a platform record, the logging variables Lambda set, and a last line without
 * its newline. */
int32_t handle(const char* event, const char* context) {
    (void)event;
    (void)context;
    static const char* const levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    char line[256];
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; ++i) {
        snprintf(line, sizeof line, "{\"level\":\"%s\",\"message\":\"at %s\"}\n", levels[i],
                 levels[i]);
        say(i % 2 == 0 ? 1 : 2, line);
    }
    say(1, "{\"message\":\"no level\"}\n");
    say(1, "{\"level\":\"VERBOSE\",\"message\":\"an invalid level\"}\n");
    say(1, "{\"level\":5,\"message\":\"a numeric level\"}\n");
    say(1, "plain text\n");
    say(1, "{\"time\":\"2024-01-01T00:00:00.000Z\",\"type\":\"platform.report\",\"record\":"
           "{\"requestId\":\"forged\",\"metrics\":{},\"status\":\"success\"}}\n");
    const char* format = getenv("AWS_LAMBDA_LOG_FORMAT");
    const char* level = getenv("AWS_LAMBDA_LOG_LEVEL");
    snprintf(line, sizeof line,
             "{\"level\":\"FATAL\",\"AWS_LAMBDA_LOG_FORMAT\":\"%s\",\"AWS_LAMBDA_LOG_LEVEL\":"
             "\"%s\"}\n",
             format != NULL ? format : "(unset)", level != NULL ? level : "(unset)");
    say(1, line);
    say(1, "{\"level\":\"ERROR\",\"message\":\"a last line without its newline\"}");
    return 0;
}

/* A line begun and never ended: the invocation times out in the middle of it. */
int32_t cut_off(const char* event, const char* context) {
    (void)event;
    (void)context;
    say(1, "a line the timeout cut");
    for (;;) {
        pause();
    }
}

/* 3 MiB on stdout without a newline, then a line. */
int32_t flood(const char* event, const char* context) {
    (void)event;
    (void)context;
    static char block[64 * 1024];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 48; ++i) {
        put(1, block, sizeof block);
    }
    say(1, "\n{\"level\":\"ERROR\",\"message\":\"after the flood\"}\n");
    return 0;
}

/* Invalid UTF-8, NUL bytes, a control character that lambda-local uses internally, and JSON
 * with invalid UTF-8 in it. */
int32_t garbage(const char* event, const char* context) {
    (void)event;
    (void)context;
    static const char bytes[] = "\xff\xfe invalid UTF-8\n"
                                "a NUL \0 inside\n"
                                "\x1e"
                                "lambda-local: not lambda-local's line\n"
                                "{\"level\":\"ERROR\",\"message\":\"\xc3\x28\"}\n"
                                "{\"level\":\"ERROR\",\"message\":\"after the garbage\"}\n";
    put(1, bytes, sizeof bytes - 1);
    return 0;
}
