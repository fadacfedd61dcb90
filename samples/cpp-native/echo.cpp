// echo.cpp: a native-ABI handler library in C++17 with several handler symbols,
// used by the examples and the end-to-end tests to observe the execution
// environment: the event and context, the environment variables, /tmp across
// warm invocations, the sandbox user and limits, typed errors, and init.
//
//   lambda-local invoke -l libecho_cpp.so -H handle -e samples/cpp-native/event.json
//   lambda-local invoke -l libecho_cpp.so -H whoami
#include "lambda_local.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern "C" char** environ;

namespace {

int g_cold_starts = 0;

// Appends `s` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else {
                out += ch; // UTF-8 bytes pass through unchanged
            }
        }
    }
    out += '"';
}

std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

// A context value by its classic key, or "" when the host has none.
std::string_view context(const lambda_local_api* api, const lambda_local_invocation* inv,
                         const char* key) {
    const char* value = api->context_value(inv, key);
    return value ? value : "";
}

std::string current_dir() {
    char buf[4096];
    return getcwd(buf, sizeof buf) ? buf : "";
}

// A soft resource limit as a JSON number; -1 means unlimited.
long long soft_limit(int resource) {
    rlimit lim{};
    if (getrlimit(resource, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) {
        return -1;
    }
    return static_cast<long long>(lim.rlim_cur);
}

int respond(const lambda_local_api* api, lambda_local_invocation* inv, const std::string& json) {
    api->respond(inv, json.data(), json.size());
    return 0;
}

} // namespace

extern "C" {

// The native-ABI marker. Inside extern "C": the header's macro does not give the
// function C linkage by itself, and a mangled name would not be found.
LAMBDA_LOCAL_EXPORT_ABI_VERSION

// Runs once per cold start, before the first invocation.
int lambda_local_init(const lambda_local_api* /*api*/, lambda_local_invocation* /*init*/) {
    ++g_cold_starts;
    std::printf("init: cold start\n");
    std::fflush(stdout);
    return 0;
}

// Echoes the event verbatim with a few context values.
int handle(const lambda_local_api* api, lambda_local_invocation* inv) {
    size_t len = 0;
    const char* event = api->event(inv, &len);
    std::string out = "{\"event\":";
    out.append(event && len > 0 ? std::string_view(event, len) : std::string_view("null"));
    out += ",\"request_id\":";
    append_json_string(out, context(api, inv, "aws_request_id"));
    out += ",\"function_name\":";
    append_json_string(out, context(api, inv, "function_name"));
    out += ",\"remaining_time_ms\":";
    out += std::to_string(api->remaining_time_ms(inv));
    out += '}';
    return respond(api, inv, out);
}

// Responds with every environment variable as one JSON object.
int env_dump(const lambda_local_api* api, lambda_local_invocation* inv) {
    std::string out = "{";
    bool first = true;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (!first) {
            out += ',';
        }
        first = false;
        append_json_string(out, entry.substr(0, eq));
        out += ':';
        append_json_string(out, eq == std::string_view::npos ? "" : entry.substr(eq + 1));
    }
    out += '}';
    return respond(api, inv, out);
}

// Increments a counter kept in /tmp/counter: it grows across warm invocations
// and starts again in a new execution environment.
int tmp_use(const lambda_local_api* api, lambda_local_invocation* inv) {
    const char* path = "/tmp/counter";
    long count = 0;
    if (FILE* f = std::fopen(path, "r")) {
        if (std::fscanf(f, "%ld", &count) != 1) {
            count = 0;
        }
        std::fclose(f);
    }
    ++count;
    FILE* f = std::fopen(path, "w");
    if (!f) {
        const std::string why = std::string("cannot write ") + path + ": " + std::strerror(errno);
        api->fail(inv, "TmpError", why.c_str());
        return 1;
    }
    std::fprintf(f, "%ld\n", count);
    if (std::fclose(f) != 0) {
        const std::string why = std::string("cannot write ") + path + ": " + std::strerror(errno);
        api->fail(inv, "TmpError", why.c_str());
        return 1;
    }
    std::string out = "{\"count\":" + std::to_string(count);
    out += ",\"uid\":" + std::to_string(getuid());
    out += ",\"gid\":" + std::to_string(getgid());
    out += ",\"cwd\":" + json_string(current_dir()) + '}';
    return respond(api, inv, out);
}

// Responds with the whole context (context_json), and logs it on one line.
int context_dump(const lambda_local_api* api, lambda_local_invocation* inv) {
    const char* context = api->context_json(inv);
    const std::string out = context != nullptr ? context : "null";
    std::printf("context: %s\n", out.c_str());
    std::fflush(stdout);
    return respond(api, inv, out);
}

// Always a typed function error.
int fail_typed(const lambda_local_api* api, lambda_local_invocation* inv) {
    api->fail(inv, "ValidationError", "name is required");
    return 1;
}

// The process as the handler sees it: user, pid, directory and limits.
int whoami(const lambda_local_api* api, lambda_local_invocation* inv) {
    std::string out = "{\"uid\":" + std::to_string(getuid());
    out += ",\"gid\":" + std::to_string(getgid());
    out += ",\"euid\":" + std::to_string(geteuid());
    out += ",\"pid\":" + std::to_string(getpid());
    out += ",\"cwd\":" + json_string(current_dir());
    out += ",\"nofile_soft\":" + std::to_string(soft_limit(RLIMIT_NOFILE));
    out += ",\"nproc_soft\":" + std::to_string(soft_limit(RLIMIT_NPROC));
    out += '}';
    return respond(api, inv, out);
}

// Responds with a JSON string of as many bytes as the event's "bytes" number asks
// (quotes included), to exercise the 6 MB response limit.
int big_response(const lambda_local_api* api, lambda_local_invocation* inv) {
    const char* event = api->event(inv, nullptr);
    const char* at = std::strstr(event, "\"bytes\"");
    long bytes = at != nullptr ? std::strtol(std::strchr(at, ':') + 1, nullptr, 10) : 0;
    if (bytes < 2) {
        return api->fail(inv, "InvalidEvent", "expected {\"bytes\": N} with N >= 2"), 1;
    }
    std::string payload(static_cast<std::size_t>(bytes), 'x');
    payload.front() = payload.back() = '"';
    return respond(api, inv, payload);
}

} // extern "C"
