// Formatting of Lambda's platform log lines and error payloads.
#include "runtime/report.hpp"

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace lambda_local::runtime {
namespace {

// "%.2f" of a number (the C locale's decimal point: nothing here calls setlocale).
std::string two_decimals(double value) {
    char buffer[64];
    int n = std::snprintf(buffer, sizeof buffer, "%.2f", value);
    return std::string(buffer, static_cast<std::size_t>(std::max(n, 0)));
}

std::int64_t billed_ms(double duration_ms) {
    // The epsilon keeps floating-point noise (3.0000000000000004) from billing an extra ms.
    double billed = std::ceil(duration_ms - 1e-6);
    return billed < 1 ? 1 : static_cast<std::int64_t>(billed);
}

} // namespace

std::string start_line(std::string_view request_id) {
    return "START RequestId: " + std::string(request_id) + " Version: $LATEST\n";
}

std::string end_line(std::string_view request_id) {
    return "END RequestId: " + std::string(request_id) + "\n";
}

std::string report_line(std::string_view request_id, const ReportFigures& figures) {
    std::string line = "REPORT RequestId: " + std::string(request_id);
    line += "\tDuration: " + two_decimals(figures.duration_ms) + " ms";
    line += "\tBilled Duration: " + std::to_string(billed_ms(figures.duration_ms)) + " ms";
    line += "\tMemory Size: " + std::to_string(figures.memory_size_mb) + " MB";
    line += "\tMax Memory Used: " + std::to_string(figures.max_memory_used_mb) + " MB\t";
    if (figures.init_duration_ms) {
        line += "Init Duration: " + two_decimals(*figures.init_duration_ms) + " ms\t";
    }
    line += '\n';
    return line;
}

std::string timeout_message(std::string_view iso_time, std::string_view request_id,
                            double timeout_seconds) {
    return std::string(iso_time) + " " + std::string(request_id) + " Task timed out after " +
           two_decimals(timeout_seconds) + " seconds";
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

std::string timeout_payload(std::string_view timeout_message) {
    return error_payload("Sandbox.Timedout", timeout_message, false);
}

std::string runtime_error_message(std::string_view request_id, std::string_view message) {
    return "RequestId: " + std::string(request_id) + " Error: " + std::string(message);
}

std::int64_t memory_used_mb(std::int64_t peak_rss_kib) {
    if (peak_rss_kib <= 0) {
        return 1;
    }
    return std::max<std::int64_t>(1, (peak_rss_kib + 1023) / 1024);
}

} // namespace lambda_local::runtime
