// End-to-end tests of `lambda-local invoke` on well-behaved functions: the log lines, the
// context, every ABI and language, the event sources, --quiet, and the other commands.
#include "tests/e2e/process.hpp"
#include "tests/e2e/report_line.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <regex>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// The REPORT line of a 128 MB cold start, exactly (docs/commands.md, the REPORT line).
std::regex report_line_pattern(const std::string& request_id, int memory_mb = 128) {
    return std::regex("^REPORT RequestId: " + request_id +
                      "\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\t"
                      "Memory Size: " +
                      std::to_string(memory_mb) +
                      " MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9]+\\.[0-9]{2} ms\t$");
}

// The JSON after "context: " in the classic C sample's output.
json printed_context(const ProcessResult& result) {
    const auto lines = split_lines(result.err);
    const auto at = find_line_starting(lines, "context: ");
    REQUIRE_MESSAGE(at.has_value(), "no context line in stderr:\n" << result.err);
    return parse_json(std::string_view(lines[*at]).substr(9));
}

// The echo handler's response to an event given by these arguments.
json echoed_event(const std::vector<std::string>& event_args, const RunOptions& options = {}) {
    std::vector<std::string> args{"invoke", "-q", "-l", sample_library("libecho_cpp.so")};
    args.insert(args.end(), event_args.begin(), event_args.end());
    const ProcessResult r = lambda_local(args, options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json response = parse_json(r.out);
    REQUIRE(response.contains("event"));
    return response["event"];
}

} // namespace

TEST_SUITE_BEGIN("e2e::invoke");

TEST_CASE("the classic C sample succeeds with payload 0 and Lambda's log lines in order") {
    const std::string event_file = source_file("samples/c-classic/event.json");
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libhello_c.so"), "-e", event_file});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const std::string id = start_request_id(r);
    const auto lines = split_lines(r.err);

    const auto start = find_line(lines, "START RequestId: " + id + " Version: $LATEST");
    const auto event = find_line(lines, "event: " + split_lines(file_text(event_file)).at(0));
    const auto context = find_line_starting(lines, "context: ");
    const auto end = find_line(lines, "END RequestId: " + id);
    const auto report = find_line_starting(lines, "REPORT RequestId: ");
    REQUIRE(start.has_value());
    REQUIRE(event.has_value());
    REQUIRE(context.has_value());
    REQUIRE(end.has_value());
    REQUIRE(report.has_value());
    CHECK(*start < *event);
    CHECK(*event < *context);
    CHECK(*context < *end);
    CHECK(*end < *report);
    CHECK(*report == lines.size() - 1);
    CHECK(r.err.back() == '\n');
    CHECK_MESSAGE(std::regex_match(lines[*report], report_line_pattern(id)),
                  "REPORT line: " << lines[*report]);
}

TEST_CASE("a cold start's REPORT line bills its duration and its init, rounded up to the ms") {
    const ProcessResult r = lambda_local({"invoke", "-l", sample_library("libhello_c.so")});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    ExpectedReport expected;
    expected.request_id = start_request_id(r);
    expected.cold = true;
    const ReportNumbers numbers =
        check_report_line(report_line_of(split_lines(r.err), expected.request_id), expected);
    CHECK(numbers.billed_ms >= 1);
}

TEST_CASE("the classic context carries the function's identity, the request id and the deadline") {
    const std::int64_t before = epoch_ms_now();
    const ProcessResult r = lambda_local({"invoke", "-l", sample_library("libhello_c.so"), "-e",
                                          source_file("samples/c-classic/event.json")});
    const std::int64_t after = epoch_ms_now();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const std::string id = start_request_id(r);
    const json context = printed_context(r);

    CHECK(context["function_name"] == "hello_c");
    CHECK(context["function_version"] == "$LATEST");
    CHECK(context["invoked_function_arn"] ==
          "arn:aws:lambda:us-east-1:123456789012:function:hello_c");
    CHECK(context["memory_limit_in_mb"] == "128");
    CHECK(context["aws_request_id"] == id);
    CHECK(context["log_group_name"] == "/aws/lambda/hello_c");
    REQUIRE(context["log_stream_name"].is_string());
    const std::string stream = context["log_stream_name"].get<std::string>();
    CHECK_MESSAGE(
        std::regex_match(stream, std::regex(R"(^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$)")),
        "log_stream_name: " << stream);
    const std::string date = stream.substr(0, 10);
    CHECK((date == utc_date_slashes(before) || date == utc_date_slashes(after)));
    REQUIRE(context["deadline_ms"].is_number_integer());
    const std::int64_t deadline = context["deadline_ms"].get<std::int64_t>();
    CHECK(deadline >= before + 3000 - 100);
    CHECK(deadline <= after + 3000 + 100);
}

