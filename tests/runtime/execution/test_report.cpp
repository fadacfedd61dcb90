// Tests of Lambda's platform log lines and error payloads.
#include "runtime/execution/report.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

using namespace lambda_local::runtime;

namespace {

constexpr const char* k_id = "160788cd-45ff-4583-809f-c7e31127cb95";

// A waitpid status as the kernel encodes it.
int exited(int code) {
    return (code & 0xff) << 8;
}
int signaled(int signal_number) {
    return signal_number & 0x7f;
}

} // namespace

TEST_SUITE_BEGIN("runtime::report");

TEST_CASE("START and END lines name the request") {
    CHECK(start_line(k_id) ==
          "START RequestId: 160788cd-45ff-4583-809f-c7e31127cb95 Version: $LATEST\n");
    CHECK(end_line(k_id) == "END RequestId: 160788cd-45ff-4583-809f-c7e31127cb95\n");
}

TEST_CASE("a REPORT line has tab-separated fields and a trailing tab") {
    ReportFigures figures;
    figures.duration_ms = 3071.27;
    figures.memory_size_mb = 128;
    figures.max_memory_used_mb = 21;
    CHECK(report_line(k_id, figures) ==
          "REPORT RequestId: 160788cd-45ff-4583-809f-c7e31127cb95\tDuration: 3071.27 ms\t"
          "Billed Duration: 3072 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n");
}

TEST_CASE("a cold start's REPORT line ends with the init duration and bills it") {
    ReportFigures figures;
    figures.duration_ms = 1.376;
    figures.memory_size_mb = 1024;
    figures.max_memory_used_mb = 35;
    figures.init_duration_ms = 171.994;
    CHECK(report_line("id", figures) ==
          "REPORT RequestId: id\tDuration: 1.38 ms\tBilled Duration: 174 ms\tMemory Size: 1024 "
          "MB\tMax Memory Used: 35 MB\tInit Duration: 171.99 ms\t\n");
}

TEST_CASE("billed duration is ceil(Duration + Init Duration) cold and ceil(Duration) warm") {
    auto billed = [](double duration_ms, std::optional<double> init_ms = std::nullopt) {
        ReportFigures figures;
        figures.duration_ms = duration_ms;
        figures.init_duration_ms = init_ms;
        return billed_duration_ms(figures);
    };
    SUBCASE("a 300 ms init is billed with its invocation") {
        CHECK(billed(0.5, 300) == 301);
        CHECK(billed(0.5) == 1);
    }
    SUBCASE("Lambda's captured cold and warm lines") {
        CHECK(billed(2.37, 423.98) == 427);
        CHECK(billed(2.46, 413.61) == 417);
        CHECK(billed(1248.31, 293.05) == 1542);
        CHECK(billed(3.86) == 4);
        CHECK(billed(92394.25) == 92395);
    }
    SUBCASE("an exactly integral sum is not rounded up") {
        CHECK(billed(1.0) == 1);
        CHECK(billed(2999.0) == 2999);
        CHECK(billed(2.5, 1.5) == 4);
        CHECK(billed(100.25, 0.75) == 101);
        CHECK(billed(0.1 + 0.2 + 2.7) == 3); // 3.0000000000000004
        CHECK(billed(0.1 + 0.2, 2.7) == 3);
    }
    SUBCASE("anything past a whole millisecond is one more") {
        CHECK(billed(1.01) == 2);
        CHECK(billed(2999.5) == 3000);
        CHECK(billed(0.01, 1.0) == 2);
    }
    SUBCASE("the figures are summed as printed, to 2 decimals") {
        CHECK(billed(1.004) == 1);        // printed 1.00
        CHECK(billed(1.006) == 2);        // printed 1.01
        CHECK(billed(0.004, 2.004) == 2); // printed 0.00 and 2.00
    }
    SUBCASE("at least 1 ms") {
        CHECK(billed(0) == 1);
        CHECK(billed(0.001) == 1);
        CHECK(billed(-1) == 1);
        CHECK(billed(0, 0) == 1);
    }
}

