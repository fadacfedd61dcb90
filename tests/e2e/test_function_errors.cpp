// End-to-end tests of the ways a function fails at run time: timeouts, crashes, running out of
// memory and oversized responses, each as Lambda reports it (AWS: Lambda API reference, Invoke;
// docs/commands.md).
#include "tests/e2e/process.hpp"
#include "tests/e2e/report_line.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// Runs a misbehaving handler.
ProcessResult misbehave(const std::string& handler, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"invoke", "-l", sample_library("libmisbehaving.so"), "-H",
                                  handler};
    args.insert(args.end(), extra.begin(), extra.end());
    return lambda_local(args);
}

// Checks one timed-out run: the payload as Lambda answers it today, no timeout line in the log,
// and a REPORT line after END that gives the timeout as the duration and ends with the status.
void check_timeout(const ProcessResult& r, const std::string& seconds_text,
                   const std::string& duration_text) {
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.elapsed < std::chrono::seconds(30));
    const std::string id = start_request_id(r);
    CHECK(r.out == R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )" + id +
                       " Error: Task timed out after " + seconds_text + R"( seconds"})");
    CHECK(r.err.find("Task timed out") == std::string::npos);

    const auto lines = split_lines(r.err);
    const auto sleeping = find_line(lines, "sleeping");
    const auto end = find_line(lines, "END RequestId: " + id);
    REQUIRE(sleeping.has_value());
    REQUIRE(end.has_value());
    CHECK(*sleeping < *end);
    ExpectedReport expected;
    expected.request_id = id;
    expected.cold = true;
    expected.duration = duration_text;
    expected.status = "timeout";
    check_report_line(report_line_of(lines, id, *end), expected);
}

} // namespace

TEST_SUITE_BEGIN("e2e::function_errors");

TEST_CASE("a handler that sleeps past its timeout is killed and reported as Sandbox.Timedout") {
    SUBCASE("-t 1") {
        LeftoverWatch watch;
        const ProcessResult r = misbehave("sleep_forever", {"-t", "1"});
        check_timeout(r, "1.00", "1000.00");
        CHECK(r.elapsed >= std::chrono::milliseconds(950));
        watch.check_nothing_left(r);
    }
    SUBCASE("a fractional timeout keeps its two decimals") {
        const ProcessResult r = misbehave("sleep_forever", {"-t", "1.5"});
        check_timeout(r, "1.50", "1500.00");
    }
}

TEST_CASE("a crash ends the environment with Runtime.ExitError in the runtime's words") {
    struct Crash {
        const char* handler;
        const char* message;
    };
    const Crash crashes[] = {
        {"segfault", "Runtime exited with error: signal: segmentation fault"},
        {"abort_now", "Runtime exited with error: signal: aborted"},
        {"exit_3", "Runtime exited with error: exit status 3"},
        {"exit_0", "Runtime exited without providing a reason"},
    };
    for (const Crash& crash : crashes) {
        SUBCASE(crash.handler) {
            LeftoverWatch watch;
            const ProcessResult r = misbehave(crash.handler);
            INFO(describe(r));
            CHECK(r.exit_code == 1);
            const std::string id = start_request_id(r);
            const std::string message = "RequestId: " + id + " Error: " + crash.message;
            json expected = {{"errorType", "Runtime.ExitError"}, {"errorMessage", message}};
            CHECK(parse_json(r.out) == expected);

            const auto lines = split_lines(r.err);
            const auto logged = find_line(lines, message);
            const auto end = find_line(lines, "END RequestId: " + id);
            REQUIRE(logged.has_value());
            REQUIRE(end.has_value());
            REQUIRE(*logged + 1 < lines.size());
            CHECK(lines[*logged + 1] == "Runtime.ExitError");
            CHECK(*logged < *end);
            ExpectedReport report;
            report.request_id = id;
            report.cold = true;
            report.status = "error\tError Type: Runtime.ExitError";
            check_report_line(report_line_of(lines, id, *end), report);
            watch.check_nothing_left(r);
        }
    }
}

TEST_CASE("a handler that allocates past the memory size is Runtime.OutOfMemory") {
    LeftoverWatch watch;
    const ProcessResult r = misbehave("allocate_forever", {"-t", "20"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.elapsed < std::chrono::seconds(30));
    const std::string id = start_request_id(r);
    const json payload = parse_json(r.out);
    CHECK(payload["errorType"] == "Runtime.OutOfMemory");
    CHECK(payload["errorMessage"] ==
          "RequestId: " + id + " Error: Runtime exited with error: signal: killed");
    const auto lines = split_lines(r.err);
    ExpectedReport expected;
    expected.request_id = id;
    expected.cold = true;
    expected.status = "error\tError Type: Runtime.OutOfMemory";
    CHECK(check_report_line(report_line_of(lines, id), expected).max_memory_used_mb == 128);
    CHECK(find_line(lines, "Runtime.OutOfMemory").has_value());
    watch.check_nothing_left(r);
}

TEST_CASE("a response of up to 6291556 bytes is returned, a larger one is an error") {
    TempDir dir;
    // The echo handler wraps the event in a fixed-size object: measure that wrapping.
    const ProcessResult probe =
        lambda_local({"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-d", "{}"});
    REQUIRE(probe.exit_code == 0);
    const std::size_t wrapping = probe.out.size() - 2;
    REQUIRE(wrapping < 200);
    auto event_of = [&](std::size_t size) {
        return dir.write("event-" + std::to_string(size) + ".json",
                         R"({"x":")" + std::string(size - 8, 'a') + R"("})");
    };

    SUBCASE("exactly 6291556 bytes") {
        const ProcessResult r =
            lambda_local({"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-e",
                          event_of(6291556 - wrapping)});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out.size() == 6291556);
    }
    SUBCASE("one byte more") {
        const ProcessResult r =
            lambda_local({"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-e",
                          event_of(6291556 - wrapping + 1)});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        // Exactly Lambda's two keys (docs/handler-abi.md).
        CHECK(parse_json(r.out) ==
              json::parse(R"({"errorMessage":"Response payload size exceeded maximum allowed )"
                          R"(payload size (6291556 bytes).",)"
                          R"("errorType":"Function.ResponseSizeTooLarge"})"));
    }
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
