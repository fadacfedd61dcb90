// One invocation of a function: what goes in and what comes out.
#pragma once

#include "runtime/execution/response_stream.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime {

// What the caller asks of one invocation.
struct InvocationRequest {
    std::string request_id;       // a UUID
    std::string event;            // JSON text
    std::string trace_id;         // the X-Ray header; generated when empty
    std::string client_context;   // the caller's client context JSON (Invoke API), or empty
    std::string cognito_identity; // the caller's Cognito identity JSON, or empty
    // The ARN the caller invoked (the Invoke API's, with a qualifier it gave); empty: the
    // function's unqualified ARN.
    std::string invoked_function_arn;
    // Where a function that streams its response writes it, as it writes it
    // (response_stream.hpp). Without one, streamed bytes are gathered into the result's
    // payload, as Lambda does for a plain Invoke of a streaming function. A function that does
    // not stream never touches it: its payload is in the result.
    std::shared_ptr<ResponseSink> stream;
};

// How an invocation ended.
enum class InvocationStatus {
    Success,
    FunctionError, // the handler reported an error
    InitError,     // the handler could not be loaded or its init failed
    Timeout,       // killed at the deadline
    Crashed,       // the runtime exited or was killed
    OutOfMemory,   // killed for exceeding the memory size
    Cancelled,     // the caller gave up (Ctrl-C)
};

// The outcome of one invocation, with the figures for its REPORT line.
struct InvocationResult {
    InvocationStatus status = InvocationStatus::Success;
    std::string payload;    // the response bytes, or Lambda's error JSON
    std::string error_type; // errorType when not Success
    double duration_ms = 0;
    std::int64_t max_memory_used_mb = 0;
    std::optional<double> init_duration_ms; // set on a cold start
    std::vector<std::string> log_lines;     // what the platform writes to the log
    // The function streamed its response (to the request's sink, or gathered into `payload`
    // when there was none). An error, timeout or crash after streaming began is still reported
    // by `status`, `error_type` and `payload` (Lambda's error JSON); the bytes already written
    // stay written.
    bool streamed = false;
    std::size_t streamed_bytes = 0;  // written by the function, in all
    std::string stream_content_type; // as the function declared it
    // --debug: a debugger was attached to the environment during this invocation (or the init
    // before it), which suspended its time limits (docs/debugging.md).
    bool debugger_attached = false;

    bool ok() const { return status == InvocationStatus::Success; }
};

// "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0"
std::string new_trace_id();

} // namespace lambda_local::runtime
