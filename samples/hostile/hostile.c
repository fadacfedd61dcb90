/* hostile.c: native-ABI handlers that attack the sandbox, one symbol per attack, for the
 * end-to-end tests of docs/sandbox.md's threat model. Each reports what it managed as JSON;
 * the tests assert that every attack failed and its target is unharmed.
 * DO NOT run these outside a sandbox: they forge protocol frames, write into every descriptor
 * they find, and fork until fork fails.
 *
 *   lambda-local invoke -l libhostile.so -H syscalls -d '{}'
 */
#define _GNU_SOURCE
#include "lambda_local.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

LAMBDA_LOCAL_EXPORT_ABI_VERSION

/* A long integer field of the event ("key": 123, or "key": "123" as a query string parameter
 * of a proxy event has it), or `fallback`. */
static long event_number(const lambda_local_api* api, lambda_local_invocation* inv, const char* key,
                         long fallback) {
    const char* event = api->event(inv, NULL);
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char* at = strstr(event, pattern);
    if (at == NULL) {
        return fallback;
    }
    at = strchr(at + strlen(pattern), ':');
    if (at == NULL) {
        return fallback;
    }
    ++at;
    while (*at == ' ' || *at == '"') {
        ++at;
    }
    return strtol(at, NULL, 10);
}

static int respond_text(const lambda_local_api* api, lambda_local_invocation* inv,
                        const char* text) {
    return api->respond(inv, text, strlen(text));
}

/* Appends to a fixed buffer, never past its end. */
static void append(char* out, size_t size, const char* format, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char* out, size_t size, const char* format, ...) {
    size_t used = strlen(out);
    if (used + 1 >= size) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(out + used, size - used, format, args);
    va_end(args);
}

/* The descriptors open in this process, as numbers (at most `max`). */
static int open_fds(int* fds, int max) {
    int count = 0;
    DIR* dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        return -1;
    }
    int own = dirfd(dir);
    struct dirent* entry;
    while ((entry = readdir(dir)) != NULL && count < max) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        int fd = atoi(entry->d_name);
        if (fd != own) {
            fds[count++] = fd;
        }
    }
    closedir(dir);
    return count;
}

/* A frame of lambda-local's worker protocol, as its header lays it out ('LLW1'). */
static void write_frame(int fd, uint32_t type, const char* meta) {
    uint32_t header[4] = {0x31574c4cu, type, (uint32_t)strlen(meta), 0};
    char bytes[512];
    memcpy(bytes, header, sizeof header);
    memcpy(bytes + sizeof header, meta, strlen(meta));
    ssize_t ignored = write(fd, bytes, sizeof header + strlen(meta));
    (void)ignored;
}

/* Writes forged control frames on every descriptor above 2: the old Spawned frame naming the
 * pid of the event's "pid" (lambda-local used to SIGKILL it when the environment ended), an
 * Exited and a Network frame. Then returns normally. */
int forge_frames(const lambda_local_api* api, lambda_local_invocation* inv) {
    long victim = event_number(api, inv, "pid", 1);
    char meta[64];
    snprintf(meta, sizeof meta, "{\"init_pid\":%ld}", victim);
    int fds[256];
    int count = open_fds(fds, 256);
    char out[2048] = "{\"wrote_to\":[";
    for (int i = 0; i < count; ++i) {
        if (fds[i] <= 2) {
            continue;
        }
        write_frame(fds[i], 2, meta);
        write_frame(fds[i], 7, "{\"wait_status\":0}");
        write_frame(fds[i], 9, "{}");
        append(out, sizeof out, "%s%d", out[strlen(out) - 1] == '[' ? "" : ",", fds[i]);
    }
    append(out, sizeof out, "]}");
    return respond_text(api, inv, out);
}

static void* stop_own_process(void* unused) {
    (void)unused;
    usleep(20 * 1000); /* after the answer has gone */
    raise(SIGSTOP);
    return NULL;
}

/* Answers, then stops its own process from a thread of its own: the process no longer reads
 * its channel, however large the next event is. */
int stop_after_answer(const lambda_local_api* api, lambda_local_invocation* inv) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, stop_own_process, NULL) == 0) {
        pthread_detach(thread);
    }
    return respond_text(api, inv, "{\"stopping\":true}");
}

