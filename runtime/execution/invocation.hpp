// One invocation of a function: what goes in and what comes out.
#pragma once

#include <cstdint>
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
    // --debug: a debugger was attached to the environment during this invocation (or the init
    // before it), which suspended its time limits (docs/debugging.md).
    bool debugger_attached = false;

    bool ok() const { return status == InvocationStatus::Success; }
};

// "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0"
std::string new_trace_id();

} // namespace lambda_local::runtime
