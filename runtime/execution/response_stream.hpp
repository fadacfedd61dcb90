// A streamed response: where a function's bytes go as it writes them (Lambda's response
// streaming, docs/streaming.md).
//
// The producer is the execution environment: a native handler's stream writes, or a custom
// runtime's chunked /response, reach it in order and it hands them to the invocation's sink on
// the loop's thread. The consumers are the ways of calling a function: the Invoke API's
// InvokeWithResponseStream, a function URL in RESPONSE_STREAM mode, a REST integration in
// STREAM mode, `lambda-local invoke`.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace lambda_local::runtime {

// Lambda's limits on a streamed response (reference §11).
inline constexpr std::size_t k_max_streamed_response = std::size_t{200} * 1024 * 1024;
// The first bytes go at full speed, then at most k_stream_bandwidth bytes per second
// (unless the bandwidth rule is lifted, EnvironmentOptions).
inline constexpr std::size_t k_stream_full_speed_bytes = std::size_t{6} * 1024 * 1024;
inline constexpr std::size_t k_stream_bandwidth = std::size_t{2} * 1024 * 1024;

// The content type of a response in the HTTP integration form: a JSON prelude
// ({"statusCode", "headers", "cookies"}), k_http_prelude_delimiter, then the body.
// The type of a stream whose function declared none.
inline constexpr std::string_view k_default_stream_content_type = "application/octet-stream";
inline constexpr std::string_view k_http_integration_content_type =
    "application/vnd.awslambda.http-integration-response";
// Eight NUL bytes, as AWS's runtime clients write them.
inline constexpr std::string_view k_http_prelude_delimiter{"\0\0\0\0\0\0\0\0", 8};

// Receives one invocation's streamed response, on the loop's thread, in this order:
// begin() once (before any byte), write() any number of times, then nothing more: the end of
// the stream, normal or not, is the invocation's result (InvocationResult::streamed), given to
// the invocation's Done callback after the last write().
//
// A sink is owned by whoever made the request (shared with the environment through
// InvocationRequest::stream), and lives until the result is delivered.
class ResponseSink {
  public:
    virtual ~ResponseSink() = default;

    // The function started streaming. `content_type` is what it declared
    // (k_http_integration_content_type for the HTTP form; k_default_stream_content_type when it
    // declared none).
    virtual void begin(std::string_view content_type) = 0;
    // The next bytes of the response. Returns false when the sink holds as much as it will
    // buffer (a slow client): the environment then stops reading the function's output until
    // the sink calls the callback given to on_ready(), so the function blocks in its write as
    // on Lambda. The sink must still accept these bytes.
    virtual bool write(std::string_view bytes) = 0;
    // Sets the callback the sink calls each time it can take more after a write() returned
    // false (from the loop, not from inside write()); an empty one clears it. A sink whose
    // client went away discards what it is given and returns true: the invocation goes on, as
    // on Lambda.
    virtual void on_ready(std::function<void()> ready) = 0;
};

} // namespace lambda_local::runtime
