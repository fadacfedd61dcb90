// Lambda's platform log lines (START, END, REPORT, timeouts) and error payloads: their one home.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// "START RequestId: <id> Version: $LATEST\n"
std::string start_line(std::string_view request_id);

// "END RequestId: <id>\n"
std::string end_line(std::string_view request_id);

// The measurements a REPORT line shows.
struct ReportFigures {
    double duration_ms = 0;                 // printed with 2 decimals
    int memory_size_mb = 128;               // the configured memory
    std::int64_t max_memory_used_mb = 0;    // see memory_used_mb()
    std::optional<double> init_duration_ms; // only on a cold start
};

// "REPORT RequestId: <id>\tDuration: 3071.27 ms\tBilled Duration: 3072 ms\tMemory Size: 128 MB\t
// Max Memory Used: 21 MB\t[Init Duration: 171.99 ms\t]\n"; Billed Duration is the duration
// rounded up to whole milliseconds, at least 1.
std::string report_line(std::string_view request_id, const ReportFigures& figures);

// "<iso time> <request id> Task timed out after 3.00 seconds"
std::string timeout_message(std::string_view iso_time, std::string_view request_id,
                            double timeout_seconds);

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

// The payload of a timed-out invocation:
// {"errorMessage":"<message>","errorType":"Sandbox.Timedout"}
std::string timeout_payload(std::string_view timeout_message);

// "RequestId: <id> Error: <message>", how Lambda words runtime errors (crashes, out of memory).
std::string runtime_error_message(std::string_view request_id, std::string_view message);

// Max Memory Used in MB from a peak resident set size in KiB, rounded up and at least 1.
std::int64_t memory_used_mb(std::int64_t peak_rss_kib);

} // namespace lambda_local::runtime