/* Writes a whole Result frame of its own (an answer "forged"), then returns another. */
int forge_result(const lambda_local_api* api, lambda_local_invocation* inv) {
    int fds[256];
    int count = open_fds(fds, 256);
    for (int i = 0; i < count; ++i) {
        char target[64] = "";
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fds[i]);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (fds[i] > 2 && n > 0 && strncmp(target, "pipe:", 5) == 0) {
            /* ResultMeta packed: ok, duration_us, peak_rss_kib, error_type, error_message; the
             * figures as large as they go. */
            char meta[8 * 3 + 4 * 2] = {0};
            int64_t ok = 1;
            int64_t most = INT64_MAX;
            memcpy(meta, &ok, sizeof ok);
            memcpy(meta + 8, &most, sizeof most);
            memcpy(meta + 16, &most, sizeof most);
            const char* body = "{\"forged\":true}";
            uint32_t header[4] = {0x31574c4cu, 6, sizeof meta, (uint32_t)strlen(body)};
            char bytes[256];
            memcpy(bytes, header, sizeof header);
            memcpy(bytes + sizeof header, meta, sizeof meta);
            memcpy(bytes + sizeof header + sizeof meta, body, strlen(body));
            ssize_t ignored = write(fds[i], bytes, sizeof header + sizeof meta + strlen(body));
            (void)ignored;
        }
    }
    return respond_text(api, inv, "{\"returned\":true}");
}

/* Lists every open descriptor with what it refers to, and writes a line into each one that is
 * a regular file (an inherited file of the host would be one). */
int inherited_fds(const lambda_local_api* api, lambda_local_invocation* inv) {
    int fds[256];
    int count = open_fds(fds, 256);
    if (count < 0) {
        return api->fail(inv, "NoProc", "cannot list /proc/self/fd"), 1;
    }
    char out[8192] = "{\"fds\":{";
    for (int i = 0; i < count; ++i) {
        char target[256] = "";
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fds[i]);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n < 0) {
            strcpy(target, "?");
        }
        int written = 0;
        if (fds[i] > 2 && target[0] == '/') {
            written = write(fds[i], "written by a hostile handler\n", 29) > 0;
        }
        /* Targets are paths, "socket:[n]" or "pipe:[n]": no quote or backslash to escape. */
        append(out, sizeof out, "%s\"%d\":{\"target\":\"%s\",\"written\":%s}", i == 0 ? "" : ",",
               fds[i], strchr(target, '"') ? "?" : target, written ? "true" : "false");
    }
    append(out, sizeof out, "}}");
    return respond_text(api, inv, out);
}

/* Forks children that wait forever, until fork fails (Lambda's limit is 1,024 processes and
 * threads); they stay until the environment ends. Prints "bombed <n>" to stdout, then holds
 * the invocation for the event's "hold_ms" so that the environment stays busy. */
int fork_bomb(const lambda_local_api* api, lambda_local_invocation* inv) {
    long hold_ms = event_number(api, inv, "hold_ms", 0);
    int forked = 0;
    int error = 0;
    for (int i = 0; i < 5000; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) {
                pause();
            }
        }
        if (pid < 0) {
            error = errno;
            break;
        }
        ++forked;
    }
    printf("bombed %d (%s)\n", forked, strerror(error));
    fflush(stdout);
    struct timespec hold = {hold_ms / 1000, (hold_ms % 1000) * 1000000};
    while (nanosleep(&hold, &hold) != 0 && errno == EINTR) {
    }
    char out[128];
    snprintf(out, sizeof out, "{\"forked\":%d,\"errno\":%d}", forked, error);
    return respond_text(api, inv, out);
}

/* One fork and one thread: whether a process can be made here now. */
static void* nothing(void* arg) {
    return arg;
}

int fork_once(const lambda_local_api* api, lambda_local_invocation* inv) {
    char out[256];
    pid_t pid = fork();
    int fork_error = pid < 0 ? errno : 0;
    if (pid == 0) {
        _exit(0);
    }
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
    pthread_t thread;
    int thread_error = pthread_create(&thread, NULL, nothing, NULL);
    if (thread_error == 0) {
        pthread_join(thread, NULL);
    }
    snprintf(out, sizeof out, "{\"fork\":\"%s\",\"thread\":\"%s\"}",
             fork_error ? strerrorname_np(fork_error) : "ok",
             thread_error ? strerrorname_np(thread_error) : "ok");
    return respond_text(api, inv, out);
}

/* The outcome of one attempted call: "ok" or the errno's name. */
static void outcome(char* out, size_t size, const char* name, long rc) {
    append(out, size, "%s\"%s\":\"%s\"", out[strlen(out) - 1] == '{' ? "" : ",", name,
           rc < 0 ? strerrorname_np(errno) : "ok");
}