TEST_CASE("a REPORT line says when a debugger was attached, before any Status") {
    ReportFigures figures;
    figures.duration_ms = 3012.5;
    figures.memory_size_mb = 128;
    figures.max_memory_used_mb = 9;
    figures.init_duration_ms = 2.5;
    figures.debugger_attached = true;
    SUBCASE("completed") {
        CHECK(report_line("id", figures) ==
              "REPORT RequestId: id\tDuration: 3012.50 ms\tBilled Duration: 3015 ms\tMemory "
              "Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 2.50 ms\tDebugger: "
              "attached\t\n");
    }
    SUBCASE("an error after the debugger left") {
        figures.status = "error";
        figures.error_type = "Runtime.ExitError";
        CHECK(report_line("id", figures) ==
              "REPORT RequestId: id\tDuration: 3012.50 ms\tBilled Duration: 3015 ms\tMemory "
              "Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 2.50 ms\tDebugger: "
              "attached\tStatus: error\tError Type: Runtime.ExitError\n");
    }
}

TEST_CASE("the REPORT figures carry the invocation's debugger") {
    InvocationResult result;
    result.duration_ms = 1;
    CHECK_FALSE(report_figures(result, 128, 3).debugger_attached);
    result.debugger_attached = true;
    CHECK(report_figures(result, 128, 3).debugger_attached);
}

TEST_CASE("a timed-out invocation reports its timeout as its duration and is billed no more") {
    ReportFigures figures;
    figures.memory_size_mb = 128;
    figures.max_memory_used_mb = 21;
    figures.timeout_ms = 3000;
    figures.status = "timeout";
    SUBCASE("measured past the timeout") {
        figures.duration_ms = 3064.04;
    }
    SUBCASE("measured a little short of it") {
        figures.duration_ms = 2999.7;
    }
    CHECK(reported_duration_ms(figures) == 3000);
    CHECK(billed_duration_ms(figures) == 3000);
    CHECK(report_line("id", figures) ==
          "REPORT RequestId: id\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: "
          "128 MB\tMax Memory Used: 21 MB\tStatus: timeout\n");
}

TEST_CASE("a cold timed-out invocation is billed its timeout and its init") {
    ReportFigures figures;
    figures.duration_ms = 600012.5;
    figures.memory_size_mb = 1024;
    figures.max_memory_used_mb = 1024;
    figures.init_duration_ms = 516.31;
    figures.timeout_ms = 600000;
    figures.status = "timeout";
    CHECK(billed_duration_ms(figures) == 600517);
    CHECK(report_line("id", figures) ==
          "REPORT RequestId: id\tDuration: 600000.00 ms\tBilled Duration: 600517 ms\tMemory "
          "Size: 1024 MB\tMax Memory Used: 1024 MB\tInit Duration: 516.31 ms\tStatus: timeout\n");
}

TEST_CASE("an error status ends the REPORT line with its error type and no trailing tab") {
    ReportFigures figures;
    figures.duration_ms = 10935.7;
    figures.memory_size_mb = 1024;
    figures.max_memory_used_mb = 1024;
    figures.status = "error";
    figures.error_type = "Runtime.OutOfMemory";
    CHECK(report_line("id", figures) ==
          "REPORT RequestId: id\tDuration: 10935.70 ms\tBilled Duration: 10936 ms\tMemory "
          "Size: 1024 MB\tMax Memory Used: 1024 MB\tStatus: error\tError Type: "
          "Runtime.OutOfMemory\n");
    figures.init_duration_ms = 399.33;
    figures.duration_ms = 344356.22;
    CHECK(report_line("id", figures) ==
          "REPORT RequestId: id\tDuration: 344356.22 ms\tBilled Duration: 344756 ms\tMemory "
          "Size: 1024 MB\tMax Memory Used: 1024 MB\tInit Duration: 399.33 ms\tStatus: "
          "error\tError Type: Runtime.OutOfMemory\n");
}