TEST_CASE("the C++ native sample echoes the event with the request id") {
    const std::string event_file = source_file("samples/cpp-native/event.json");
    const ProcessResult r = lambda_local(
        {"invoke", "-l", sample_library("libecho_cpp.so"), "-H", "handle", "-e", event_file});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const std::string id = start_request_id(r);
    const json response = parse_json(r.out);
    CHECK(response["event"] == parse_json(file_text(event_file)));
    CHECK(response["request_id"] == id);
    CHECK(response["function_name"] == "echo_cpp");
    REQUIRE(response["remaining_time_ms"].is_number_integer());
    CHECK(response["remaining_time_ms"].get<int>() > 0);
    CHECK(response["remaining_time_ms"].get<int>() <= 3000);
    // lambda_local_init runs once, inside the invocation's log.
    const auto lines = split_lines(r.err);
    const auto init = find_line(lines, "init: cold start");
    const auto end = find_line(lines, "END RequestId: " + id);
    REQUIRE(init.has_value());
    REQUIRE(end.has_value());
    CHECK(*init < *end);
    CHECK(count_lines_starting(lines, "init: cold start") == 1);
}

TEST_CASE("the Rust classic sample succeeds with payload 0 and prints its event") {
    const std::string library = rust_sample_library("librust_classic.so");
    const std::string event_file = source_file("samples/rust-classic/event.json");
    const ProcessResult r = lambda_local({"invoke", "-l", library, "-e", event_file});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const std::string id = start_request_id(r);
    const auto lines = split_lines(r.err);
    const auto event = find_line(lines, "event: " + split_lines(file_text(event_file)).at(0));
    const auto end = find_line(lines, "END RequestId: " + id);
    REQUIRE(event.has_value());
    REQUIRE(end.has_value());
    CHECK(*event < *end);
}

TEST_CASE("the Rust native sample responds, and fails with its typed error when asked to") {
    const std::string library = rust_sample_library("librust_native.so");

    SUBCASE("success") {
        const std::string event_file = source_file("samples/rust-native/event.json");
        const ProcessResult r = lambda_local({"invoke", "-l", library, "-e", event_file});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        const std::string id = start_request_id(r);
        const json response = parse_json(r.out);
        CHECK(response["message"] == "hello from rust");
        CHECK(response["request_id"] == id);
        CHECK(response["event_bytes"] == file_text(event_file).size());
    }
    SUBCASE("typed error") {
        const ProcessResult r = lambda_local(
            {"invoke", "-l", library, "-e", source_file("samples/rust-native/event-fail.json")});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(parse_json(r.out) ==
              json::parse(
                  R"({"errorMessage":"asked to fail","errorType":"RustError","stackTrace":[]})"));
    }
}

TEST_CASE("a native handler's typed error becomes Lambda's error payload") {
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libecho_cpp.so"), "-H", "fail_typed"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(parse_json(r.out) ==
          json::parse(R"({"errorMessage":"name is required","errorType":"ValidationError",)"
                      R"("stackTrace":[]})"));
    const std::string id = start_request_id(r);
    CHECK(r.err.find("END RequestId: " + id + "\n") != std::string::npos);
}

TEST_CASE("a classic handler's non-zero return is a HandlerError") {
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "return_7"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(parse_json(r.out) ==
          json::parse(R"({"errorMessage":"handler returned 7","errorType":"HandlerError",)"
                      R"("stackTrace":[]})"));
}

TEST_CASE("--abi overrides the detected calling convention") {
    SUBCASE("classic forced on a native library calls it the classic way, without init") {
        const ProcessResult r =
            lambda_local({"invoke", "-l", sample_library("libecho_cpp.so"), "--abi", "classic"});
        INFO(describe(r));
        // The native handler reads the classic arguments as its API table: the environment
        // crashes, which is a function error, never a crash of lambda-local.
        CHECK(r.exit_code == 1);
        const std::string id = start_request_id(r);
        const json payload = parse_json(r.out);
        CHECK(payload["errorType"] == "Runtime.ExitError");
        REQUIRE(payload["errorMessage"].is_string());
        CHECK(payload["errorMessage"].get<std::string>().rfind(
                  "RequestId: " + id + " Error: Runtime exited with error: signal: ", 0) == 0);
        // The classic ABI has no init hook.
        CHECK(r.err.find("init: cold start") == std::string::npos);
        CHECK(r.err.find("END RequestId: " + id + "\n") != std::string::npos);
    }
    SUBCASE("native forced on a classic library is an invalid entrypoint") {
        const ProcessResult r =
            lambda_local({"invoke", "-l", sample_library("libhello_c.so"), "--abi", "native"});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        const json payload = parse_json(r.out);
        CHECK(payload["errorType"] == "Runtime.InvalidEntrypoint");
        REQUIRE(payload["errorMessage"].is_string());
        CHECK(payload["errorMessage"].get<std::string>().find("lambda_local_abi_version") !=
              std::string::npos);
        // Nothing of the handler ran.
        CHECK(r.err.find("event: ") == std::string::npos);
    }
}

