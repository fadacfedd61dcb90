/* misbehaving.c: hostile classic-ABI handlers, one symbol per misbehaviour, for
 * the tests of timeouts, crashes, memory and /tmp limits, the read-only file
 * system, stray processes and log volume. Each must leave the supervisor
 * standing. DO NOT call these outside a sandbox: they loop, fill /tmp, and
 * leave processes behind by design.
 *
 *   lambda-local invoke -l libmisbehaving.so -H segfault -e samples/misbehaving/event.json
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

/* Sleeps for `seconds`, resuming after signals. */
static void sleep_for(unsigned seconds) {
    struct timespec left = {.tv_sec = seconds, .tv_nsec = 0};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* Prints "sleeping" and never returns: the timeout must kill it. */
int32_t sleep_forever(const char* event, const char* context) {
    (void)event;
    (void)context;
    printf("sleeping\n");
    fflush(stdout);
    for (;;) {
        sleep_for(1);
    }
}

/* Writes through a NULL pointer: SIGSEGV. */
int32_t segfault(const char* event, const char* context) {
    (void)event;
    (void)context;
    /* volatile twice: the compiler may neither assume p is NULL nor drop the store. */
    volatile int* volatile p = NULL;
    *p = 42;
    return 0;
}

/* SIGABRT. */
int32_t abort_now(const char* event, const char* context) {
    (void)event;
    (void)context;
    abort();
}

/* The process exits with status 3 in the middle of the invocation. */
int32_t exit_3(const char* event, const char* context) {
    (void)event;
    (void)context;
    exit(3);
}

/* The process exits with status 0 before returning: no result is ever sent. */
int32_t exit_0(const char* event, const char* context) {
    (void)event;
    (void)context;
    exit(0);
}

/* Allocates and touches 16 MiB chunks until killed by the memory limit.
 * Returns 12 (ENOMEM) if malloc fails first. */
int32_t allocate_forever(const char* event, const char* context) {
    (void)event;
    (void)context;
    const size_t chunk = 16 * MIB;
    size_t total = 0;
    for (;;) {
        char* p = malloc(chunk);
        if (!p) {
            printf("malloc failed\n");
            fflush(stdout);
            return 12;
        }
        memset(p, 0xa5, chunk); /* touch every page so it counts as used */
        total += chunk;
        if (total % (64 * MIB) == 0) {
            printf("allocate_forever: %zu MiB\n", total / MIB);
            fflush(stdout);
        }
        /* never freed */
    }
}

/* Writes 1 MiB blocks to /tmp/fill until a write fails. Returns 0 when it
 * stopped on ENOSPC (the ephemeral storage limit works), otherwise errno.
 * As a guard when /tmp is not limited, it stops after more than Lambda's
 * maximum /tmp (10240 MiB), removes the file and returns EFBIG. */
int32_t fill_tmp(const char* event, const char* context) {
    (void)event;
    (void)context;
    const long max_mib = 10240;
    static char block[1024 * 1024];
    memset(block, 'x', sizeof block);

    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        printf("fill_tmp: open /tmp/fill: %s\n", strerror(err));
        fflush(stdout);
        return err;
    }
    long long written = 0;
    int err = 0;
    for (;;) {
        if (written / MIB > max_mib) {
            close(fd);
            unlink("/tmp/fill");
            printf("fill_tmp: wrote %lld MiB and /tmp is still not full: not limited\n",
                   written / MIB);
            fflush(stdout);
            return EFBIG;
        }
        size_t off = 0;
        while (off < sizeof block) {
            ssize_t n = write(fd, block + off, sizeof block - off);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                err = errno;
                break;
            }
            off += (size_t)n;
            written += n;
        }
        if (err) {
            break;
        }
    }
    close(fd);
    printf("fill_tmp: wrote %lld MiB then %s\n", written / MIB, strerror(err));
    fflush(stdout);
    return err == ENOSPC ? 0 : err;
}

