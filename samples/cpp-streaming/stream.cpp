// stream.cpp: native-ABI handlers (version 2) that stream their response, one behaviour per
// symbol, for the examples, the end-to-end tests and the streaming benchmark
// (docs/streaming.md).
//
//   lambda-local invoke -l libstream_cpp.so -H stream_text
//   lambda-local serve -l libstream_cpp.so -H stream_http --function-url stream --invoke-mode
//   RESPONSE_STREAM
//
// Parameters come from the event, a JSON object whose few members are found by name
// (a sample keeps to the ABI header: no JSON library).
#include "lambda_local.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

std::string_view event_of(const lambda_local_api* api, const lambda_local_invocation* inv) {
    size_t len = 0;
    const char* event = api->event(inv, &len);
    return event ? std::string_view(event, len) : std::string_view();
}

// The value of `"name": <number>` in the event, or `fallback`.
long long number_member(std::string_view event, const char* name, long long fallback) {
    const std::string key = std::string("\"") + name + "\"";
    const size_t at = event.find(key);
    if (at == std::string_view::npos) {
        return fallback;
    }
    size_t i = event.find(':', at + key.size());
    if (i == std::string_view::npos) {
        return fallback;
    }
    const std::string rest(event.substr(i + 1, 32));
    char* end = nullptr;
    const long long value = std::strtoll(rest.c_str(), &end, 10);
    return end == rest.c_str() ? fallback : value;
}

// The value of `"name": "<text without escapes>"` in the event, or "".
std::string string_member(std::string_view event, const char* name) {
    const std::string key = std::string("\"") + name + "\"";
    const size_t at = event.find(key);
    if (at == std::string_view::npos) {
        return "";
    }
    const size_t open = event.find('"', event.find(':', at + key.size()));
    if (open == std::string_view::npos) {
        return "";
    }
    const size_t close = event.find('"', open + 1);
    return close == std::string_view::npos ? ""
                                           : std::string(event.substr(open + 1, close - open - 1));
}

void sleep_ms(long long ms) {
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int write(const lambda_local_api* api, lambda_local_invocation* inv, std::string_view bytes) {
    return api->stream_write(inv, bytes.data(), bytes.size());
}

// A host older than version 2 cannot stream: say so as a typed error.
bool can_stream(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (api->abi_version >= 2 && api->size >= sizeof(lambda_local_api)) {
        return true;
    }
    api->fail(inv, "StreamingUnsupported", "this host's ABI has no response streaming");
    return false;
}

// What the stream functions answered during init (all -1 by the header's contract).
std::string g_init_codes = "not run";

} // namespace

