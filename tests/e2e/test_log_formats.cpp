// End-to-end tests of Lambda's log formats and levels (LoggingConfig) in `invoke`, `serve` (its
// log and the Invoke API's LogResult) and `test`: the platform's JSON records checked field by
// field against the telemetry schema, the application log level's filter, LogResult, and output
// a handler makes hostile (floods without a newline, invalid bytes, forged records).
#include "runtime/util/encoding.hpp"
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// The lines of liblogging.so's `handle`, by what they say (see samples/logging/logging.c).
const std::vector<std::string> k_level_messages = {"at TRACE", "at DEBUG", "at INFO",
                                                   "at WARN",  "at ERROR", "at FATAL"};

ProcessResult invoke_logging(const std::string& handler, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"invoke", "-l", sample_library("liblogging.so"), "-H", handler};
    args.insert(args.end(), extra.begin(), extra.end());
    return lambda_local(args);
}

// Whether a line of `text` is `line`.
bool has_line(const std::string& text, const std::string& line) {
    return find_line(split_lines(text), line).has_value();
}

// Each line as JSON, or null for a line that is not JSON.
std::vector<json> as_json(const std::vector<std::string>& lines) {
    std::vector<json> parsed;
    for (const std::string& line : lines) {
        parsed.push_back(json::parse(line, nullptr, false));
        if (parsed.back().is_discarded()) {
            parsed.back() = nullptr;
        }
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

// Whether `line` is one of the platform's records: {"time","type":"platform.*","record"}, with
// a well-formed time. (A function's forged record has no "time" the platform gave: it is told
// apart by its request id instead.)
bool is_platform_record(const json& line) {
    return line.is_object() && keys(line) == std::set<std::string>{"time", "type", "record"} &&
           line["type"].is_string() && line["type"].get<std::string>().rfind("platform.", 0) == 0 &&
           line["time"].is_string() && parse_iso_utc_ms(line["time"].get<std::string>());
}

// The platform's records of `lines` for `request_id` (or without one: initStart), in order,
// the forged ones left out.
std::vector<json> platform_records(const std::vector<json>& lines) {
    std::vector<json> records;
    for (const json& line : lines) {
        if (is_platform_record(line) &&
            !(line["record"].is_object() && line["record"].value("requestId", "") == "forged")) {
            records.push_back(line);
        }
    }
    return records;
}

std::vector<std::string> types_of(const std::vector<json>& records) {
    std::vector<std::string> types;
    for (const json& record : records) {
        types.push_back(record["type"]);
    }
    return types;
}

// CHECKs a platform.report record against the telemetry schema: requestId, metrics with
// durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB (initDurationMs on a cold start),
// status, and errorType with an error status.
void check_report_record(const json& line, const std::string& request_id, bool cold,
                         const std::string& status = "success") {
    INFO(line.dump());
    REQUIRE(is_platform_record(line));
    CHECK(line["type"] == "platform.report");
    const json& record = line["record"];
    std::set<std::string> expected{"requestId", "metrics", "status"};
    if (status != "success" && status != "timeout") {
        expected.insert("errorType");
    }
    REQUIRE(keys(record) == expected);
    CHECK(record["requestId"] == request_id);
    CHECK(record["status"] == status);
    const json& metrics = record["metrics"];
    std::set<std::string> names{"durationMs", "billedDurationMs", "memorySizeMB",
                                "maxMemoryUsedMB"};
    if (cold) {
        names.insert("initDurationMs");
    }
    REQUIRE(keys(metrics) == names);
    CHECK(metrics["durationMs"].is_number());
    CHECK(metrics["durationMs"].get<double>() >= 0);
    CHECK(metrics["billedDurationMs"].is_number_integer());
    CHECK(metrics["billedDurationMs"].get<long long>() >= 1);
    CHECK(metrics["memorySizeMB"] == 128);
    CHECK(metrics["maxMemoryUsedMB"].is_number_integer());
    CHECK(metrics["maxMemoryUsedMB"].get<long long>() >= 1);
    if (cold) {
        CHECK(metrics["initDurationMs"].is_number());
        // Billed: ceil(durationMs + initDurationMs), of the figures as given.
        const double billed = metrics["billedDurationMs"].get<double>();
        const double sum =
            metrics["durationMs"].get<double>() + metrics["initDurationMs"].get<double>();
        CHECK(billed >= sum - 0.005);
        CHECK(billed < sum + 1.0);
    }
}

// CHECKs the records that open an invocation: platform.initStart on a cold start, then
// platform.start.
void check_start_records(const json& init, const json& start, const std::string& request_id,
                         const std::string& function_name) {
    INFO(init.dump() << "\n" << start.dump());
    CHECK(init["type"] == "platform.initStart");
    CHECK(init["record"] == json{{"initializationType", "on-demand"},
                                 {"phase", "init"},
                                 {"functionName", function_name},
                                 {"functionVersion", "$LATEST"}});
    CHECK(start["type"] == "platform.start");
    CHECK(start["record"] == json{{"requestId", request_id}, {"version", "$LATEST"}});
}

// The function's lines among `lines` that carry one of the handle sample's messages.
std::vector<std::string> messages_of(const std::vector<json>& lines) {
    std::vector<std::string> messages;
    for (const json& line : lines) {
        if (line.is_object() && line.contains("message") && line["message"].is_string() &&
            !line.contains("record")) {
            messages.push_back(line["message"]);
        }
    }
    return messages;
}

// The template of one function of liblogging.so, its LoggingConfig given.
std::string logging_template(const std::string& handler, const std::string& logging_config) {
    const std::string code =
        std::filesystem::path(sample_library("liblogging.so")).parent_path().string();
    return "Transform: AWS::Serverless-2016-10-31\n"
           "Resources:\n"
           "  Logging:\n"
           "    Type: AWS::Serverless::Function\n"
           "    Properties:\n"
           "      CodeUri: " +
           code + "\n      Handler: liblogging.so:" + handler +
           "\n      Runtime: provided.al2023\n" + logging_config;
}

// The lines of a serve log under "[Logging] ", without that prefix.
std::vector<std::string> function_log(const std::string& log) {
    std::vector<std::string> lines;
    const std::string prefix = "[Logging] ";
    for (const std::string& line : split_lines(log)) {
        if (line.rfind(prefix, 0) == 0) {
            lines.push_back(line.substr(prefix.size()));
        }
    }
    return lines;
}

// The log of `serve` once its last line is whole (the server has nothing more to write): the
// reader of its stderr may have read a line only in part. Waits at most 10 s.
std::string whole_log(const ServeProcess& serve) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string log = serve.log();
    while (!log.empty() && log.back() != '\n' && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        log = serve.log();
    }
    return log;
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

} // namespace

TEST_SUITE_BEGIN("e2e::log formats");

TEST_CASE("invoke with the Text format prints every line of the function as written") {
    const ProcessResult r = invoke_logging("handle");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "0");
    const std::string id = start_request_id(r);
    for (const std::string& message : k_level_messages) {
        CHECK(r.err.find("\"message\":\"" + message + "\"") != std::string::npos);
    }
    CHECK(has_line(r.err, "plain text"));
    CHECK(r.err.find(R"x("AWS_LAMBDA_LOG_FORMAT":"Text","AWS_LAMBDA_LOG_LEVEL":"(unset)")x") !=
          std::string::npos);
    // The function's last line has no newline: it is ended before END, not glued to it.
    const std::vector<std::string> lines = split_lines(r.err);
    const auto last = std::find(lines.begin(), lines.end(),
                                R"({"level":"ERROR","message":"a last line without its newline"})");
    REQUIRE(last != lines.end());
    REQUIRE(std::next(last) != lines.end());
    CHECK(*std::next(last) == "END RequestId: " + id);
    CHECK(find_line_starting(lines, "REPORT RequestId: " + id).has_value());
}

