// End-to-end tests of `lambda-local generate-event`: every event's output, --list, the
// errors, and a generated event piped into `lambda-local invoke`.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// The events of --list and the first key of each one's JSON, as in AWS's samples.
const std::vector<std::pair<std::vector<std::string>, std::string>> k_events = {
    {{"apigateway", "aws-proxy"}, "resource"},
    {{"apigateway", "http-api-proxy"}, "version"},
    {{"s3", "put"}, "Records"},
    {{"s3", "delete"}, "Records"},
    {{"sqs", "receive-message"}, "Records"},
    {{"sns", "notification"}, "Records"},
    {{"dynamodb", "update"}, "Records"},
    {{"cloudwatch", "scheduled-event"}, "version"},
    {{"eventbridge", "scheduled-event"}, "version"},
    {{"kinesis", "get-records"}, "Records"},
};

// Runs `generate-event` with these arguments; REQUIREs success and returns the parsed output.
json generated(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"generate-event"};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult r = lambda_local(argv);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    return parse_json(r.out);
}

} // namespace

TEST_SUITE_BEGIN("e2e::generate-event");

TEST_CASE("every event prints one pretty-printed JSON object and a newline") {
    for (const auto& [args, key] : k_events) {
        INFO(args[0] << " " << args[1]);
        const ProcessResult r = lambda_local({"generate-event", args[0], args[1]});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.empty());
        // Two-space indent, AWS's key order (not sorted), a final newline.
        CHECK(r.out.rfind("{\n  \"" + key + "\": ", 0) == 0);
        CHECK(r.out.size() > 3);
        CHECK(r.out.substr(r.out.size() - 2) == "}\n");
        const json event = parse_json(r.out);
        CHECK(event.is_object());
        CHECK(r.out == nlohmann::ordered_json::parse(r.out).dump(2) + "\n");
    }
}

TEST_CASE("the options reach the event") {
    const json api = generated({"apigateway", "aws-proxy", "--method", "POST", "--path",
                                "/orders/7", "--resource", "/orders/{id}", "--body", "{\"qty\":1}",
                                "--query", "a=1&a=2", "--stage", "dev"});
    CHECK(api["httpMethod"] == "POST");
    CHECK(api["pathParameters"] == json{{"id", "7"}});
    CHECK(api["body"] == "{\"qty\":1}");
    CHECK(api["multiValueQueryStringParameters"]["a"] == json::array({"1", "2"}));
    CHECK(api["requestContext"]["path"] == "/dev/orders/7");

    const json s3 = generated({"s3", "put", "--bucket", "photos", "--key", "a b.jpg", "--size",
                               "42", "--region", "eu-central-1"});
    CHECK(s3["Records"][0]["s3"]["bucket"]["name"] == "photos");
    CHECK(s3["Records"][0]["s3"]["object"]["key"] == "a+b.jpg");
    CHECK(s3["Records"][0]["s3"]["object"]["size"] == 42);
    CHECK(s3["Records"][0]["awsRegion"] == "eu-central-1");

    const json kinesis = generated({"kinesis", "get-records", "--data", "hello"});
    CHECK(kinesis["Records"][0]["kinesis"]["data"] == "aGVsbG8=");
    CHECK(kinesis["Records"][0]["kinesis"]["approximateArrivalTimestamp"].is_number_float());

    const json sqs = generated({"sqs", "receive-message", "--body", "job 1", "--queue", "jobs"});
    CHECK(sqs["Records"][0]["body"] == "job 1");
    CHECK(std::regex_match(sqs["Records"][0]["eventSourceARN"].get<std::string>(),
                           std::regex("arn:aws:sqs:us-east-1:[0-9]{12}:jobs")));
}

TEST_CASE("two runs give fresh ids and times") {
    const json first = generated({"sqs", "receive-message"});
    const json second = generated({"sqs", "receive-message"});
    CHECK(first["Records"][0]["messageId"] != second["Records"][0]["messageId"]);
    CHECK(std::regex_match(first["Records"][0]["messageId"].get<std::string>(),
                           std::regex(k_uuid_pattern)));
    const std::int64_t sent =
        std::stoll(first["Records"][0]["attributes"]["SentTimestamp"].get<std::string>());
    CHECK(std::llabs(sent - epoch_ms_now()) < 60000);
}

TEST_CASE("--list names every event with a description") {
    const ProcessResult r = lambda_local({"generate-event", "--list"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const auto lines = split_lines(r.out);
    CHECK(lines.size() == k_events.size());
    for (const auto& [args, key] : k_events) {
        const auto at = find_line_starting(lines, args[0] + " " + args[1] + "  ");
        CHECK_MESSAGE(at.has_value(), args[0] << " " << args[1] << " not in:\n" << r.out);
    }
}

TEST_CASE("an unknown event exits 2 and points to --list") {
    const ProcessResult r = lambda_local({"generate-event", "s3", "nope"});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "lambda-local: error: unknown event 's3 nope' (see --list)\n");
}

TEST_CASE("a missing event or an option of another event exits 2") {
    const ProcessResult missing = lambda_local({"generate-event", "s3"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err ==
          "lambda-local: error: generate-event needs SERVICE and EVENT (see --list)\n");
    const ProcessResult other =
        lambda_local({"generate-event", "sns", "notification", "--bucket", "b"});
    CHECK(other.exit_code == 2);
    CHECK(other.err == "lambda-local: error: --bucket does not apply to 'sns notification'\n");
}

TEST_CASE("a generated event piped into invoke reaches the handler unchanged") {
    for (const auto& [args, key] : k_events) {
        INFO(args[0] << " " << args[1]);
        const ProcessResult generate = lambda_local({"generate-event", args[0], args[1]});
        REQUIRE(generate.exit_code == 0);
        RunOptions options;
        options.stdin_data = generate.out;
        const ProcessResult r = lambda_local(
            {"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-e", "-"}, options);
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        const json response = parse_json(r.out);
        REQUIRE(response.contains("event"));
        CHECK(response["event"] == parse_json(generate.out));
    }
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
