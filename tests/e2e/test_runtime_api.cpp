// End-to-end tests of custom runtimes (`invoke --bootstrap DIR`): a bootstrap in C++ and one in
// Python speak the Runtime API lambda-local serves (docs/custom-runtimes.md), and the
// misbehaving sample's bootstrap takes every error path to Lambda's answer.
#include "tests/e2e/process.hpp"
#include "tests/e2e/report_line.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <regex>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

const std::string k_misbehaving = "bootstrap-misbehaving";

// Runs `invoke --bootstrap <samples>/<dir>` with an inline event and extra arguments.
ProcessResult invoke_bootstrap(const std::string& dir, const json& event,
                               std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"invoke", "--bootstrap", sample_library(dir), "-d", event.dump()};
    args.insert(args.end(), extra.begin(), extra.end());
    return lambda_local(args);
}

// CHECKs START, the platform's lines, END and REPORT in order; returns the request id.
std::string check_log_frame(const ProcessResult& r) {
    const std::string id = start_request_id(r);
    const auto lines = split_lines(r.err);
    const auto start = find_line(lines, "START RequestId: " + id + " Version: $LATEST");
    const auto end = find_line(lines, "END RequestId: " + id);
    REQUIRE(start.has_value());
    REQUIRE(end.has_value());
    CHECK(*start < *end);
    const auto report = find_line_starting(lines, "REPORT RequestId: " + id + "\t", *end);
    REQUIRE(report.has_value());
    CHECK(lines[*report].find("\tInit Duration: ") != std::string::npos);
    return id;
}

// The line index of `text` in stderr, which must lie between START and END.
void check_logged_before_end(const ProcessResult& r, const std::string& prefix) {
    const auto lines = split_lines(r.err);
    const auto logged = find_line_starting(lines, prefix);
    const auto end = find_line_starting(lines, "END RequestId: ");
    REQUIRE_MESSAGE(logged.has_value(), "no line starting with '" << prefix << "'");
    REQUIRE(end.has_value());
    CHECK(*logged < *end);
}

// Checks a run that ended the runtime: Lambda's payload, its log lines, nothing left behind.
void check_exit_error(const ProcessResult& r, const std::string& type, const std::string& why) {
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    const std::string id = check_log_frame(r);
    const std::string message = "RequestId: " + id + " Error: " + why;
    CHECK(parse_json(r.out) == json{{"errorMessage", message}, {"errorType", type}});
    const auto lines = split_lines(r.err);
    CHECK(find_line(lines, message).has_value());
    CHECK(find_line(lines, type).has_value());
}

} // namespace

TEST_SUITE_BEGIN("e2e::runtime_api");

TEST_CASE("a C++ and a Python bootstrap echo the event with the invocation's context") {
    for (const std::string dir : {"bootstrap-cpp", "bootstrap-script"}) {
        CAPTURE(dir);
        LeftoverWatch watch;
        const std::int64_t before = epoch_ms_now();
        const ProcessResult r = invoke_bootstrap(dir, {{"hello", "world"}}, {"-t", "5"});
        const std::int64_t after = epoch_ms_now();
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        const std::string id = check_log_frame(r);
        const json payload = parse_json(r.out);
        CHECK(payload["event"] == json{{"hello", "world"}});
        const json& context = payload["context"];
        CHECK(context["aws_request_id"] == id);
        CHECK(context["invoked_function_arn"] ==
              "arn:aws:lambda:us-east-1:123456789012:function:" + dir);
        CHECK(context["deadline_ms"].get<std::int64_t>() >= before + 5000);
        CHECK(context["deadline_ms"].get<std::int64_t>() <= after + 5000);
        watch.check_nothing_left(r);
    }
}

TEST_CASE("/next carries Lambda's headers, and the runtime sees a custom runtime's environment") {
    const std::int64_t before = epoch_ms_now();
    const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"k", "v"}}, {"-t", "7"});
    const std::int64_t after = epoch_ms_now();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const std::string id = check_log_frame(r);
    const json payload = parse_json(r.out);
    CHECK(payload["event"] == json{{"k", "v"}});

    const json& headers = payload["headers"];
    CHECK(headers["Lambda-Runtime-Aws-Request-Id"] == id);
    const std::int64_t deadline =
        std::stoll(headers["Lambda-Runtime-Deadline-Ms"].get<std::string>());
    CHECK(deadline >= before + 7000);
    CHECK(deadline <= after + 7000);
    CHECK(headers["Lambda-Runtime-Invoked-Function-Arn"] ==
          "arn:aws:lambda:us-east-1:123456789012:function:bootstrap-misbehaving");
    CHECK(std::regex_match(headers["Lambda-Runtime-Trace-Id"].get<std::string>(),
                           std::regex("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};"
                                      "Sampled=0")));
    // Set only when not empty, which they are for a plain invoke.
    CHECK_FALSE(headers.contains("Lambda-Runtime-Client-Context"));
    CHECK_FALSE(headers.contains("Lambda-Runtime-Cognito-Identity"));

    const json& env = payload["env"];
    CHECK(std::regex_match(env["AWS_LAMBDA_RUNTIME_API"].get<std::string>(),
                           std::regex(R"(127\.0\.0\.1:[0-9]{1,5})")));
    CHECK(env["_HANDLER"] == "");
    CHECK_FALSE(env.contains("AWS_EXECUTION_ENV"));
    CHECK(env["LAMBDA_TASK_ROOT"] == sample_library(k_misbehaving));
    CHECK(env["AWS_LAMBDA_FUNCTION_NAME"] == "bootstrap-misbehaving");
    CHECK(payload["cwd"] == sample_library(k_misbehaving));
    CHECK(payload["uid"] == k_sandbox_uid);
    CHECK(payload["gid"] == k_sandbox_gid);
    CHECK(payload["init_count"] == 1);
}