TEST_CASE("invoke with the Text format: a timeout mid-line ends the line before END") {
    const ProcessResult r = invoke_logging("cut_off", {"-t", "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const std::vector<std::string> lines = split_lines(r.err);
    const auto cut = std::find(lines.begin(), lines.end(), "a line the timeout cut");
    REQUIRE(cut != lines.end());
    REQUIRE(std::next(cut) != lines.end());
    CHECK(std::next(cut)->rfind("END RequestId: ", 0) == 0);
}

TEST_CASE("invoke with JSON: the platform's records, and the function's lines at INFO and up") {
    const ProcessResult r = invoke_logging("handle", {"--log-format", "JSON"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "0");
    const std::vector<json> lines = as_json(split_lines(r.err));
    const std::vector<json> records = platform_records(lines);
    REQUIRE(types_of(records) ==
            std::vector<std::string>{"platform.initStart", "platform.start", "platform.report"});
    const std::string id = records[1].at("record").at("requestId");
    CHECK(std::regex_match(id, std::regex(k_uuid_pattern)));
    check_start_records(records[0], records[1], id, "logging");
    check_report_record(records[2], id, true);
    // The records open and close the log; the function's lines are between them.
    CHECK(lines.front() == records[0]);
    CHECK(lines.back() == records[2]);

    CHECK(messages_of(lines) == std::vector<std::string>{"at INFO", "at WARN", "at ERROR",
                                                         "at FATAL", "no level", "an invalid level",
                                                         "a numeric level",
                                                         "a last line without its newline"});
    CHECK(has_line(r.err, "plain text"));
    // The forged record is the function's line, kept at INFO, not the platform's.
    CHECK(r.err.find(R"("requestId":"forged")") != std::string::npos);
    // Lambda's variables, as the handler saw them.
    CHECK(r.err.find(R"("AWS_LAMBDA_LOG_FORMAT":"JSON","AWS_LAMBDA_LOG_LEVEL":"INFO")") !=
          std::string::npos);
}

TEST_CASE("invoke with JSON and levels: ERROR keeps ERROR and FATAL, DEBUG shows runtimeDone") {
    const ProcessResult r = invoke_logging(
        "handle", {"--log-format", "json", "--log-level", "ERROR", "--system-log-level", "DEBUG"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::vector<json> lines = as_json(split_lines(r.err));
    CHECK(messages_of(lines) ==
          std::vector<std::string>{"at ERROR", "at FATAL", "a last line without its newline"});
    CHECK_FALSE(has_line(r.err, "plain text"));
    CHECK(r.err.find(R"("requestId":"forged")") == std::string::npos);
    CHECK(r.err.find(R"("AWS_LAMBDA_LOG_LEVEL":"ERROR")") != std::string::npos);
    const std::vector<json> records = platform_records(lines);
    REQUIRE(types_of(records) == std::vector<std::string>{"platform.initStart", "platform.start",
                                                          "platform.runtimeDone",
                                                          "platform.report"});
    const json& done = records[2]["record"];
    REQUIRE(keys(done) == std::set<std::string>{"requestId", "status", "metrics"});
    CHECK(done["requestId"] == records[1].at("record").at("requestId"));
    CHECK(done["status"] == "success");
    REQUIRE(keys(done["metrics"]) == std::set<std::string>{"durationMs", "producedBytes"});
    CHECK(done["metrics"]["producedBytes"] == 1); // the classic ABI's payload, "0"
}

TEST_CASE("invoke with JSON and SystemLogLevel WARN: a crash's records, none for a success") {
    const ProcessResult ok =
        invoke_logging("handle", {"--log-format", "JSON", "--system-log-level", "WARN"});
    REQUIRE(ok.exit_code == 0);
    CHECK(platform_records(as_json(split_lines(ok.err))).empty());

    const ProcessResult crash =
        lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "segfault",
                      "--log-format", "JSON", "--system-log-level", "WARN"});
    INFO(crash.err);
    REQUIRE(crash.exit_code == 1);
    const std::vector<json> records = platform_records(as_json(split_lines(crash.err)));
    REQUIRE(types_of(records) == std::vector<std::string>{"platform.fault", "platform.report"});
    const std::string fault = records[0]["record"];
    CHECK(fault.find(" Error: Runtime exited with error: signal: segmentation fault\n"
                     "Runtime.ExitError") != std::string::npos);
    const std::string id = records[1].at("record").at("requestId");
    CHECK(fault == "RequestId: " + id +
                       " Error: Runtime exited with error: signal: segmentation fault\n"
                       "Runtime.ExitError");
    check_report_record(records[1], id, true, "error");
    CHECK(records[1].at("record").at("errorType") == "Runtime.ExitError");
}

TEST_CASE("invoke with JSON: a timeout's records say timeout and last the timeout") {
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "sleep_forever",
                      "-t", "1", "--log-format", "JSON", "--system-log-level", "DEBUG"});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const std::vector<json> records = platform_records(as_json(split_lines(r.err)));
    REQUIRE(types_of(records) == std::vector<std::string>{"platform.initStart", "platform.start",
                                                          "platform.runtimeDone",
                                                          "platform.report"});
    const std::string id = records[1].at("record").at("requestId");
    CHECK(records[2].at("record").at("status") == "timeout");
    check_report_record(records[3], id, true, "timeout");
    CHECK(records[3].at("record").at("metrics")["durationMs"] == 1000.0);
}

TEST_CASE("invoke --log-result ends stderr with the AWS CLI's line, its LogResult the log's end") {
    for (const std::string format : {"Text", "JSON"}) {
        CAPTURE(format);
        const ProcessResult r = invoke_logging("handle", {"--log-format", format, "--log-result"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const std::vector<std::string> lines = split_lines(r.err);
        REQUIRE(!lines.empty());
        const json cli = parse_json(lines.back());
        REQUIRE(keys(cli) == std::set<std::string>{"StatusCode", "LogResult", "ExecutedVersion"});
        CHECK(cli["StatusCode"] == 200);
        CHECK(cli["ExecutedVersion"] == "$LATEST");
        const auto tail = lambda_local::base64_decode(cli["LogResult"].get<std::string>());
        REQUIRE(tail.has_value());
        CHECK(tail->size() <= 4096);
        // The log's last lines, as shown above the CLI's line.
        const std::vector<std::string> tail_lines = split_lines(*tail);
        REQUIRE(tail_lines.size() >= 3);
        REQUIRE(lines.size() > tail_lines.size());
        CHECK(std::vector<std::string>(lines.end() - 1 - static_cast<long>(tail_lines.size()),
                                       lines.end() - 1) == tail_lines);
        if (format == "JSON") {
            CHECK(parse_json(tail_lines.back())["type"] == "platform.report");
        } else {
            CHECK(tail_lines.back().rfind("REPORT RequestId: ", 0) == 0);
            CHECK(tail_lines[tail_lines.size() - 2].rfind("END RequestId: ", 0) == 0);
        }
    }
    SUBCASE("quiet: the log is not shown, LogResult still carries it, and an error is said") {
        const ProcessResult r = lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"),
                                              "-H", "return_7", "-q", "--log-result"});
        REQUIRE(r.exit_code == 1);
        const std::vector<std::string> lines = split_lines(r.err);
        REQUIRE(lines.size() == 1);
        const json cli = parse_json(lines[0]);
        CHECK(cli["FunctionError"] == "Unhandled");
        const auto tail = lambda_local::base64_decode(cli["LogResult"].get<std::string>());
        REQUIRE(tail.has_value());
        CHECK(tail->rfind("START RequestId: ", 0) == 0);
        CHECK(tail->find("\nREPORT RequestId: ") != std::string::npos);
    }
}

TEST_CASE("invoke: log levels without the JSON format are a usage error") {
    const ProcessResult r = invoke_logging("handle", {"--log-level", "DEBUG"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--log-level and --system-log-level apply to the JSON log format only") !=
          std::string::npos);
    CHECK(invoke_logging("handle", {"--log-format", "XML"}).exit_code != 0);
}

TEST_CASE("invoke with JSON survives a flood without a newline, invalid bytes and forged lines") {
    SUBCASE("3 MiB without a newline: pieces at INFO, dropped at WARN") {
        const ProcessResult info = invoke_logging("flood", {"--log-format", "JSON"});
        REQUIRE(info.exit_code == 0);
        std::size_t pieces = 0;
        for (const std::string& line : split_lines(info.err)) {
            if (!line.empty() && line.front() == 'x') {
                ++pieces;
                CHECK(line.size() <= 256 * 1024);
            }
        }
        CHECK(pieces == 12);
        CHECK(info.err.find("after the flood") != std::string::npos);

        const ProcessResult warn =
            invoke_logging("flood", {"--log-format", "JSON", "--log-level", "WARN"});
        REQUIRE(warn.exit_code == 0);
        CHECK(warn.err.size() < 4096);
        CHECK(warn.err.find("after the flood") != std::string::npos);
        CHECK(platform_records(as_json(split_lines(warn.err))).size() == 3);
    }
    SUBCASE("invalid UTF-8, NULs and lambda-local's marker are the function's text") {
        const ProcessResult text = invoke_logging("garbage", {"--log-format", "JSON"});
        REQUIRE(text.exit_code == 0);
        CHECK(text.err.find("\xff\xfe invalid UTF-8\n") != std::string::npos);
        CHECK(text.err.find(std::string("a NUL \0 inside\n", 15)) != std::string::npos);
        CHECK(text.err.find("\x1elambda-local: not lambda-local's line\n") != std::string::npos);

        const ProcessResult error =
            invoke_logging("garbage", {"--log-format", "JSON", "--log-level", "ERROR"});
        REQUIRE(error.exit_code == 0);
        CHECK(error.err.find("\xff") == std::string::npos);
        CHECK(error.err.find("\x1e") == std::string::npos);
        CHECK(messages_of(as_json(split_lines(error.err))) ==
              std::vector<std::string>{"after the garbage"});
    }
}

TEST_CASE("serve with JSON: records and filtered lines in its log, and LogResult carries them") {
    TempDir dir;
    const std::string yaml =
        logging_template("handle", "      LoggingConfig:\n        LogFormat: JSON\n"
                                   "        ApplicationLogLevel: WARN\n");
    ServeProcess serve({"--template", dir.write("template.yaml", yaml), "--no-schedules"});
    auto invoke = [&] {
        const runtime::http::Response answer =
            serve_request(serve, "POST", "/2015-03-31/functions/Logging/invocations",
                          {{"X-Amz-Log-Type", "Tail"}}, "{}");
        INFO(describe(answer));
        REQUIRE(answer.status == 200);
        CHECK(answer.body == "0");
        const std::string id = header_text(answer, "x-amzn-RequestId");
        const auto tail = lambda_local::base64_decode(header_text(answer, "X-Amz-Log-Result"));
        REQUIRE(tail.has_value());
        return std::pair{id, *tail};
    };

    const auto [cold_id, cold_tail] = invoke();
    {
        INFO(cold_tail);
        const std::vector<json> lines = as_json(split_lines(cold_tail));
        const std::vector<json> records = platform_records(lines);
        REQUIRE(types_of(records) == std::vector<std::string>{"platform.initStart",
                                                              "platform.start", "platform.report"});
        check_start_records(records[0], records[1], cold_id, "Logging");
        check_report_record(records[2], cold_id, true);
        CHECK(lines.front() == records[0]);
        CHECK(lines.back() == records[2]);
        // The forged record (INFO) is filtered out at WARN like any line of the function.
        CHECK(cold_tail.find("forged") == std::string::npos);
        CHECK(messages_of(lines) == std::vector<std::string>{"at WARN", "at ERROR", "at FATAL",
                                                             "a last line without its newline"});
        CHECK(cold_tail.find(R"("AWS_LAMBDA_LOG_LEVEL":"WARN")") != std::string::npos);
    }
    const auto [warm_id, warm_tail] = invoke();
    const std::vector<json> warm = platform_records(as_json(split_lines(warm_tail)));
    REQUIRE(types_of(warm) == std::vector<std::string>{"platform.start", "platform.report"});
    check_report_record(warm[1], warm_id, false);

    // The log shows the same lines under the function's name, in the same order.
    REQUIRE(serve.wait_for_log_count("\"type\":\"platform.report\"", 2) == 2);
    const std::vector<std::string> shown = function_log(whole_log(serve));
    const std::vector<std::string> expected = [&] {
        std::vector<std::string> all = split_lines(cold_tail);
        for (const std::string& line : split_lines(warm_tail)) {
            all.push_back(line);
        }
        return all;
    }();
    CHECK(shown == expected);
}

TEST_CASE("serve --log-format JSON applies to a function given with -l, forged lines and all") {
    ServeProcess serve({"-l", sample_library("liblogging.so"), "-H", "handle", "--function-name",
                        "Logging", "--log-format", "JSON", "--log-level", "TRACE",
                        "--system-log-level", "DEBUG"});
    const runtime::http::Response answer =
        serve_request(serve, "POST", "/2015-03-31/functions/Logging/invocations",
                      {{"X-Amz-Log-Type", "Tail"}}, "{}");
    REQUIRE(answer.status == 200);
    const std::string id = header_text(answer, "x-amzn-RequestId");
    REQUIRE(serve.wait_for_log("\"type\":\"platform.report\",\"record\":{\"requestId\":\"" + id));
    const std::string log = whole_log(serve);
    const std::vector<json> lines = as_json(function_log(log));
    CHECK(messages_of(lines).size() == 10); // every level, no level, invalid, numeric, the last
    const std::vector<json> records = platform_records(lines);
    REQUIRE(types_of(records) == std::vector<std::string>{"platform.initStart", "platform.start",
                                                          "platform.runtimeDone",
                                                          "platform.report"});
    // The function's forged report came before the platform's, which still closes the log.
    CHECK(log.find("\"requestId\":\"forged\"") < log.find("\"type\":\"platform.runtimeDone\""));
    check_report_record(records[3], id, true);
}

TEST_CASE("test runs a file's cases with its log format, and --log-format for the others") {
    TempDir dir;
    const std::string function =
        "function:\n  library: " + sample_library("liblogging.so") + "\n  handler: handle\n";
    dir.write("json.test.yaml", function + R"(  log_format: JSON
  log_level: ERROR
cases:
  - name: logs JSON records
    expect:
      logs_contain: ['"type":"platform.report"', '"message":"at FATAL"']
  - name: drops the lines below ERROR
    expect:
      logs_contain: '"message":"at WARN"'
)");
    dir.write("text.test.yaml", function + R"(cases:
  - name: logs text lines
    expect:
      logs_contain: ["START RequestId: ", "plain text"]
)");
    const ProcessResult r = lambda_local({"test", "-v", dir.path()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("PASS  logs JSON records") != std::string::npos);
    CHECK(r.out.find("FAIL  drops the lines below ERROR") != std::string::npos);
    CHECK(r.out.find("PASS  logs text lines") != std::string::npos);

    // The JSON file's printed logs: records of the schema, the function's lines filtered.
    const std::vector<json> logs = as_json(printed_logs(r.out));
    const std::vector<json> records = platform_records(logs);
    REQUIRE(types_of(records).size() >= 5);
    CHECK(types_of(records)[0] == "platform.initStart");
    CHECK(types_of(records)[1] == "platform.start");
    CHECK(types_of(records)[2] == "platform.report");
    const std::string id = records[1].at("record").at("requestId");
    check_start_records(records[0], records[1], id, "logging");
    check_report_record(records[2], id, true);
    CHECK(types_of(records)[3] == "platform.start");
    check_report_record(records[4], records[3].at("record").at("requestId"), false);

    // --log-format applies to the Text file, not to the file that sets its own.
    const ProcessResult flagged =
        lambda_local({"test", "--log-format", "JSON", "--log-level", "FATAL", dir.path()});
    INFO(flagged.out << flagged.err);
    CHECK(flagged.out.find("PASS  logs JSON records") != std::string::npos);
    CHECK(flagged.out.find("FAIL  logs text lines") != std::string::npos);
}

TEST_CASE("test: a log level without log_format JSON is a broken test file") {
    TempDir dir;
    dir.write("bad.test.yaml", "function:\n  library: " + sample_library("liblogging.so") +
                                   "\n  log_level: DEBUG\ncases:\n  - name: never runs\n");
    const ProcessResult r = lambda_local({"test", dir.path()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad.test.yaml:3: log_level needs log_format: JSON") != std::string::npos);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
