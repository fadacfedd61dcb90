// Tests of Lambda's platform log lines and error payloads.
#include "runtime/report.hpp"

#include <doctest/doctest.h>

#include <csignal>

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

TEST_CASE("a cold start's REPORT line ends with the init duration") {
    ReportFigures figures;
    figures.duration_ms = 1.376;
    figures.memory_size_mb = 1024;
    figures.max_memory_used_mb = 35;
    figures.init_duration_ms = 171.994;
    CHECK(report_line("id", figures) ==
          "REPORT RequestId: id\tDuration: 1.38 ms\tBilled Duration: 2 ms\tMemory Size: 1024 MB\t"
          "Max Memory Used: 35 MB\tInit Duration: 171.99 ms\t\n");
}

TEST_CASE("billed duration rounds up to whole milliseconds and is at least 1") {
    auto billed = [](double duration_ms) {
        ReportFigures figures;
        figures.duration_ms = duration_ms;
        std::string line = report_line("id", figures);
        std::size_t start = line.find("Billed Duration: ") + 17;
        return line.substr(start, line.find(" ms", start) - start);
    };
    CHECK(billed(0) == "1");
    CHECK(billed(0.01) == "1");
    CHECK(billed(1.0) == "1");
    CHECK(billed(1.001) == "2");
    CHECK(billed(0.1 + 0.2 + 2.7) == "3"); // 3.0000000000000004
    CHECK(billed(2999.5) == "3000");
}

TEST_CASE("the timeout message gives the timeout in seconds with 2 decimals") {
    CHECK(timeout_message("2020-11-10T05:46:57.874Z", k_id, 3) ==
          "2020-11-10T05:46:57.874Z 160788cd-45ff-4583-809f-c7e31127cb95 Task timed out after "
          "3.00 seconds");
    CHECK(timeout_message("t", "id", 0.5) == "t id Task timed out after 0.50 seconds");
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

TEST_CASE("the timeout payload is typed Sandbox.Timedout") {
    std::string message = timeout_message("2020-11-10T05:46:57.874Z", "abc", 3);
    CHECK(timeout_payload(message) ==
          R"({"errorMessage":"2020-11-10T05:46:57.874Z abc Task timed out after 3.00 seconds",)"
          R"("errorType":"Sandbox.Timedout"})");
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
}

TEST_SUITE_END();