/* Tries each system call the sandbox refuses (and a few it allows), and reports how each
 * went. In a fresh user namespace, mount and raw sockets would work: that is why unshare and
 * clone with CLONE_NEWUSER must fail. */
int syscalls(const lambda_local_api* api, lambda_local_invocation* inv) {
    char out[4096] = "{";
    outcome(out, sizeof out, "unshare_user", unshare(CLONE_NEWUSER));
    outcome(out, sizeof out, "unshare_net", unshare(CLONE_NEWNET));
    outcome(out, sizeof out, "unshare_mount", unshare(CLONE_NEWNS));
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
    if (pid == 0) {
        _exit(0);
    }
    if (pid > 0) {
        waitpid((pid_t)pid, NULL, 0);
    }
    outcome(out, sizeof out, "clone_newuser", pid);
    int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    outcome(out, sizeof out, "setns", setns(netns, CLONE_NEWNET));
    close(netns);
    outcome(out, sizeof out, "mount", mount("none", "/tmp", "tmpfs", 0, NULL));
    outcome(out, sizeof out, "umount", umount2("/tmp", MNT_DETACH));
    outcome(out, sizeof out, "pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
    outcome(out, sizeof out, "ptrace_attach", ptrace(PTRACE_ATTACH, 1, 0, 0));
    char byte;
    struct iovec local = {&byte, 1};
    struct iovec remote = {(void*)0x1000, 1};
    outcome(out, sizeof out, "process_vm_readv", process_vm_readv(1, &local, 1, &remote, 1, 0));
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    outcome(out, sizeof out, "bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
    struct perf_event_attr perf;
    memset(&perf, 0, sizeof perf);
    perf.size = sizeof perf;
    perf.type = PERF_TYPE_SOFTWARE;
    perf.config = PERF_COUNT_SW_CPU_CLOCK;
    outcome(out, sizeof out, "perf_event_open", syscall(SYS_perf_event_open, &perf, 0, -1, -1, 0));
    outcome(out, sizeof out, "keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
    outcome(out, sizeof out, "add_key", syscall(SYS_add_key, "user", "k", "v", 1, -3));
    outcome(out, sizeof out, "init_module", syscall(SYS_init_module, NULL, 0, ""));
    outcome(out, sizeof out, "kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
    outcome(
        out, sizeof out, "reboot",
        syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, 0));
    outcome(out, sizeof out, "swapon", syscall(SYS_swapon, "/tmp/swap", 0));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    outcome(out, sizeof out, "clock_settime", clock_settime(CLOCK_REALTIME, &now));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    outcome(out, sizeof out, "settimeofday", settimeofday(&tv, NULL));
    outcome(out, sizeof out, "io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
    outcome(out, sizeof out, "clone3", syscall(SYS_clone3, NULL, 0));
    /* What must keep working. */
    outcome(out, sizeof out, "unshare_files", unshare(CLONE_FILES));
    pid_t child = fork();
    if (child == 0) {
        _exit(0);
    }
    if (child > 0) {
        waitpid(child, NULL, 0);
    }
    outcome(out, sizeof out, "fork", child);
    pthread_t thread;
    int thread_error = pthread_create(&thread, NULL, nothing, NULL);
    if (thread_error == 0) {
        pthread_join(thread, NULL);
    } else {
        errno = thread_error;
    }
    outcome(out, sizeof out, "thread", thread_error == 0 ? 0 : -1);
    append(out, sizeof out, "}");
    return respond_text(api, inv, out);
}

/* Reports what the process holds: the capability sets, ids, no_new_privs and the seccomp mode,
 * as the lines of /proc/self/status that name them, and its scheduling policy (a JSON object of
 * strings). */
int credentials(const lambda_local_api* api, lambda_local_invocation* inv) {
    static const char* const wanted[] = {"CapInh", "CapPrm", "CapEff",     "CapBnd", "CapAmb",
                                         "Uid",    "Gid",    "NoNewPrivs", "Seccomp"};
    char out[2048] = "{";
    FILE* status = fopen("/proc/self/status", "r");
    char line[512];
    while (status != NULL && fgets(line, sizeof line, status) != NULL) {
        char* colon = strchr(line, ':');
        if (colon == NULL) {
            continue;
        }
        *colon = '\0';
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; ++i) {
            if (strcmp(line, wanted[i]) == 0) {
                char* value = colon + 1 + strspn(colon + 1, " \t");
                value[strcspn(value, "\n")] = '\0';
                for (char* c = value; *c != '\0'; ++c) {
                    if (*c == '\t') {
                        *c = ' ';
                    }
                }
                append(out, sizeof out, "%s\"%s\":\"%s\"", out[1] == '\0' ? "" : ",", line, value);
            }
        }
    }
    if (status != NULL) {
        fclose(status);
    }
    append(out, sizeof out, "%s\"SchedPolicy\":\"%s\"", out[1] == '\0' ? "" : ",",
           sched_getscheduler(0) == SCHED_BATCH ? "batch" : "other");
    append(out, sizeof out, "}");
    return respond_text(api, inv, out);
}

/* Looks for the System V shared memory segment of the event's "seen" key (one the host made),
 * then makes one of its "made" key and leaves it behind. */
int sysv_ipc(const lambda_local_api* api, lambda_local_invocation* inv) {
    int seen = shmget((key_t)event_number(api, inv, "seen", 0), 0, 0);
    int seen_error = seen < 0 ? errno : 0;
    int made = shmget((key_t)event_number(api, inv, "made", 0), 4096, IPC_CREAT | 0666);
    char out[160];
    snprintf(out, sizeof out, "{\"seen\":%s,\"seen_error\":\"%s\",\"made\":%s}",
             seen >= 0 ? "true" : "false", seen_error ? strerrorname_np(seen_error) : "",
             made >= 0 ? "true" : "false");
    return respond_text(api, inv, out);
}

/* Connects to the Unix socket at the event's "path" (a socket of the host's /run). */
int connect_unix(const lambda_local_api* api, lambda_local_invocation* inv) {
    struct sockaddr_un address = {0};
    address.sun_family = AF_UNIX;
    const char* event = api->event(inv, NULL);
    const char* at = strstr(event, "\"path\"");
    if (at && (at = strchr(at + 6, '"')) != NULL) {
        const char* end = strchr(at + 1, '"');
        if (end && (size_t)(end - at - 1) < sizeof address.sun_path) {
            memcpy(address.sun_path, at + 1, (size_t)(end - at - 1));
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = connect(fd, (struct sockaddr*)&address, sizeof address);
    int error = rc == 0 ? 0 : errno;
    close(fd);
    char out[128];
    snprintf(out, sizeof out, "{\"connected\":%s,\"error\":\"%s\"}", error ? "false" : "true",
             error ? strerrorname_np(error) : "");
    return respond_text(api, inv, out);
}

/* Connects to the event's "host" ("127.0.0.1" by default) and "port" over TCP, within 2 s. */
int connect_to(const lambda_local_api* api, lambda_local_invocation* inv) {
    long port = event_number(api, inv, "port", 0);
    char host[64] = "127.0.0.1";
    const char* event = api->event(inv, NULL);
    const char* at = strstr(event, "\"host\"");
    if (at && (at = strchr(at + 6, '"')) != NULL) {
        const char* end = strchr(at + 1, '"');
        if (end && (size_t)(end - at - 1) < sizeof host) {
            memcpy(host, at + 1, (size_t)(end - at - 1));
            host[end - at - 1] = '\0';
        }
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &address.sin_addr);
    int rc = connect(fd, (struct sockaddr*)&address, sizeof address);
    int error = rc == 0 ? 0 : errno;
    if (rc != 0 && error == EINPROGRESS) {
        struct pollfd ready = {fd, POLLOUT, 0};
        if (poll(&ready, 1, 2000) == 1) {
            socklen_t length = sizeof error;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        } else {
            error = ETIMEDOUT;
        }
    }
    close(fd);
    char out[128];
    snprintf(out, sizeof out, "{\"connected\":%s,\"error\":\"%s\"}", error ? "false" : "true",
             error ? strerrorname_np(error) : "");
    return respond_text(api, inv, out);
}

/* A proxy response with a body of the event's "mb" megabytes (4 by default), for clients that
 * ask for it and never read it. */
int big_body(const lambda_local_api* api, lambda_local_invocation* inv) {
    long mb = event_number(api, inv, "mb", 4);
    size_t size = (size_t)(mb > 0 && mb < 6 ? mb : 4) * 1024 * 1024 - 64;
    const char* head = "{\"statusCode\":200,\"body\":\"";
    const char* tail = "\"}";
    char* out = malloc(strlen(head) + size + strlen(tail));
    if (out == NULL) {
        return api->fail(inv, "NoMemory", "malloc"), 1;
    }
    memcpy(out, head, strlen(head));
    memset(out + strlen(head), 'x', size);
    memcpy(out + strlen(head) + size, tail, strlen(tail));
    int rc = api->respond(inv, out, strlen(head) + size + strlen(tail));
    free(out);
    return rc;
}
