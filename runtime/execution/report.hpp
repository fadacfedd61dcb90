// Lambda's platform log lines (START, END, REPORT, timeouts) and error payloads: their one home.
#pragma once

#include "runtime/execution/invocation.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// "START RequestId: <id> Version: $LATEST\n"
std::string start_line(std::string_view request_id);

// "END RequestId: <id>\n"
std::string end_line(std::string_view request_id);

// The measurements a REPORT line shows, and how the invocation ended.
struct ReportFigures {
    double duration_ms = 0;                 // the invocation's; printed with 2 decimals
    int memory_size_mb = 128;               // the configured memory
    std::int64_t max_memory_used_mb = 0;    // see memory_used_mb()
    std::optional<double> init_duration_ms; // only on a cold start
    std::optional<double> timeout_ms;       // the configured timeout, set when it was reached
    std::string status;     // "timeout", "error" or "failure"; empty when the invocation completed
    std::string error_type; // what follows "error" or "failure": "Runtime.ExitError", ...
    bool debugger_attached = false; // --debug: lambda-local's own field, not Lambda's
};

// The REPORT figures of a finished invocation run with this memory size and timeout: the one
// place that decides which outcome shows a Status field (see report.cpp for the evidence).
ReportFigures report_figures(const InvocationResult& result, int memory_size_mb, double timeout_s);

// The Duration a REPORT line shows: the measured one, or exactly the timeout when it was reached.
double reported_duration_ms(const ReportFigures& figures);

// Lambda's Billed Duration in whole ms, at least 1: ceil(Duration + Init Duration) on a cold
// start, ceil(Duration) on a warm one, with Duration as reported_duration_ms() gives it (so a
// timed-out invocation is billed its timeout, plus its init on a cold start). The sum is of
// the values as printed, to 2 decimals, so that a REPORT line's arithmetic checks exactly.
std::int64_t billed_duration_ms(const ReportFigures& figures);

// A duration in ms as a REPORT line prints it, to 2 decimals: 3071.2749 gives 3071.27 (what the
// JSON records carry, so that they agree with the text).
double report_ms(double ms);

// A duration in ms as text with 2 decimals, as a REPORT line shows it: "3071.27".
std::string format_ms(double ms);

// "REPORT RequestId: <id>\tDuration: 3071.27 ms\tBilled Duration: 3072 ms\tMemory Size: 128 MB\t
// Max Memory Used: 21 MB\t[Init Duration: 171.99 ms\t][Debugger: attached\t][Status: timeout |
// Status: error\tError Type: Runtime.ExitError]\n": a trailing tab unless a Status field ends
// the line. "Debugger: attached" (--debug) is lambda-local's: the invocation's time limits were
// suspended while a debugger was attached, so its Duration includes the time stopped.
std::string report_line(std::string_view request_id, const ReportFigures& figures);

// "Task timed out after 3.00 seconds"
std::string timeout_message(double timeout_seconds);

// The payload of a timed-out invocation, as Lambda answers it today:
// {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after
// 3.00 seconds"}. Nothing is written to the log: the REPORT line's "Status: timeout" says it.
std::string timeout_payload(std::string_view request_id, double timeout_seconds);

// A signal in the words of Go's os.ProcessState, which the runtime interface emulator prints:
// "segmentation fault", "killed", ...; "signal N" for a signal without a name.
std::string signal_description(int signal_number);

// What Lambda says when the runtime process ends, from a waitpid status:
// "Runtime exited with error: signal: segmentation fault", "Runtime exited with error: exit
// status 3", and "Runtime exited without providing a reason" for exit status 0.
std::string runtime_exit_message(int wait_status);

// Lambda's error payload {"errorMessage":m,"errorType":t[,"stackTrace":[]]} as compact JSON;
// invalid UTF-8 in the message or type becomes U+FFFD.
std::string error_payload(std::string_view error_type, std::string_view error_message,
                          bool with_stack_trace);

// Makes `result` Lambda's error for a response over `cap` bytes: Function.ResponseSizeTooLarge,
// "Response payload size exceeded maximum allowed payload size (<cap> bytes).".
void set_response_too_large(InvocationResult& result, std::size_t cap);

// "RequestId: <id> Error: <message>", how Lambda words runtime errors (crashes, out of memory).
std::string runtime_error_message(std::string_view request_id, std::string_view message);

// Max Memory Used in MB from a peak resident set size in KiB, rounded up and at least 1.
std::int64_t memory_used_mb(std::int64_t peak_rss_kib);

} // namespace lambda_local::runtime
