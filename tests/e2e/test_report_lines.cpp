// End-to-end tests of the REPORT lines of `invoke`, `test` and `serve` (its log and the Invoke
// API's LogResult): whole lines compared, their Billed Duration checked against their Duration
// and Init Duration, with an init and a handler that sleep (docs/commands.md, the REPORT line). The
// sleeps only set lower bounds: the machine may be slow, never fast.
#include "runtime/util/encoding.hpp"
#include "tests/e2e/process.hpp"
#include "tests/e2e/report_line.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace lambda_local::e2e {

namespace {

constexpr const char* k_timed_out =
    R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )";

// `invoke` of the sleepy sample, its init sleeping 300 ms, with this event and these options.
ProcessResult invoke_sleepy(const std::string& event, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{
        "invoke", "-l", sample_library("libsleepy_init.so"), "--env", "SLEEPY_INIT_MS=300",
        "-d",     event};
    args.insert(args.end(), extra.begin(), extra.end());
    return lambda_local(args);
}

// The log lines of the cases `lambda-local test -v` printed, without their "        | ".
std::vector<std::string> printed_logs(const std::string& out) {
    std::vector<std::string> logs;
    for (const std::string& line : split_lines(out)) {
        const auto bar = line.find("| ");
        if (line.rfind("        |", 0) == 0 && bar != std::string::npos) {
            logs.push_back(line.substr(bar + 2));
        }
    }
    return logs;
}

// The request id of each START line among `lines`, in order.
std::vector<std::string> started_ids(const std::vector<std::string>& lines) {
    std::vector<std::string> ids;
    const std::string start = "START RequestId: ";
    for (const std::string& line : lines) {
        if (line.rfind(start, 0) == 0) {
            ids.push_back(line.substr(start.size(), line.find(' ', start.size()) - start.size()));
        }
    }
    return ids;
}

} // namespace

TEST_SUITE_BEGIN("e2e::report lines");