TEST_CASE("-H sets a custom runtime's _HANDLER, and --function-name its name") {
    const ProcessResult r = invoke_bootstrap(k_misbehaving, json::object(),
                                             {"-H", "my.handler", "--function-name", "fn"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json payload = parse_json(r.out);
    CHECK(payload["env"]["_HANDLER"] == "my.handler");
    CHECK(payload["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "fn");
    CHECK(payload["headers"]["Lambda-Runtime-Invoked-Function-Arn"] ==
          "arn:aws:lambda:us-east-1:123456789012:function:fn");
}

TEST_CASE("an error posted to /error is the function error, as posted") {
    SUBCASE("the Python runtime's typed error") {
        const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "error"}});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        check_log_frame(r);
        CHECK(parse_json(r.out) == json{{"errorMessage", "it failed on purpose"},
                                        {"errorType", "MisbehaveError"},
                                        {"stackTrace", {"bootstrap line 1"}}});
        check_logged_before_end(r, "error: 202 {\"status\":\"OK\"}");
    }
    SUBCASE("the C++ runtime's typed error") {
        const ProcessResult r = invoke_bootstrap("bootstrap-cpp", {{"fail", "no way"}});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(parse_json(r.out) == json{{"errorMessage", "no way"},
                                        {"errorType", "EchoError"},
                                        {"stackTrace", json::array()}});
    }
}

TEST_CASE("an error posted to /init/error fails init with that error") {
    SUBCASE("Python") {
        LeftoverWatch watch;
        const ProcessResult r =
            invoke_bootstrap(k_misbehaving, json::object(), {"--env", "MISBEHAVE_INIT=init_error"});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        check_log_frame(r);
        CHECK(parse_json(r.out) == json{{"errorMessage", "init failed on purpose"},
                                        {"errorType", "MisbehaveInitError"}});
        CHECK(find_line(split_lines(r.err), "[ERROR] MisbehaveInitError: init failed on purpose")
                  .has_value());
        watch.check_nothing_left(r);
    }
    SUBCASE("C++") {
        const ProcessResult r = invoke_bootstrap("bootstrap-cpp", json::object(),
                                                 {"--env", "ECHO_INIT_FAIL=no config"});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(parse_json(r.out) == json{{"errorMessage", "no config"},
                                        {"errorType", "EchoInitError"},
                                        {"stackTrace", json::array()}});
    }
}

TEST_CASE("a runtime that exits or is killed by a signal is Runtime.ExitError") {
    LeftoverWatch watch;
    SUBCASE("exit status during an invocation") {
        const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "exit"}, {"status", 4}});
        check_exit_error(r, "Runtime.ExitError", "Runtime exited with error: exit status 4");
        watch.check_nothing_left(r);
    }
    SUBCASE("exit 0 during an invocation") {
        const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "exit"}, {"status", 0}});
        check_exit_error(r, "Runtime.ExitError", "Runtime exited without providing a reason");
    }
    SUBCASE("a segmentation fault") {
        const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "signal"}});
        check_exit_error(r, "Runtime.ExitError",
                         "Runtime exited with error: signal: segmentation fault");
        watch.check_nothing_left(r);
    }
    SUBCASE("exit during init, before /next") {
        const ProcessResult r =
            invoke_bootstrap(k_misbehaving, json::object(), {"--env", "MISBEHAVE_INIT=exit"});
        check_exit_error(r, "Runtime.ExitError", "Runtime exited with error: exit status 3");
    }
}

