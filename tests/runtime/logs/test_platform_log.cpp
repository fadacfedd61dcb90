// Tests of PlatformLog: the platform's lines around an invocation, in Lambda's text and as the
// JSON records of the telemetry schema (AWS: Telemetry API schema reference), checked field by
// field.
#include "runtime/logs/platform_log.hpp"

#include "runtime/execution/report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

using namespace lambda_local::runtime;
using nlohmann::json;

namespace {

const std::string k_id = "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa";
// 2022-10-12T00:01:15.064Z
const lambda_local::WallClock::time_point k_time{std::chrono::milliseconds(1665532875064)};

FunctionSpec function(LogFormat format, LogLevel system_level = LogLevel::Info) {
    FunctionSpec spec;
    spec.name = "orders";
    spec.memory_mb = 256;
    spec.timeout_s = 3;
    spec.logging.format = format;
    spec.logging.system_level = system_level;
    return spec;
}

InvocationResult success(bool cold) {
    InvocationResult result;
    result.payload = R"({"ok":true})";
    result.duration_ms = 12.346;
    result.max_memory_used_mb = 21;
    if (cold) {
        result.init_duration_ms = 171.994;
    }
    return result;
}

InvocationResult crashed() {
    InvocationResult result;
    result.status = InvocationStatus::Crashed;
    result.error_type = "Runtime.ExitError";
    result.duration_ms = 4.5;
    result.max_memory_used_mb = 9;
    result.log_lines = {"RequestId: " + k_id +
                            " Error: Runtime exited with error: signal: segmentation fault",
                        "Runtime.ExitError"};
    return result;
}

// Each line of `text` as JSON; REQUIREs that every line is one JSON object.
std::vector<json> records(const std::string& text) {
    std::vector<json> parsed;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        REQUIRE_MESSAGE(end != std::string::npos, "a line without its newline: " << text);
        json line = json::parse(text.substr(start, end - start), nullptr, false);
        REQUIRE_MESSAGE(line.is_object(), text.substr(start, end - start));
        parsed.push_back(std::move(line));
        start = end + 1;
    }
    return parsed;
}

std::set<std::string> keys(const json& object) {
    std::set<std::string> names;
    for (const auto& item : object.items()) {
        names.insert(item.key());
    }
    return names;
}

// The envelope every record has: time, type and record, nothing else.
void check_envelope(const json& line, const std::string& type) {
    REQUIRE(keys(line) == std::set<std::string>{"time", "type", "record"});
    CHECK(line["time"] == "2022-10-12T00:01:15.064Z");
    CHECK(line["type"] == type);
}

std::vector<std::string> types(const std::vector<json>& lines) {
    std::vector<std::string> names;
    for (const json& line : lines) {
        names.push_back(line["type"]);
    }
    return names;
}

} // namespace