TEST_CASE("the REPORT figures of an invocation say how it ended when it did not complete") {
    struct Outcome {
        InvocationStatus status;
        std::string error_type;
        std::string report_status;
        std::string report_error_type;
    };
    const Outcome outcomes[] = {
        {InvocationStatus::Success, "", "", ""},
        {InvocationStatus::FunctionError, "HandlerError", "", ""},
        {InvocationStatus::FunctionError, "Function.ResponseSizeTooLarge", "", ""},
        {InvocationStatus::Cancelled, "", "", ""},
        {InvocationStatus::Timeout, "Sandbox.Timedout", "timeout", ""},
        {InvocationStatus::Crashed, "Runtime.ExitError", "error", "Runtime.ExitError"},
        {InvocationStatus::OutOfMemory, "Runtime.OutOfMemory", "error", "Runtime.OutOfMemory"},
        {InvocationStatus::InitError, "Runtime.ImportModuleError", "error",
         "Runtime.ImportModuleError"},
        {InvocationStatus::Crashed, "Sandbox.Failure", "failure", "Sandbox.Failure"},
    };
    for (const Outcome& outcome : outcomes) {
        CAPTURE(outcome.error_type);
        CAPTURE(outcome.report_status);
        InvocationResult result;
        result.status = outcome.status;
        result.error_type = outcome.error_type;
        result.duration_ms = 12.5;
        result.max_memory_used_mb = 7;
        result.init_duration_ms = 3.25;
        const ReportFigures figures = report_figures(result, 256, 1.5);
        CHECK(figures.duration_ms == 12.5);
        CHECK(figures.memory_size_mb == 256);
        CHECK(figures.max_memory_used_mb == 7);
        CHECK(figures.init_duration_ms == 3.25);
        CHECK(figures.status == outcome.report_status);
        CHECK(figures.error_type == outcome.report_error_type);
        const bool timed_out = outcome.status == InvocationStatus::Timeout;
        CHECK(figures.timeout_ms.has_value() == timed_out);
        if (timed_out) {
            CHECK(figures.timeout_ms == 1500);
            CHECK(billed_duration_ms(figures) == 1504); // 1500.00 + 3.25
        } else {
            CHECK(billed_duration_ms(figures) == 16); // 12.50 + 3.25
        }
        const std::string line = report_line("id", figures);
        if (outcome.report_status.empty()) {
            CHECK(line.ends_with("Init Duration: 3.25 ms\t\n"));
            CHECK(line.find("Status:") == std::string::npos);
        } else {
            std::string fields = "Init Duration: 3.25 ms\tStatus: " + outcome.report_status;
            if (!outcome.report_error_type.empty()) {
                fields += "\tError Type: " + outcome.report_error_type;
            }
            CHECK(line.ends_with(fields + "\n"));
        }
    }
}

TEST_CASE("the timeout message gives the timeout in seconds with 2 decimals") {
    CHECK(timeout_message(3) == "Task timed out after 3.00 seconds");
    CHECK(timeout_message(0.5) == "Task timed out after 0.50 seconds");
    CHECK(timeout_message(1.5) == "Task timed out after 1.50 seconds");
    CHECK(timeout_message(900) == "Task timed out after 900.00 seconds");
}