/* Tries to create a file in several places outside /tmp. Returns 0 if every
 * attempt failed (only /tmp is writable, as in Lambda), 1 if any succeeded.
 * Files it manages to create are removed again. */
int32_t write_outside(const char* event, const char* context) {
    (void)event;
    (void)context;
    const char* name = "lambda_local_write_outside";
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
        strcpy(cwd, ".");
    }
    const char* home = getenv("HOME");
    if (!home || !*home || strcmp(home, "/tmp") == 0) {
        home = "/root";
    }
    const char* dirs[] = {cwd, "/var/tmp", "/etc", home, "/dev/shm"};

    int any_ok = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; ++i) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int err = fd < 0 ? errno : 0;
        if (fd >= 0) {
            if (write(fd, "x\n", 2) != 2) {
                err = errno;
            }
            close(fd);
            unlink(path);
        }
        if (err) {
            printf("write_outside: %s: %s\n", path, strerror(err));
        } else {
            printf("write_outside: %s: ok\n", path);
            any_ok = 1;
        }
    }
    fflush(stdout);
    return any_ok;
}

/* Starts 3 children in their own sessions that sleep for 600 s, and returns at
 * once: the children outlive the invocation (and hold its stdout open). */
int32_t fork_children(const char* event, const char* context) {
    (void)event;
    (void)context;
    fflush(stdout); /* nothing buffered may be duplicated into the children */
    fflush(stderr);
    for (int i = 0; i < 3; ++i) {
        pid_t pid = fork();
        if (pid < 0) {
            int err = errno;
            printf("fork_children: fork: %s\n", strerror(err));
            fflush(stdout);
            return err;
        }
        if (pid == 0) {
            setsid();
            sleep_for(600);
            _exit(0);
        }
        printf("child %d\n", (int)pid);
        fflush(stdout);
    }
    return 0;
}

/* 100000 lines of 80 characters on stdout and 1000 on stderr. */
int32_t print_lots(const char* event, const char* context) {
    (void)event;
    (void)context;
    for (int i = 1; i <= 100000; ++i) {
        printf("print_lots: stdout line %06d "
               ".................................................\n",
               i);
    }
    fflush(stdout);
    for (int i = 1; i <= 1000; ++i) {
        fprintf(stderr,
                "print_lots: stderr line %06d "
                ".................................................\n",
                i);
    }
    fflush(stderr);
    return 0;
}

/* A classic function error: {"errorType":"HandlerError","errorMessage":"handler returned 7",...}.
 */
int32_t return_7(const char* event, const char* context) {
    (void)event;
    (void)context;
    return 7;
}

/* Writes on file descriptor 5, lambda-local's frame pipe from the handler process to the
 * supervisor (the handler channel of its internal protocol, which a handler can reach): bytes
 * that are not a frame, then returns normally, so that its real result follows the garbage. */
int32_t corrupt_frame(const char* event, const char* context) {
    (void)event;
    (void)context;
    static const char garbage[32] = "not a frame, not at all";
    return write(5, garbage, sizeof garbage) == (ssize_t)sizeof garbage ? 0 : 1;
}

/* Like corrupt_frame, but a well-formed Result frame header ('LLW1', type 6) whose meta is
 * three bytes that do not unpack. */
int32_t corrupt_result(const char* event, const char* context) {
    (void)event;
    (void)context;
    const uint32_t header[4] = {0x31574c4cu, 6, 3, 0};
    char frame[sizeof header + 3];
    memcpy(frame, header, sizeof header);
    memcpy(frame + sizeof header, "xyz", 3);
    return write(5, frame, sizeof frame) == (ssize_t)sizeof frame ? 0 : 1;
}

/* Well-behaved, so the library also works with the default symbol. */
int32_t handle(const char* event, const char* context) {
    (void)event;
    (void)context;
    printf("ok\n");
    fflush(stdout);
    return 0;
}