TEST_CASE("a runtime past its timeout is killed: Sandbox.Timedout") {
    LeftoverWatch watch;
    const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "sleep"}}, {"-t", "1"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.elapsed >= std::chrono::milliseconds(950));
    CHECK(r.elapsed < std::chrono::seconds(30));
    const std::string id = check_log_frame(r);
    CHECK(r.out == R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )" + id +
                       R"( Error: Task timed out after 1.00 seconds"})");
    check_logged_before_end(r, "sleeping");
    CHECK(r.err.find("Task timed out") == std::string::npos);
    CHECK(report_line_of(split_lines(r.err), id).ends_with("\tStatus: timeout"));
    watch.check_nothing_left(r);
}

TEST_CASE("a runtime that allocates past the memory size is Runtime.OutOfMemory") {
    LeftoverWatch watch;
    const ProcessResult r =
        invoke_bootstrap(k_misbehaving, {{"do", "oom"}, {"mb", 512}}, {"-t", "20"});
    check_exit_error(r, "Runtime.OutOfMemory", "Runtime exited with error: signal: killed");
    CHECK(r.err.find("\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t") != std::string::npos);
    watch.check_nothing_left(r);
}

TEST_CASE("a runtime that never calls /next fails init after 10 seconds") {
    LeftoverWatch watch;
    const ProcessResult r =
        invoke_bootstrap(k_misbehaving, json::object(), {"--env", "MISBEHAVE_INIT=never_next"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.elapsed >= std::chrono::milliseconds(9900));
    CHECK(r.elapsed < std::chrono::seconds(40));
    check_log_frame(r);
    CHECK(parse_json(r.out) == json{{"errorMessage", "Init phase timed out after 10.00 seconds"},
                                    {"errorType", "Runtime.InitError"}});
    watch.check_nothing_left(r);
}

TEST_CASE("a second answer is refused with 403 and the first one stands") {
    const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "twice"}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(parse_json(r.out) == json{{"answer", "first"}});
    check_logged_before_end(r, "first answer: 202 {\"status\":\"OK\"}");
    check_logged_before_end(
        r, R"(second answer: 403 {"errorMessage":"State transition from RuntimeResponseSentState )"
           R"(to InvocationResponse failed for runtime. Error: State transition is not allowed",)"
           R"("errorType":"InvalidStateTransition"})");
}

TEST_CASE("an answer for a wrong request id is refused with 400") {
    const ProcessResult r = invoke_bootstrap(k_misbehaving, {{"do", "wrong_id"}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(parse_json(r.out) == json{{"answer", "right"}});
    check_logged_before_end(
        r, R"(wrong id: 400 {"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
}

TEST_CASE(
    "a response over 6291556 bytes is 413 to the runtime, ResponseSizeTooLarge to the caller") {
    SUBCASE("one byte over") {
        const ProcessResult r =
            invoke_bootstrap(k_misbehaving, {{"do", "big"}, {"bytes", 6291557}});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(parse_json(r.out) ==
              json{{"errorMessage", "Response payload size exceeded maximum allowed payload size "
                                    "(6291556 bytes)."},
                   {"errorType", "Function.ResponseSizeTooLarge"}});
        check_logged_before_end(r, R"(big response: 413 {"errorMessage":"Exceeded maximum allowed )"
                                   R"(payload size (6291556 bytes).","errorType":)"
                                   R"("RequestEntityTooLarge"})");
    }
    SUBCASE("exactly the limit") {
        const ProcessResult r =
            invoke_bootstrap(k_misbehaving, {{"do", "big"}, {"bytes", 6291556}}, {"-q"});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.size() == 6291556);
        CHECK(r.err.find("big response: 202 ") != std::string::npos);
    }
}

TEST_CASE("a missing or unusable bootstrap is Runtime.InvalidEntrypoint") {
    TempDir dir;
    SUBCASE("no bootstrap in the directory") {
        const ProcessResult r = lambda_local({"invoke", "--bootstrap", dir.path()});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        const json payload = parse_json(r.out);
        CHECK(payload["errorType"] == "Runtime.InvalidEntrypoint");
        CHECK(payload["errorMessage"] ==
              "Couldn't find valid bootstrap(s): [" + dir.path() + "/bootstrap]");
    }
    SUBCASE("a bootstrap that is not executable") {
        const std::string bootstrap = dir.write("bootstrap", "#!/bin/sh\nexit 0\n");
        ::chmod(bootstrap.c_str(), 0644);
        const ProcessResult r = lambda_local({"invoke", "--bootstrap", dir.path()});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        const json payload = parse_json(r.out);
        CHECK(payload["errorType"] == "Runtime.InvalidEntrypoint");
        CHECK(payload["errorMessage"].get<std::string>().starts_with("fork/exec " + bootstrap +
                                                                     ": permission denied"));
    }
}

TEST_CASE("--bootstrap and -l name two different functions: a usage error") {
    const ProcessResult r = lambda_local({"invoke", "--bootstrap", sample_library(k_misbehaving),
                                          "-l", sample_library("libhello_c.so")});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