TEST_CASE("a cold start's REPORT line bills a sleeping init with the sleeping handler") {
    const ProcessResult r = invoke_sleepy(R"({"sleep_ms": 200})");
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "{}");
    ExpectedReport expected;
    expected.request_id = start_request_id(r);
    expected.cold = true;
    const auto lines = split_lines(r.err);
    const ReportNumbers numbers =
        check_report_line(report_line_of(lines, expected.request_id), expected);
    CHECK(numbers.duration >= 200'00);
    REQUIRE(numbers.init_duration.has_value());
    CHECK(*numbers.init_duration >= 300'00);
    CHECK(numbers.billed_ms >= 500);
    CHECK(report_line_of(lines, expected.request_id) == lines.back());
}

TEST_CASE("a timed-out invocation's REPORT line gives its timeout, bills its init, and says so") {
    SUBCASE("-t 1") {
        const ProcessResult r = invoke_sleepy(R"({"sleep_ms": 5000})", {"-t", "1"});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        const std::string id = start_request_id(r);
        CHECK(r.out == k_timed_out + id + R"( Error: Task timed out after 1.00 seconds"})");
        CHECK(r.err.find("Task timed out") == std::string::npos);
        ExpectedReport expected;
        expected.request_id = id;
        expected.cold = true;
        expected.duration = "1000.00";
        expected.status = "timeout";
        const ReportNumbers numbers =
            check_report_line(report_line_of(split_lines(r.err), id), expected);
        REQUIRE(numbers.init_duration.has_value());
        CHECK(*numbers.init_duration >= 300'00);
        CHECK(numbers.billed_ms >= 1300);
    }
    SUBCASE("-t 1.5") {
        const ProcessResult r = invoke_sleepy(R"({"sleep_ms": 5000})", {"-t", "1.5"});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        ExpectedReport expected;
        expected.request_id = start_request_id(r);
        expected.cold = true;
        expected.duration = "1500.00";
        expected.status = "timeout";
        check_report_line(report_line_of(split_lines(r.err), expected.request_id), expected);
    }
}

TEST_CASE("lambda-local test logs a cold, a warm and a warm timed-out REPORT line") {
    TempDir dir;
    const std::string file = dir.write(
        "sleepy.test.yaml", "function:\n  library: " + sample_library("libsleepy_init.so") +
                                "\n  timeout: 1\n  env:\n    SLEEPY_INIT_MS: \"300\"\n"
                                "cases:\n"
                                "  - name: cold\n    event: {sleep_ms: 100}\n"
                                "  - name: warm\n    event: {sleep_ms: 100}\n"
                                "  - name: times out warm\n    event: {sleep_ms: 5000}\n"
                                "    expect:\n      error: {type: Sandbox.Timedout}\n");
    const ProcessResult r = lambda_local({"test", "-v", file});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const std::vector<std::string> logs = printed_logs(r.out);
    const std::vector<std::string> ids = started_ids(logs);
    REQUIRE(ids.size() == 3);

    ExpectedReport cold;
    cold.request_id = ids[0];
    cold.cold = true;
    const ReportNumbers cold_numbers = check_report_line(report_line_of(logs, ids[0]), cold);
    CHECK(cold_numbers.duration >= 100'00);
    CHECK(cold_numbers.init_duration.value_or(0) >= 300'00);

    ExpectedReport warm;
    warm.request_id = ids[1];
    const ReportNumbers warm_numbers = check_report_line(report_line_of(logs, ids[1]), warm);
    CHECK(warm_numbers.duration >= 100'00);

    ExpectedReport timed_out;
    timed_out.request_id = ids[2];
    timed_out.duration = "1000.00";
    timed_out.status = "timeout";
    CHECK(check_report_line(report_line_of(logs, ids[2]), timed_out).billed_ms == 1000);
}

TEST_CASE("serve logs REPORT lines and the Invoke API's LogResult carries them, warm and cold") {
    TempDir dir;
    const std::string code =
        std::filesystem::path(sample_library("libsleepy_init.so")).parent_path().string();
    const std::string yaml = "Transform: AWS::Serverless-2016-10-31\n"
                             "Resources:\n"
                             "  Sleepy:\n"
                             "    Type: AWS::Serverless::Function\n"
                             "    Properties:\n"
                             "      CodeUri: " +
                             code +
                             "\n"
                             "      Handler: libsleepy_init.so:handle\n"
                             "      Runtime: provided.al2023\n"
                             "      Timeout: 1\n"
                             "      Environment:\n"
                             "        Variables:\n"
                             "          SLEEPY_INIT_MS: \"300\"\n";
    ServeProcess serve({"--template", dir.write("template.yaml", yaml), "--no-schedules"});
    // The REPORT line of one invocation, from its LogResult; REQUIREs that it was given.
    auto invoke = [&](const std::string& event, bool timed_out) {
        const runtime::http::Response answer =
            serve_request(serve, "POST", "/2015-03-31/functions/Sleepy/invocations",
                          {{"X-Amz-Log-Type", "Tail"}}, event);
        INFO(describe(answer));
        REQUIRE(answer.status == 200);
        const std::string id = header_text(answer, "x-amzn-RequestId");
        if (timed_out) {
            CHECK(answer.body ==
                  k_timed_out + id + R"( Error: Task timed out after 1.00 seconds"})");
        } else {
            CHECK(answer.body == "{}");
        }
        const auto log = lambda_local::base64_decode(header_text(answer, "X-Amz-Log-Result"));
        REQUIRE(log.has_value());
        CHECK(log->find("Task timed out") == std::string::npos);
        const std::string line = report_line_of(split_lines(*log), id);
        CHECK(serve.wait_for_log("[Sleepy] " + line + "\n"));
        return std::pair{id, line};
    };

    const auto [cold_id, cold_line] = invoke(R"({"sleep_ms": 100})", false);
    ExpectedReport cold;
    cold.request_id = cold_id;
    cold.cold = true;
    CHECK(check_report_line(cold_line, cold).init_duration.value_or(0) >= 300'00);

    const auto [warm_id, warm_line] = invoke(R"({"sleep_ms": 100})", false);
    ExpectedReport warm;
    warm.request_id = warm_id;
    CHECK(check_report_line(warm_line, warm).duration >= 100'00);

    const auto [late_id, late_line] = invoke(R"({"sleep_ms": 5000})", true);
    ExpectedReport late;
    late.request_id = late_id;
    late.duration = "1000.00";
    late.status = "timeout";
    CHECK(check_report_line(late_line, late).billed_ms == 1000);

    // The environment that timed out was ended: the next invocation is a cold start again.
    const auto [again_id, again_line] = invoke("{}", false);
    ExpectedReport again;
    again.request_id = again_id;
    again.cold = true;
    check_report_line(again_line, again);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