TEST_SUITE("runtime::PlatformLog") {

    TEST_CASE("Text: START, the error lines, END and REPORT, as report.hpp words them") {
        const PlatformLog log(function(LogFormat::Text));
        CHECK(log.start(k_id, true, k_time) == start_line(k_id));
        CHECK(log.start(k_id, false, k_time) == start_line(k_id));
        CHECK(log.init_start(k_time).empty());
        const InvocationResult ok = success(true);
        CHECK(log.end(k_id, ok, k_time) ==
              end_line(k_id) + report_line(k_id, report_figures(ok, 256, 3)));
        const InvocationResult crash = crashed();
        CHECK(log.end(k_id, crash, k_time) == crash.log_lines[0] + "\n" + crash.log_lines[1] +
                                                  "\n" + end_line(k_id) +
                                                  report_line(k_id, report_figures(crash, 256, 3)));
        CHECK(log.faults({"[ERROR] Runtime.InitError: boom"}, k_time) ==
              "[ERROR] Runtime.InitError: boom\n");
    }

    TEST_CASE("JSON: a cold start opens with platform.initStart, then platform.start") {
        const PlatformLog log(function(LogFormat::Json));
        std::vector<json> lines = records(log.start(k_id, true, k_time));
        REQUIRE(lines.size() == 2);
        check_envelope(lines[0], "platform.initStart");
        const json& init = lines[0]["record"];
        REQUIRE(keys(init) == std::set<std::string>{"initializationType", "phase", "functionName",
                                                    "functionVersion"});
        CHECK(init["initializationType"] == "on-demand");
        CHECK(init["phase"] == "init");
        CHECK(init["functionName"] == "orders");
        CHECK(init["functionVersion"] == "$LATEST");

        check_envelope(lines[1], "platform.start");
        CHECK(lines[1]["record"] == json{{"requestId", k_id}, {"version", "$LATEST"}});

        std::vector<json> warm = records(log.start(k_id, false, k_time));
        CHECK(types(warm) == std::vector<std::string>{"platform.start"});
    }

    TEST_CASE("JSON: platform.report carries the REPORT line's figures, platform.runtimeDone at "
              "DEBUG") {
        const InvocationResult ok = success(true);
        const ReportFigures figures = report_figures(ok, 256, 3);
        const PlatformLog log(function(LogFormat::Json, LogLevel::Debug));
        std::vector<json> lines = records(log.end(k_id, ok, k_time));
        REQUIRE(types(lines) ==
                std::vector<std::string>{"platform.runtimeDone", "platform.report"});

        check_envelope(lines[0], "platform.runtimeDone");
        const json& done = lines[0]["record"];
        REQUIRE(keys(done) == std::set<std::string>{"requestId", "status", "metrics"});
        CHECK(done["requestId"] == k_id);
        CHECK(done["status"] == "success");
        REQUIRE(keys(done["metrics"]) == std::set<std::string>{"durationMs", "producedBytes"});
        CHECK(done["metrics"]["durationMs"] == 12.35);
        CHECK(done["metrics"]["producedBytes"] == ok.payload.size());

        check_envelope(lines[1], "platform.report");
        const json& report = lines[1]["record"];
        REQUIRE(keys(report) == std::set<std::string>{"requestId", "metrics", "status"});
        CHECK(report["requestId"] == k_id);
        CHECK(report["status"] == "success");
        const json& metrics = report["metrics"];
        REQUIRE(keys(metrics) == std::set<std::string>{"durationMs", "billedDurationMs",
                                                       "memorySizeMB", "maxMemoryUsedMB",
                                                       "initDurationMs"});
        CHECK(metrics["durationMs"] == 12.35);
        CHECK(metrics["billedDurationMs"] == billed_duration_ms(figures));
        CHECK(metrics["billedDurationMs"] == 185); // ceil(12.35 + 171.99)
        CHECK(metrics["memorySizeMB"] == 256);
        CHECK(metrics["maxMemoryUsedMB"] == 21);
        CHECK(metrics["initDurationMs"] == 171.99);
        CHECK(metrics["durationMs"].is_number_float());
        CHECK(metrics["billedDurationMs"].is_number_integer());
        CHECK(metrics["memorySizeMB"].is_number_integer());

        // A warm start has no initDurationMs.
        std::vector<json> warm = records(log.end(k_id, success(false), k_time));
        CHECK_FALSE(warm[1].at("record").at("metrics").contains("initDurationMs"));
    }

    TEST_CASE("JSON: a handler's own error completes: success, no errorType") {
        InvocationResult failed = success(false);
        failed.status = InvocationStatus::FunctionError;
        failed.error_type = "ValidationError";
        failed.payload = R"({"errorMessage":"quantity","errorType":"ValidationError"})";
        std::vector<json> lines = records(
            PlatformLog(function(LogFormat::Json, LogLevel::Debug)).end(k_id, failed, k_time));
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].at("record").at("status") == "success");
        CHECK(lines[0].at("record").at("metrics")["producedBytes"] == 0);
        CHECK(lines[1].at("record").at("status") == "success");
        CHECK_FALSE(lines[1]["record"].contains("errorType"));
    }

    TEST_CASE("JSON: a timeout reports status timeout and lasts exactly its timeout") {
        InvocationResult timeout;
        timeout.status = InvocationStatus::Timeout;
        timeout.error_type = "Sandbox.Timedout";
        timeout.duration_ms = 3000.87;
        timeout.max_memory_used_mb = 30;
        std::vector<json> lines = records(
            PlatformLog(function(LogFormat::Json, LogLevel::Debug)).end(k_id, timeout, k_time));
        REQUIRE(types(lines) ==
                std::vector<std::string>{"platform.runtimeDone", "platform.report"});
        CHECK(lines[0].at("record").at("status") == "timeout");
        CHECK_FALSE(lines[0]["record"].contains("errorType"));
        const json& report = lines[1]["record"];
        CHECK(report["status"] == "timeout");
        CHECK_FALSE(report.contains("errorType"));
        CHECK(report["metrics"]["durationMs"] == 3000.0);
        CHECK(report["metrics"]["billedDurationMs"] == 3000);
    }

    TEST_CASE("JSON: a crash is a platform.fault, then status error with its errorType") {
        const InvocationResult crash = crashed();
        std::vector<json> lines = records(
            PlatformLog(function(LogFormat::Json, LogLevel::Debug)).end(k_id, crash, k_time));
        REQUIRE(types(lines) == std::vector<std::string>{"platform.fault", "platform.runtimeDone",
                                                         "platform.report"});
        check_envelope(lines[0], "platform.fault");
        CHECK(lines[0]["record"] == crash.log_lines[0] + "\n" + crash.log_lines[1]);
        CHECK(lines[1].at("record").at("status") == "error");
        CHECK(lines[1].at("record").at("errorType") == "Runtime.ExitError");
        CHECK(lines[2].at("record").at("status") == "error");
        CHECK(lines[2].at("record").at("errorType") == "Runtime.ExitError");
        CHECK(lines[2].at("record").at("metrics")["maxMemoryUsedMB"] == 9);
    }

    TEST_CASE("JSON: a Sandbox error type is status failure") {
        InvocationResult result = crashed();
        result.error_type = "Sandbox.Failure";
        std::vector<json> lines =
            records(PlatformLog(function(LogFormat::Json)).end(k_id, result, k_time));
        CHECK(lines.back().at("record").at("status") == "failure");
        CHECK(lines.back().at("record").at("errorType") == "Sandbox.Failure");
    }

    TEST_CASE("SystemLogLevel leaves out the records below it") {
        const InvocationResult ok = success(true);
        const InvocationResult crash = crashed();
        SUBCASE("DEBUG: every record") {
            PlatformLog log(function(LogFormat::Json, LogLevel::Debug));
            CHECK(types(records(log.start(k_id, true, k_time))).size() == 2);
            CHECK(types(records(log.end(k_id, ok, k_time))).size() == 2);
        }
        SUBCASE("INFO, the default: no runtimeDone") {
            PlatformLog log(function(LogFormat::Json));
            CHECK(types(records(log.start(k_id, true, k_time))) ==
                  std::vector<std::string>{"platform.initStart", "platform.start"});
            CHECK(types(records(log.end(k_id, ok, k_time))) ==
                  std::vector<std::string>{"platform.report"});
            CHECK(types(records(log.end(k_id, crash, k_time))) ==
                  std::vector<std::string>{"platform.fault", "platform.report"});
        }
        SUBCASE("WARN: only what did not go well") {
            PlatformLog log(function(LogFormat::Json, LogLevel::Warn));
            CHECK(log.start(k_id, true, k_time).empty());
            CHECK(log.init_start(k_time).empty());
            CHECK(log.end(k_id, ok, k_time).empty());
            CHECK(types(records(log.end(k_id, crash, k_time))) ==
                  std::vector<std::string>{"platform.fault", "platform.report"});
        }
    }

    TEST_CASE("JSON records stay valid JSON whatever a handler put in its error type") {
        InvocationResult result = crashed();
        result.status = InvocationStatus::InitError;
        result.error_type = "Bad\xff\xfeType\"\n";
        result.log_lines = {"[ERROR] Bad\xff: \"quoted\"\nsecond line\x01"};
        std::string text = PlatformLog(function(LogFormat::Json)).end(k_id, result, k_time);
        std::vector<json> lines = records(text); // every line parses
        REQUIRE(lines.size() == 2);
        CHECK(lines[0]["record"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);
        CHECK(lines[1].at("record").at("errorType") == "Bad\xef\xbf\xbd\xef\xbf\xbdType\"\n");
    }

    TEST_CASE("no error lines, no fault record") {
        CHECK(PlatformLog(function(LogFormat::Json)).faults({}, k_time).empty());
        CHECK(PlatformLog(function(LogFormat::Text)).faults({}, k_time).empty());
    }

} // TEST_SUITE