extern "C" {

LAMBDA_LOCAL_EXPORT_ABI_VERSION

// Tries the stream functions during init, where they must refuse.
int lambda_local_init(const lambda_local_api* api, lambda_local_invocation* init) {
    if (api->abi_version < 2 || api->size < sizeof(lambda_local_api)) {
        return 0;
    }
    g_init_codes = std::to_string(api->stream_start(init, "text/plain")) + "," +
                   std::to_string(api->stream_http_start(init, "{}", 2)) + "," +
                   std::to_string(api->stream_write(init, "x", 1));
    return 0;
}

// The stream functions' return codes, as a JSON object: {"mode": "respond_first"} calls them
// after respond() (and answers with respond()), {"mode": "stream_first"} after stream_start()
// (and streams the answer); both report what init saw.
int stream_return_codes(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    std::string codes;
    auto add = [&codes](const char* name, int code) {
        codes += std::string(codes.empty() ? "" : ",") + "\"" + name + "\":" + std::to_string(code);
    };
    if (string_member(event_of(api, inv), "mode") == "respond_first") {
        add("respond", api->respond(inv, "{}", 2));
        add("stream_start", api->stream_start(inv, "text/plain"));
        add("stream_http_start", api->stream_http_start(inv, "{}", 2));
        add("stream_write", api->stream_write(inv, "x", 1));
        const std::string body = "{" + codes + ",\"init\":\"" + g_init_codes + "\"}";
        api->respond(inv, body.data(), body.size());
        return 0;
    }
    add("stream_start", api->stream_start(inv, "application/json"));
    add("stream_start_again", api->stream_start(inv, "text/plain"));
    add("stream_http_start", api->stream_http_start(inv, "{}", 2));
    add("respond", api->respond(inv, "{}", 2));
    add("empty_write", api->stream_write(inv, nullptr, 0));
    const std::string body = "{" + codes + ",\"init\":\"" + g_init_codes + "\"}";
    write(api, inv, body);
    return 0;
}

// Three lines of text, as text/plain.
int stream_text(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    api->stream_start(inv, "text/plain");
    for (int i = 1; i <= 3; ++i) {
        const std::string line = "chunk " + std::to_string(i) + "\n";
        write(api, inv, line);
    }
    return 0;
}

// An HTTP response: status 201, two headers and a cookie in the prelude, then the body in two
// pieces.
int stream_http(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    const std::string_view prelude =
        R"({"statusCode":201,"headers":{"content-type":"text/plain","x-streamed":"yes"},)"
        R"("cookies":["flavour=oat; Path=/"]})";
    api->stream_http_start(inv, prelude.data(), prelude.size());
    write(api, inv, "hello ");
    write(api, inv, "world\n");
    return 0;
}

// Writes "first\n", then waits (up to its deadline) for the file the event names in "gate"
// to exist, then writes "second\n" ("no gate\n" when it never came): a test proves the first
// piece arrived while the handler was still running by creating the file only once it has
// read that piece.
int stream_gated(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    const std::string gate = string_member(event_of(api, inv), "gate");
    write(api, inv, "first\n");
    struct stat st {};
    bool opened = gate.empty(); // no gate: nothing to wait for
    while (!gate.empty() && !(opened = stat(gate.c_str(), &st) == 0) &&
           api->remaining_time_ms(inv) > 100) {
        sleep_ms(10);
    }
    write(api, inv, opened ? "second\n" : "no gate\n");
    return 0;
}

// Every byte value, up then down: binary data must pass unchanged.
int stream_binary(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    api->stream_start(inv, "application/octet-stream");
    std::string up;
    for (int i = 0; i < 256; ++i) {
        up += static_cast<char>(i);
    }
    write(api, inv, up);
    write(api, inv, std::string(up.rbegin(), up.rend()));
    return 0;
}

// {"bytes": N, "chunk": M}: N bytes (byte i is i % 251) in pieces of M (default 64 KiB), for
// the limits and the throughput benchmark.
int stream_bytes(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    const std::string_view event = event_of(api, inv);
    const long long total = number_member(event, "bytes", 1 << 20);
    long long chunk = number_member(event, "chunk", 64 * 1024);
    if (chunk <= 0) {
        chunk = 64 * 1024;
    }
    std::string piece(static_cast<size_t>(chunk), '\0');
    long long written = 0;
    while (written < total) {
        const long long n = total - written < chunk ? total - written : chunk;
        for (long long i = 0; i < n; ++i) {
            piece[static_cast<size_t>(i)] = static_cast<char>((written + i) % 251);
        }
        if (write(api, inv, std::string_view(piece.data(), static_cast<size_t>(n))) != 0) {
            api->fail(inv, "StreamRefused", "stream_write refused the stream's next bytes");
            return 1;
        }
        written += n;
    }
    return 0;
}

// Writes a piece, sleeps {"sleep_ms": N} (default 1000), writes another: the time to first
// byte benchmark.
int stream_then_sleep(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    write(api, inv, "now\n");
    sleep_ms(number_member(event_of(api, inv), "sleep_ms", 1000));
    write(api, inv, "later\n");
    return 0;
}

// Writes a piece, then fails: the stream ends with Lambda's mid-stream error.
int stream_fail(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    write(api, inv, "partial");
    api->fail(inv, "StreamFailure", "went wrong mid-stream");
    return 1;
}

// Writes a piece, then the process dies.
int stream_crash(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    write(api, inv, "partial");
    std::abort();
}

// Writes a piece, then runs past any timeout.
int stream_forever(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (!can_stream(api, inv)) {
        return 1;
    }
    write(api, inv, "before the timeout\n");
    for (;;) {
        sleep_ms(1000);
    }
}

// Does not stream: a whole JSON response, for streaming paths called on a buffered function.
int buffered(const lambda_local_api* api, lambda_local_invocation* inv) {
    const std::string_view body = R"({"streamed":false})";
    api->respond(inv, body.data(), body.size());
    return 0;
}

} // extern "C"