TEST_CASE("an event is read from JSON, YAML, standard input or the command line") {
    TempDir dir;

    SUBCASE("a YAML file is converted to JSON") {
        const std::string file =
            dir.write("event.yaml", "name: world\ncount: 3\nratio: 1.5\nok: true\nnothing: null\n"
                                    "quoted: '12'\ntags: [a, \"b\"]\nnested:\n  key: value\n");
        CHECK(echoed_event({"-e", file}) ==
              json::parse(R"({"name":"world","count":3,"ratio":1.5,"ok":true,"nothing":null,)"
                          R"("quoted":"12","tags":["a","b"],"nested":{"key":"value"}})"));
    }
    SUBCASE("a .yml file is YAML too") {
        const std::string file = dir.write("event.yml", "- 1\n- two\n");
        CHECK(echoed_event({"-e", file}) == json::parse(R"([1,"two"])"));
    }
    SUBCASE("'-' reads standard input") {
        RunOptions options;
        options.stdin_data = R"({"from":"stdin","n":[1,2]})";
        CHECK(echoed_event({"-e", "-"}, options) == json::parse(R"({"from":"stdin","n":[1,2]})"));
    }
    SUBCASE("-d gives the event inline") {
        CHECK(echoed_event({"-d", R"({"a":1})"}) == json::parse(R"({"a":1})"));
    }
    SUBCASE("no event is the empty object") {
        CHECK(echoed_event({}) == json::object());
    }
    SUBCASE("a JSON file is passed through") {
        const std::string file = dir.write("event.json", R"({"s":"\u00e9\"","x":[true,null]})");
        CHECK(echoed_event({"-e", file}) == json::parse(R"({"s":"é\"","x":[true,null]})"));
    }
}

TEST_CASE("an event of exactly 6291456 bytes is accepted") {
    TempDir dir;
    // {"x":"aaa...a"}: 8 bytes of syntax around the string.
    const std::string event = R"({"x":")" + std::string(6291456 - 8, 'a') + R"("})";
    REQUIRE(event.size() == 6291456);
    const std::string file = dir.write("limit.json", event);
    const ProcessResult r = lambda_local(
        {"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "handle", "-e", file});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    CHECK(find_line(split_lines(r.err), "ok").has_value());
}

TEST_CASE("--quiet leaves only the handler's own output on stderr") {
    const ProcessResult r = lambda_local(
        {"invoke", "--quiet", "-l", sample_library("libhello_c.so"), "-d", R"({"q":1})"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const auto lines = split_lines(r.err);
    CHECK(find_line(lines, R"(event: {"q":1})").has_value());
    CHECK(find_line_starting(lines, "context: ").has_value());
    CHECK(count_lines_starting(lines, "START ") == 0);
    CHECK(count_lines_starting(lines, "END ") == 0);
    CHECK(count_lines_starting(lines, "REPORT ") == 0);
}

TEST_CASE("a handler's heavy output reaches stderr whole and in order") {
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "print_lots"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const std::string id = start_request_id(r);
    const auto lines = split_lines(r.err);
    const std::string dots = " .................................................";
    auto numbered = [&](std::string_view stream, int n) {
        char number[16];
        std::snprintf(number, sizeof number, "%06d", n);
        return "print_lots: " + std::string(stream) + " line " + number + dots;
    };
    const auto start = find_line(lines, "START RequestId: " + id + " Version: $LATEST");
    const auto end = find_line(lines, "END RequestId: " + id);
    REQUIRE(start.has_value());
    REQUIRE(end.has_value());
    CHECK(count_lines_starting(lines, "print_lots: stdout line ") == 100000);
    CHECK(count_lines_starting(lines, "print_lots: stderr line ") == 1000);
    // Each stream's lines appear once, in order, between START and END.
    for (const std::string_view stream : {"stdout", "stderr"}) {
        const int count = stream == "stdout" ? 100000 : 1000;
        std::size_t at = *start;
        int in_order = 0;
        for (int n = 1; n <= count; ++n) {
            const auto found = find_line(lines, numbered(stream, n), at);
            if (!found || *found > *end) {
                break;
            }
            at = *found + 1;
            ++in_order;
        }
        CHECK_MESSAGE(in_order == count, stream << " lines in order: " << in_order);
    }
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("e2e::commands");

TEST_CASE("lambda-local --version prints the version") {
    const ProcessResult r = lambda_local({"--version"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(std::regex_match(r.out, std::regex("^[0-9]+\\.[0-9]+\\.[0-9]+\n?$")));
}

TEST_CASE("lambda-local invoke --help describes the options and exits 0") {
    const ProcessResult r = lambda_local({"invoke", "--help"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    for (const char* option : {"--library", "--handler", "--event", "--data", "--timeout",
                               "--memory", "--tmp-size", "--env", "--quiet"}) {
        CHECK_MESSAGE(r.out.find(option) != std::string::npos, "missing " << option);
    }
}

TEST_CASE("lambda-local doctor lists every isolation mechanism") {
    const ProcessResult r = lambda_local({"doctor"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const auto lines = split_lines(r.out + r.err);
    for (const char* mechanism :
         {"user namespace", "mount namespace", "pid namespace", "private /tmp",
          "read-only file system", "sandbox user", "resource limits", "memory limit"}) {
        const std::regex line("^\\s*" + std::string(mechanism) + "\\s+(active|inactive)\\b.*");
        bool found = false;
        for (const auto& l : lines) {
            found = found || std::regex_match(l, line);
        }
        CHECK_MESSAGE(found, "no line for " << mechanism);
    }
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
