// Turns "a .so and a symbol" into a callable handler, for either ABI.
#pragma once

#include "loaders/abi.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::loaders {

// One invocation's context: the classic context keys and the deadline.
struct Context {
    std::string function_name;
    std::string function_version;
    std::string invoked_function_arn;
    std::string memory_limit_in_mb;
    std::string aws_request_id;
    std::string log_group_name;
    std::string log_stream_name;
    std::string xray_trace_id;
    // The caller's client context (the Invoke API's ClientContext, decoded): a JSON object's
    // text, or empty. Synchronous invocations only, as on Lambda.
    std::string client_context;
    std::int64_t deadline_ms = 0;

    // The context as the classic ABI's JSON object.
    std::string to_json() const;
    // A value by its classic key, or nullptr ("deadline_ms" is in `scratch`).
    const char* value(std::string_view key, std::string& scratch) const;
};

// A function error: Lambda's errorType and errorMessage.
struct HandlerError {
    std::string type;
    std::string message;
};

// What one call of a handler gave: a payload, or an error.
struct Outcome {
    bool ok = true;
    std::string payload;
    HandlerError error;
    // The handler streamed its response (to the StreamOutput): `payload` is empty, and an
    // error is a mid-stream error, after the bytes already written.
    bool streamed = false;
};

// Where a handler that streams its response (native ABI version 2) writes it, piece by piece,
// as it goes (docs/streaming.md).
class StreamOutput {
  public:
    virtual ~StreamOutput() = default;
    // The response starts, of `content_type`. False when it cannot (the handler is told -1).
    virtual bool start(std::string_view content_type) = 0;
    // The next bytes: returns once they are on their way, blocking while the reader is slow.
    // False when the stream can take no more (the handler is told -1, and every later write is
    // refused without being called).
    virtual bool write(std::string_view bytes) = 0;
};

// A loaded handler, ready to be called once per invocation.
class Handler {
  public:
    virtual ~Handler() = default;
    // Calls the handler once. `stream` (may be null: the handler cannot stream) receives a
    // streamed response as it is written.
    virtual Outcome invoke(const std::string& event, const Context& context,
                           StreamOutput* stream = nullptr) = 0;
};

// A handler, or why it could not be loaded or initialized (a Runtime.* error).
struct LoadResult {
    std::unique_ptr<Handler> handler;
    std::optional<HandlerError> error;
};

// Loads `symbol` from `library` with the given ABI (detected when Auto) and,
// for the native ABI, runs lambda_local_init once with `init_context`.
LoadResult load_handler(const std::string& library, const std::string& symbol, Abi abi,
                        const Context& init_context);

} // namespace lambda_local::loaders
