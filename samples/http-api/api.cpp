// api.cpp: native-ABI handlers behind API Gateway (`lambda-local serve`), one symbol per
// behaviour the gateway must map: a proxy response echoing the event, cookies both ways, a
// binary body, the 2.0 inference rule, a malformed response, a slow answer, warm reuse; and
// one that logs the event it gets (scheduled rules).
//
//   lambda-local serve -l libhttp_api.so -H echo --route 'ANY /{proxy+}'
#include "lambda_local.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

int g_invocations = 0; // in this execution environment

// `s` as a JSON string literal, quotes included.
std::string json_string(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += ch;
        }
    }
    return out + '"';
}

std::string_view event_of(const lambda_local_api* api, lambda_local_invocation* inv) {
    size_t len = 0;
    const char* event = api->event(inv, &len);
    return event != nullptr ? std::string_view(event, len) : std::string_view("null");
}

int respond(const lambda_local_api* api, lambda_local_invocation* inv, const std::string& json) {
    api->respond(inv, json.data(), json.size());
    return 0;
}

} // namespace

extern "C" {

LAMBDA_LOCAL_EXPORT_ABI_VERSION

// The smallest proxy response: 200 "ok" (the benchmarks' trivial handler).
int hello(const lambda_local_api* api, lambda_local_invocation* inv) {
    return respond(api, inv, "{\"statusCode\":200,\"body\":\"ok\"}");
}

// 200 with the whole event as a JSON body (valid in payload formats 1.0 and 2.0).
int echo(const lambda_local_api* api, lambda_local_invocation* inv) {
    std::printf("echo: %zu bytes of event\n", event_of(api, inv).size());
    std::fflush(stdout);
    return respond(api, inv,
                   "{\"statusCode\":200,\"headers\":{\"Content-Type\":\"application/json\","
                   "\"X-Handler\":\"echo\"},\"body\":" +
                       json_string(event_of(api, inv)) + "}");
}

// Two cookies and a repeated header through multiValueHeaders (format 1.0).
int cookies_v1(const lambda_local_api* api, lambda_local_invocation* inv) {
    return respond(api, inv,
                   "{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/plain\"},"
                   "\"multiValueHeaders\":{\"Set-Cookie\":[\"a=1; Path=/\",\"b=2; HttpOnly\"],"
                   "\"X-Multi\":[\"one\",\"two\"]},\"body\":\"cookies\"}");
}

// Two cookies through the `cookies` list (format 2.0).
int cookies_v2(const lambda_local_api* api, lambda_local_invocation* inv) {
    return respond(api, inv,
                   "{\"statusCode\":201,\"headers\":{\"content-type\":\"text/plain\"},"
                   "\"cookies\":[\"a=1; Path=/\",\"b=2; HttpOnly\"],\"body\":\"cookies\"}");
}

// The 8 bytes of a PNG signature, base64-encoded, as image/png.
int binary(const lambda_local_api* api, lambda_local_invocation* inv) {
    return respond(api, inv,
                   "{\"statusCode\":200,\"headers\":{\"Content-Type\":\"image/png\"},"
                   "\"isBase64Encoded\":true,\"body\":\"iVBORw0KGgo=\"}");
}

// A bare JSON string: an HTTP API (2.0) infers 200 and application/json; REST finds it malformed.
int bare_string(const lambda_local_api* api, lambda_local_invocation* inv) {
    return respond(api, inv, "\"Hello\"");
}

// A proxy response whose statusCode is not a number.
int malformed(const lambda_local_api* api, lambda_local_invocation* inv) {
    return respond(api, inv, "{\"statusCode\":\"abc\",\"body\":\"x\"}");
}

// Which execution environment this is: its log stream name, unique per environment (a process
// id is not: in its own pid namespace every handler is pid 2).
std::string environment_id() {
    const char* stream = std::getenv("AWS_LAMBDA_LOG_STREAM_NAME");
    return stream != nullptr ? stream : "";
}

// A 200 proxy response whose body is the JSON text `body`.
int respond_with_body(const lambda_local_api* api, lambda_local_invocation* inv,
                      const std::string& body) {
    return respond(api, inv, "{\"statusCode\":200,\"body\":" + json_string(body) + "}");
}

// Answers after one second, with its environment (concurrency: one environment each).
int slow(const lambda_local_api* api, lambda_local_invocation* inv) {
    ::usleep(1000 * 1000);
    return respond_with_body(api, inv,
                             "{\"pid\":" + std::to_string(::getpid()) +
                                 ",\"environment\":" + json_string(environment_id()) + "}");
}

// How many invocations this environment has served, and which it is (warm reuse).
int counter(const lambda_local_api* api, lambda_local_invocation* inv) {
    ++g_invocations;
    return respond_with_body(api, inv,
                             "{\"count\":" + std::to_string(g_invocations) +
                                 ",\"pid\":" + std::to_string(::getpid()) +
                                 ",\"environment\":" + json_string(environment_id()) + "}");
}

// Writes the event it receives to stdout as one line (scheduled events: serve's log shows
// `[Function] {...}`), and returns {}.
int log_event(const lambda_local_api* api, lambda_local_invocation* inv) {
    std::string line(event_of(api, inv));
    for (char& c : line) {
        if (c == '\n' || c == '\r') {
            c = ' '; // JSON whitespace: the event stays the same JSON on one line
        }
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    return respond(api, inv, "{}");
}

} // extern "C"
