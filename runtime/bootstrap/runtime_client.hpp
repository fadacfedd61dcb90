// The Lambda Runtime API from the runtime's side (docs/custom-runtimes.md): ask for the next
// invocation, post its response or error, or post an init error.
#pragma once

#include "runtime/http/client.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace lambda_local::runtime::bootstrap {

// One invocation as GET /next gives it: the event and the headers that came with it.
struct Invocation {
    std::string request_id;           // Lambda-Runtime-Aws-Request-Id
    std::string event;                // the body
    std::int64_t deadline_ms = 0;     // Lambda-Runtime-Deadline-Ms (epoch ms)
    std::string invoked_function_arn; // Lambda-Runtime-Invoked-Function-Arn
    std::string trace_id;             // Lambda-Runtime-Trace-Id
    std::string client_context;       // Lambda-Runtime-Client-Context
    std::string cognito_identity;     // Lambda-Runtime-Cognito-Identity
};

// How hard GET /next tries before the runtime gives up: `next_attempts` in all, waiting
// `first_backoff`, then twice as long each time, between them.
struct RetryPolicy {
    int next_attempts = 4;
    std::chrono::milliseconds first_backoff{100};
};

// What came of posting a result or an init error.
enum class Posted {
    Accepted, // 2xx
    Rejected, // 4xx (an unknown request id, a second answer, too large): go on with /next
    Fatal,    // 5xx, or the API cannot be reached: the runtime must exit
};

// A client of the Runtime API at AWS_LAMBDA_RUNTIME_API ("127.0.0.1:9001"), over one
// kept-alive connection (runtime/http/client.hpp: explicit Content-Length, but for a streamed
// response, which is chunked; headers read case-insensitively), with no read timeout: GET /next
// waits for as long as there is no invocation (Lambda freezes the environment meanwhile), as AWS's
// clients do.
class RuntimeClient {
  public:
    // Throws lambda_local::Error when `endpoint` is not host:port.
    explicit RuntimeClient(std::string_view endpoint, RetryPolicy policy = {});

    // The next invocation, waiting as long as it takes. A failed connection or a response
    // other than 200 with a request id is retried per the policy; a 5xx ends at once.
    // Nothing means the runtime must exit; error() says why.
    std::optional<Invocation> next();

    // POST /runtime/invocation/{id}/response with the payload.
    Posted post_response(std::string_view request_id, std::string_view payload);
    // POST /runtime/invocation/{id}/error: Lambda's error body, and the type in the
    // Lambda-Runtime-Function-Error-Type header.
    Posted post_error(std::string_view request_id, std::string_view error_type,
                      std::string_view error_message);
    // POST /runtime/init/error, the same way.
    Posted post_init_error(std::string_view error_type, std::string_view error_message);

    // A streamed response (AWS: "Response streaming for custom runtimes"): POST
    // /runtime/invocation/{id}/response with Lambda-Runtime-Function-Response-Mode: streaming,
    // its body chunked as the handler writes it, and the error trailers declared. False (error()
    // says why) when the API cannot be reached.
    bool start_stream(std::string_view request_id, std::string_view content_type);
    // The stream's next bytes; false (error() says why) when they cannot be sent.
    bool stream_chunk(std::string_view bytes);
    // Ends the stream and reads the answer: normally, or with a mid-stream error (`error_type`
    // not empty) in the trailers Lambda-Runtime-Function-Error-Type and
    // Lambda-Runtime-Function-Error-Body (Lambda's error body, base64).
    Posted finish_stream(std::string_view error_type = {}, std::string_view error_message = {});

    // What went wrong last (for the runtime's log).
    const std::string& error() const { return m_error; }

  private:
    Posted post(const std::string& path, std::string_view body, std::string_view error_type);
    Posted answered(const std::string& what, const http::Response& response);

    http::Client m_client;
    std::string m_stream_path; // the streamed response in progress ("" for none)
    bool m_stream_broken = false;
    RetryPolicy m_policy;
    std::string m_error;
};

// {"errorMessage": message, "errorType": type, "stackTrace": []}, compact; invalid UTF-8
// becomes U+FFFD.
std::string error_body(std::string_view error_type, std::string_view error_message);

// "127.0.0.1:9001", "localhost:9001" or "[::1]:9001" as host and port; nothing when it is
// not of that form.
std::optional<std::pair<std::string, int>> split_endpoint(std::string_view endpoint);

// A request id made safe as one path segment: anything but letters, digits and "-._~"
// percent-encoded.
std::string path_segment(std::string_view text);

} // namespace lambda_local::runtime::bootstrap
