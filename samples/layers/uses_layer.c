/* uses_layer.c: a native-ABI handler that needs a layer. It links against libgreeting.so
 * (no rpath: the loader finds it in /opt/lib), and answers with what /opt holds:
 *
 *   {"greeting": "...", "message": "<first line of /opt/etc/message.txt>",
 *    "base_only": "<first line of /opt/etc/base-only.txt>", "write_errno": "EROFS"}
 *
 * A file that is not there reads as null; write_errno is what creating /opt/etc/new gave.
 *
 *   lambda-local invoke -l build/samples/libuses_layer.so \
 *       --layer build/samples/layers/base --layer build/samples/layers/override
 */
#include "lambda_local.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

LAMBDA_LOCAL_EXPORT_ABI_VERSION

const char* greeting(void);

/* The first line of `path` as a JSON string (the samples' files hold plain words), or null. */
static void first_line(const char* path, char* out, size_t size) {
    FILE* file = fopen(path, "r");
    char line[128] = "";
    if (file == NULL || fgets(line, sizeof line, file) == NULL) {
        snprintf(out, size, "null");
    } else {
        line[strcspn(line, "\r\n\"\\")] = '\0';
        snprintf(out, size, "\"%s\"", line);
    }
    if (file != NULL) {
        fclose(file);
    }
}

static const char* error_name(int error) {
    switch (error) {
    case 0:
        return "none";
    case EROFS:
        return "EROFS";
    case EACCES:
        return "EACCES";
    case ENOENT:
        return "ENOENT";
    default:
        return "other";
    }
}

int handle(const lambda_local_api* api, lambda_local_invocation* inv) {
    char message[160];
    char base_only[160];
    first_line("/opt/etc/message.txt", message, sizeof message);
    first_line("/opt/etc/base-only.txt", base_only, sizeof base_only);
    int fd = open("/opt/etc/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    int error = fd < 0 ? errno : 0;
    if (fd >= 0) {
        close(fd);
    }
    char payload[512];
    int n = snprintf(payload, sizeof payload,
                     "{\"greeting\":\"%s\",\"message\":%s,\"base_only\":%s,\"write_errno\":\"%s\"}",
                     greeting(), message, base_only, error_name(error));
    api->respond(inv, payload, (size_t)n);
    return 0;
}
