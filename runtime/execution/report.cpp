// Formatting of Lambda's platform log lines and error payloads.
#include "runtime/execution/report.hpp"

#include "runtime/util/number_text.hpp"

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <tuple>
#include <utility>

namespace lambda_local::runtime {
namespace {

// "%.2f" of a number.
std::string two_decimals(double value) {
    return fixed_text(value, 2);
}

// A duration in hundredths of a ms, as a REPORT line prints it; what is billed is summed from
// these, so that the printed figures add up to the billed one.
std::int64_t hundredths(double ms) {
    return ms > 0 ? std::llround(ms * 100.0) : 0;
}

// "3071.27" of 307127 hundredths (never negative: hundredths() is at least 0).
std::string hundredths_text(std::int64_t value) {
    std::string text = std::to_string(value / 100);
    text += '.';
    append_padded(text, static_cast<unsigned long long>(value % 100), 2);
    return text;
}

// The Status field (and the Error Type that comes with "error" and "failure") that ends the
// REPORT line of an invocation that did not complete.
//
// What Lambda prints, from captured logs and AWS's own code:
// - A timeout ends the line with "Status: timeout", Duration is exactly the timeout, and no
//   "Task timed out" line is logged any more: "...\tMax Memory Used: 1201 MB\tStatus:
//   timeout\n" (CloudWatch, 2026-06, https://github.com/DataBiosphere/azul/issues/8140), and
//   "Duration: 3000.00 ms\tBilled Duration: 3403 ms\t...\tInit Duration: 402.04 ms\tStatus:
//   timeout" with START, END and REPORT alone in the console's log tail (python3.9, 2026).
// - A runtime that exits or runs out of memory ends it with "Status: error\tError Type:
//   Runtime.ExitError" or "Runtime.OutOfMemory"; an init that fails in the invoke phase with
//   its error type (nodejs, java and python3.12 captures, 2025-2026).
// - A handler's own error (the runtime posts /invocation/error) adds nothing.
// The rule is the one of Lambda's invoke core, published in the runtime interface emulator
// (https://github.com/aws/aws-lambda-runtime-interface-emulator, internal/lambda/rapid/
// handlers.go, handleReset): an invocation that ends normally is "success", one ended by a
// reset is "timeout", "failure" for a "Sandbox." error type, and "error" otherwise.
//
// Ambiguous for provided.al2023: every capture with a Status field is of a managed runtime
// (it appeared on nodejs in October 2024:
// https://aaronstuyvenberg.com/posts/lambda-timeout-doom-loop). The only provided.al2023
// captures found, of an init that failed with Runtime.InvalidEntrypoint (provided:al2023.v12 in
// 2024, .v97 in mid-2025), still print the older form: no Status, a trailing tab, and the error
// worded on two lines before END; none of a provided.al2023 timeout was found. These lines are
// the platform's, not the runtime's, so the newer form is followed here; this function is the
// one place to change should provided.al2023 be found to differ. (Those two lines, "RequestId:
// <id> Error: Runtime exited with error: ..." and the error type, are still logged for a crash
// by ExecutionEnvironment::runtime_exited; the captures with a Status field have none.)
std::pair<std::string, std::string> report_status(const InvocationResult& result) {
    switch (result.status) {
    case InvocationStatus::Success:
    case InvocationStatus::FunctionError:
    case InvocationStatus::Cancelled:
        return {};
    case InvocationStatus::Timeout:
        return {"timeout", ""};
    case InvocationStatus::InitError:
    case InvocationStatus::Crashed:
    case InvocationStatus::OutOfMemory:
        break;
    }
    bool sandbox = result.error_type.rfind("Sandbox.", 0) == 0;
    return {sandbox ? "failure" : "error", result.error_type};
}

} // namespace

std::string start_line(std::string_view request_id) {
    return "START RequestId: " + std::string(request_id) + " Version: $LATEST\n";
}

std::string end_line(std::string_view request_id) {
    return "END RequestId: " + std::string(request_id) + "\n";
}

ReportFigures report_figures(const InvocationResult& result, int memory_size_mb, double timeout_s) {
    ReportFigures figures;
    figures.duration_ms = result.duration_ms;
    figures.memory_size_mb = memory_size_mb;
    figures.max_memory_used_mb = result.max_memory_used_mb;
    figures.init_duration_ms = result.init_duration_ms;
    figures.debugger_attached = result.debugger_attached;
    if (result.status == InvocationStatus::Timeout) {
        figures.timeout_ms = timeout_s * 1000.0;
    }
    std::tie(figures.status, figures.error_type) = report_status(result);
    return figures;
}

double reported_duration_ms(const ReportFigures& figures) {
    // Lambda reports a timed-out invocation as lasting exactly its timeout ("Duration: 3000.00
    // ms", "Duration: 600000.00 ms" in the captures above); the older platform printed the
    // measured time and billed the timeout ("Duration: 3071.27 ms\tBilled Duration: 3000 ms").
    return figures.timeout_ms ? *figures.timeout_ms : figures.duration_ms;
}

std::int64_t billed_duration_ms(const ReportFigures& figures) {
    // Init is billed on every runtime since 1 August 2025. Captured: "Duration: 2.37 ms\tBilled
    // Duration: 427 ms\t...\tInit Duration: 423.98 ms", and on a cold timeout "Duration:
    // 600000.00 ms\tBilled Duration: 600517 ms\t...\tInit Duration: 516.31 ms\tStatus: timeout".
    std::int64_t total = hundredths(reported_duration_ms(figures));
    if (figures.init_duration_ms) {
        total += hundredths(*figures.init_duration_ms);
    }
    return std::max<std::int64_t>(1, (total + 99) / 100);
}

std::string format_ms(double ms) {
    return two_decimals(ms);
}

double report_ms(double ms) {
    return static_cast<double>(hundredths(ms)) / 100.0;
}

std::string report_line(std::string_view request_id, const ReportFigures& figures) {
    std::string line = "REPORT RequestId: " + std::string(request_id);
    line += "\tDuration: " + hundredths_text(hundredths(reported_duration_ms(figures))) + " ms";
    line += "\tBilled Duration: " + std::to_string(billed_duration_ms(figures)) + " ms";
    line += "\tMemory Size: " + std::to_string(figures.memory_size_mb) + " MB";
    line += "\tMax Memory Used: " + std::to_string(figures.max_memory_used_mb) + " MB\t";
    if (figures.init_duration_ms) {
        line +=
            "Init Duration: " + hundredths_text(hundredths(*figures.init_duration_ms)) + " ms\t";
    }
    if (figures.debugger_attached) {
        line += "Debugger: attached\t";
    }
    if (!figures.status.empty()) {
        // No trailing tab after the Status fields (the raw message in the azul issue above).
        line += "Status: " + figures.status;
        if (!figures.error_type.empty()) {
            line += "\tError Type: " + figures.error_type;
        }
    }
    line += '\n';
    return line;
}

std::string timeout_message(double timeout_seconds) {
    return "Task timed out after " + two_decimals(timeout_seconds) + " seconds";
}

std::string signal_description(int signal_number) {
    switch (signal_number) {
    case SIGHUP:
        return "hangup";
    case SIGINT:
        return "interrupt";
    case SIGQUIT:
        return "quit";
    case SIGILL:
        return "illegal instruction";
    case SIGTRAP:
        return "trace/breakpoint trap";
    case SIGABRT:
        return "aborted";
    case SIGBUS:
        return "bus error";
    case SIGFPE:
        return "floating point exception";
    case SIGKILL:
        return "killed";
    case SIGUSR1:
        return "user defined signal 1";
    case SIGSEGV:
        return "segmentation fault";
    case SIGUSR2:
        return "user defined signal 2";
    case SIGPIPE:
        return "broken pipe";
    case SIGALRM:
        return "alarm clock";
    case SIGTERM:
        return "terminated";
#ifdef SIGSTKFLT
    case SIGSTKFLT:
        return "stack fault";
#endif
    case SIGCHLD:
        return "child exited";
    case SIGCONT:
        return "continued";
    case SIGSTOP:
        return "stopped (signal)";
    case SIGTSTP:
        return "stopped";
    case SIGTTIN:
        return "stopped (tty input)";
    case SIGTTOU:
        return "stopped (tty output)";
    case SIGURG:
        return "urgent I/O condition";
    case SIGXCPU:
        return "CPU time limit exceeded";
    case SIGXFSZ:
        return "file size limit exceeded";
    case SIGVTALRM:
        return "virtual timer expired";
    case SIGPROF:
        return "profiling timer expired";
    case SIGWINCH:
        return "window changed";
    case SIGIO:
        return "I/O possible";
#ifdef SIGPWR
    case SIGPWR:
        return "power failure";
#endif
    case SIGSYS:
        return "bad system call";
    default:
        return "signal " + std::to_string(signal_number);
    }
}

std::string runtime_exit_message(int wait_status) {
    // Lambda's sandbox takes no core dumps, so Go's " (core dumped)" suffix never appears.
    const std::string prefix = "Runtime exited with error: ";
    if (WIFEXITED(wait_status)) {
        int code = WEXITSTATUS(wait_status);
        if (code == 0) {
            return "Runtime exited without providing a reason";
        }
        return prefix + "exit status " + std::to_string(code);
    }
    if (WIFSIGNALED(wait_status)) {
        return prefix + "signal: " + signal_description(WTERMSIG(wait_status));
    }
    if (WIFSTOPPED(wait_status)) {
        return prefix + "stop signal: " + signal_description(WSTOPSIG(wait_status));
    }
    if (WIFCONTINUED(wait_status)) {
        return prefix + "continued";
    }
    return prefix + "unknown status " + std::to_string(wait_status);
}

void set_response_too_large(InvocationResult& result, std::size_t cap) {
    result.status = InvocationStatus::FunctionError;
    result.error_type = "Function.ResponseSizeTooLarge";
    result.payload = error_payload(result.error_type,
                                   "Response payload size exceeded maximum allowed payload size (" +
                                       std::to_string(cap) + " bytes).",
                                   false);
}

std::string error_payload(std::string_view error_type, std::string_view error_message,
                          bool with_stack_trace) {
    nlohmann::ordered_json payload = nlohmann::ordered_json::object();
    payload["errorMessage"] = std::string(error_message);
    payload["errorType"] = std::string(error_type);
    if (with_stack_trace) {
        payload["stackTrace"] = nlohmann::ordered_json::array();
    }
    return payload.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string timeout_payload(std::string_view request_id, double timeout_seconds) {
    // errorType first, and the message worded as the runtime errors are: captured as
    // {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: f83d9f5b-... Error: Task timed
    // out after 3.00 seconds"} from `aws lambda invoke` and in the console (2024-2026); the
    // older platform answered {"errorMessage":"2020-11-10T05:46:57.874Z <id> Task timed out
    // after 3.00 seconds"} and logged that line.
    nlohmann::ordered_json payload = nlohmann::ordered_json::object();
    payload["errorType"] = "Sandbox.Timedout";
    payload["errorMessage"] = runtime_error_message(request_id, timeout_message(timeout_seconds));
    return payload.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string runtime_error_message(std::string_view request_id, std::string_view message) {
    return "RequestId: " + std::string(request_id) + " Error: " + std::string(message);
}

std::int64_t memory_used_mb(std::int64_t peak_rss_kib) {
    if (peak_rss_kib <= 0) {
        return 1;
    }
    return std::max<std::int64_t>(1, peak_rss_kib / 1024 + (peak_rss_kib % 1024 != 0 ? 1 : 0));
}

} // namespace lambda_local::runtime