TEST_CASE("signals are described in Go's words") {
    CHECK(signal_description(SIGSEGV) == "segmentation fault");
    CHECK(signal_description(SIGABRT) == "aborted");
    CHECK(signal_description(SIGKILL) == "killed");
    CHECK(signal_description(SIGBUS) == "bus error");
    CHECK(signal_description(SIGFPE) == "floating point exception");
    CHECK(signal_description(SIGILL) == "illegal instruction");
    CHECK(signal_description(SIGTERM) == "terminated");
    CHECK(signal_description(SIGINT) == "interrupt");
    CHECK(signal_description(SIGHUP) == "hangup");
    CHECK(signal_description(SIGQUIT) == "quit");
    CHECK(signal_description(SIGPIPE) == "broken pipe");
    CHECK(signal_description(SIGTRAP) == "trace/breakpoint trap");
    CHECK(signal_description(SIGSYS) == "bad system call");
    CHECK(signal_description(SIGUSR1) == "user defined signal 1");
    CHECK(signal_description(SIGUSR2) == "user defined signal 2");
    CHECK(signal_description(SIGALRM) == "alarm clock");
    CHECK(signal_description(SIGXCPU) == "CPU time limit exceeded");
    CHECK(signal_description(SIGXFSZ) == "file size limit exceeded");
    CHECK(signal_description(SIGVTALRM) == "virtual timer expired");
    CHECK(signal_description(SIGPROF) == "profiling timer expired");
#ifdef SIGSTKFLT
    CHECK(signal_description(SIGSTKFLT) == "stack fault");
#endif
    CHECK(signal_description(SIGCHLD) == "child exited");
    CHECK(signal_description(SIGRTMIN + 1) == "signal " + std::to_string(SIGRTMIN + 1));
    CHECK(signal_description(0) == "signal 0");
}

TEST_CASE("a runtime's exit is worded as the runtime interface emulator words it") {
    CHECK(runtime_exit_message(signaled(SIGSEGV)) ==
          "Runtime exited with error: signal: segmentation fault");
    CHECK(runtime_exit_message(signaled(SIGKILL)) == "Runtime exited with error: signal: killed");
    CHECK(runtime_exit_message(signaled(SIGABRT) | 0x80) ==
          "Runtime exited with error: signal: aborted"); // a core dump adds nothing
    CHECK(runtime_exit_message(exited(3)) == "Runtime exited with error: exit status 3");
    CHECK(runtime_exit_message(exited(1)) == "Runtime exited with error: exit status 1");
    CHECK(runtime_exit_message(exited(0)) == "Runtime exited without providing a reason");
}

TEST_CASE("an error payload has Lambda's keys in Lambda's order") {
    CHECK(error_payload("MyError", "boom", true) ==
          R"({"errorMessage":"boom","errorType":"MyError","stackTrace":[]})");
    CHECK(error_payload("Runtime.ExitError", "RequestId: x Error: bad", false) ==
          R"({"errorMessage":"RequestId: x Error: bad","errorType":"Runtime.ExitError"})");
}

TEST_CASE("an error payload escapes JSON and replaces invalid UTF-8") {
    CHECK(error_payload("E", "a \"quote\"\n\tand \\", false) ==
          R"({"errorMessage":"a \"quote\"\n\tand \\","errorType":"E"})");
    CHECK(error_payload("E\xff", "bad \xc3 byte", false) ==
          "{\"errorMessage\":\"bad \xEF\xBF\xBD byte\",\"errorType\":\"E\xEF\xBF\xBD\"}");
}

TEST_CASE("the timeout payload is typed Sandbox.Timedout and names the request") {
    CHECK(timeout_payload(k_id, 3) ==
          R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )"
          R"(160788cd-45ff-4583-809f-c7e31127cb95 Error: Task timed out after 3.00 seconds"})");
}

TEST_CASE("a runtime error message names the request") {
    CHECK(runtime_error_message("89894b68-4c17-4ea6-b6e6-91bca83ae5b1",
                                "Runtime exited with error: signal: segmentation fault") ==
          "RequestId: 89894b68-4c17-4ea6-b6e6-91bca83ae5b1 Error: Runtime exited with error: "
          "signal: segmentation fault");
}

TEST_CASE("memory used is the peak RSS in MB rounded up and never 0") {
    CHECK(memory_used_mb(0) == 1);
    CHECK(memory_used_mb(-5) == 1);
    CHECK(memory_used_mb(1) == 1);
    CHECK(memory_used_mb(1024) == 1);
    CHECK(memory_used_mb(1025) == 2);
    CHECK(memory_used_mb(21 * 1024) == 21);
    CHECK(memory_used_mb(21 * 1024 + 300) == 22);
    // No overflow at the end of the range (UBSan would say).
    CHECK(memory_used_mb(INT64_MAX) == INT64_MAX / 1024 + 1);
}

TEST_SUITE_END();
