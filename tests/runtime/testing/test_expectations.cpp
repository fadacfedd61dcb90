// Tests of checking a case's outcome against each kind of expectation, and of snapshot values.
#include "runtime/testing/expectations.hpp"

#include "runtime/execution/report.hpp"

#include <doctest/doctest.h>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::testing;
using nlohmann::json;

namespace {

CaseOutcome succeeded(const std::string& payload, std::string log = "") {
    CaseOutcome outcome;
    outcome.invocation.payload = payload;
    outcome.invocation.duration_ms = 5;
    outcome.invocation.max_memory_used_mb = 10;
    outcome.log = std::move(log);
    return outcome;
}

CaseOutcome failed(InvocationStatus status, const std::string& type, const std::string& message) {
    CaseOutcome outcome;
    outcome.invocation.status = status;
    outcome.invocation.error_type = type;
    outcome.invocation.payload = error_payload(type, message, false);
    return outcome;
}

CaseOutcome answered(int status, gateway::HeaderList headers, std::string body) {
    CaseOutcome outcome = succeeded("{}");
    outcome.http = gateway::HttpResponse{status, std::move(headers), std::move(body)};
    return outcome;
}

TestCase http_case() {
    TestCase test;
    test.name = "http";
    test.request = gateway::HttpRequest{};
    return test;
}

std::string joined(const std::vector<std::string>& failures) {
    std::string out;
    for (const auto& f : failures) {
        out += f + "\n";
    }
    return out;
}

} // namespace

TEST_SUITE("runtime::testing::Expectations") {

    TEST_CASE("with no expectations a case passes when the function succeeds") {
        TestCase test;
        CHECK(check_expectations(test, succeeded("null")).empty());
        CHECK(check_expectations(test, failed(InvocationStatus::FunctionError, "Oops", "bad")) ==
              std::vector<std::string>{"the function failed: Oops: bad"});
    }

    TEST_CASE("an equal response passes, a different one fails with the places and a diff") {
        TestCase test;
        test.expect.response = json::parse(R"({"a":1,"b":[1,2]})");
        CHECK(check_expectations(test, succeeded(R"({"b":[1,2],"a":1})")).empty());
        const auto failures = check_expectations(test, succeeded(R"({"a":2,"b":[1,2]})"));
        REQUIRE(failures.size() == 1);
        CHECK(failures[0] == "the response differs from the expected one:\n"
                             "  at /a: expected 1, got 2\n"
                             "--- expected\n"
                             "+++ actual\n"
                             "  {\n"
                             "-   \"a\": 1,\n"
                             "+   \"a\": 2,\n"
                             "    \"b\": [\n"
                             "      1,\n"
                             "      2\n"
                             "  ...\n");
    }

    TEST_CASE("a subset response shows the diff against only the keys asked for") {
        TestCase test;
        test.expect.response_subset = json::parse(R"({"user":{"name":"bob"}})");
        CHECK(
            check_expectations(test, succeeded(R"({"user":{"name":"bob","id":1},"x":2})")).empty());
        const auto failures =
            check_expectations(test, succeeded(R"({"user":{"name":"ann","id":1}})"));
        REQUIRE(failures.size() == 1);
        CHECK(failures[0] == "the response does not match the expected subset:\n"
                             "  at /user/name: expected \"bob\", got \"ann\"\n"
                             "--- expected\n"
                             "+++ actual\n"
                             "  {\n"
                             "    \"user\": {\n"
                             "-     \"name\": \"bob\"\n"
                             "+     \"name\": \"ann\"\n"
                             "    }\n"
                             "  }\n");
    }

    TEST_CASE("json_body compares a JSON string body as JSON, on both sides") {
        TestCase test;
        test.expect.json_body = true;
        test.expect.response = json::parse(R"({"statusCode":200,"body":{"id":1,"tags":["a"]}})");
        CHECK(check_expectations(
                  test, succeeded(R"({"statusCode":200,"body":"{\"tags\":[\"a\"],\"id\":1}"})"))
                  .empty());
        test.expect.response =
            json::parse(R"({"statusCode":200,"body":"{\"id\": 1, \"tags\": [\"a\"]}"})");
        CHECK(check_expectations(
                  test, succeeded(R"({"statusCode":200,"body":"{\"tags\":[\"a\"],\"id\":1}"})"))
                  .empty());
        test.expect.json_body = false;
        CHECK(check_expectations(
                  test, succeeded(R"({"statusCode":200,"body":"{\"tags\":[\"a\"],\"id\":1}"})"))
                  .size() == 1);
    }

    TEST_CASE("ignored fields are removed from the actual response before comparing") {
        TestCase test;
        test.expect.response = json::parse(R"({"a":1})");
        test.expect.ignore = {"/request_id"};
        CHECK(check_expectations(test, succeeded(R"({"a":1,"request_id":"x"})")).empty());
    }

    TEST_CASE("an expected error matches its type exactly and its message by pattern") {
        TestCase test;
        test.expect.error = ErrorExpectation{"ValidationError", "^name .* required$",
                                             std::regex("^name .* required$")};
        const CaseOutcome outcome =
            failed(InvocationStatus::FunctionError, "ValidationError", "name is required");
        CHECK(check_expectations(test, outcome).empty());

        CHECK(check_expectations(test, failed(InvocationStatus::FunctionError, "TypeError",
                                              "name is not required")) ==
              std::vector<std::string>{"errorType: expected \"ValidationError\", got \"TypeError\" "
                                       "(errorMessage: \"name is not required\")"});
        CHECK(check_expectations(test, failed(InvocationStatus::FunctionError, "ValidationError",
                                              "age is required")) ==
              std::vector<std::string>{
                  "errorMessage: \"age is required\" does not match /^name .* required$/"});
        CHECK(check_expectations(test, succeeded(R"({"ok":true})")) ==
              std::vector<std::string>{"expected a function error of type \"ValidationError\", but "
                                       "the function succeeded with:\n  {\"ok\":true}"});
    }

    TEST_CASE("timeouts, crashes and out-of-memory are errors like any other") {
        TestCase test;
        test.expect.error = ErrorExpectation{"Sandbox.Timedout", std::nullopt, std::nullopt};
        CHECK(check_expectations(test, failed(InvocationStatus::Timeout, "Sandbox.Timedout",
                                              "Task timed out after 1.00 seconds"))
                  .empty());
        test.expect.error =
            ErrorExpectation{std::nullopt, "signal: killed", std::regex("signal: killed")};
        CHECK(check_expectations(test, failed(InvocationStatus::OutOfMemory, "Runtime.OutOfMemory",
                                              "Runtime exited with error: signal: killed"))
                  .empty());
    }

    TEST_CASE("the log must contain each expected text") {
        TestCase test;
        test.expect.logs_contain = {"init: cold start", "missing line"};
        CHECK(check_expectations(test, succeeded("1", "START x\ninit: cold start\nEND x\n")) ==
              std::vector<std::string>{"the log does not contain \"missing line\""});
    }

    TEST_CASE("duration and memory must stay within their maximums") {
        TestCase test;
        test.expect.max_duration_ms = 4;
        test.expect.max_memory_mb = 8;
        CHECK(check_expectations(test, succeeded("1")) ==
              std::vector<std::string>{"duration 5.00 ms is over max_duration_ms 4.00",
                                       "Max Memory Used 10 MB is over max_memory_mb 8"});
        test.expect.max_duration_ms = 5;
        test.expect.max_memory_mb = 10;
        CHECK(check_expectations(test, succeeded("1")).empty());
    }

    TEST_CASE("an HTTP case checks status, headers and body of the answer") {
        TestCase test = http_case();
        test.expect.status = 200;
        test.expect.headers = {{"content-type", "application/json"}};
        test.expect.body_json = json::parse(R"({"id":1})");
        const CaseOutcome good =
            answered(200, {{"Content-Type", "application/json"}}, R"({"id": 1})");
        CHECK(check_expectations(test, good).empty());

        const CaseOutcome bad = answered(404, {{"Content-Type", "text/plain"}}, "nope");
        CHECK(joined(check_expectations(test, bad)) ==
              "status: expected 200, got 404\n  body: \"nope\"\n"
              "header content-type: expected 'application/json', got 'text/plain'\n"
              "the body is not JSON: \"nope\"\n");

        TestCase text = http_case();
        text.expect.body = "hello\n";
        CHECK(check_expectations(text, answered(200, {}, "hello\n")).empty());
        CHECK(check_expectations(text, answered(200, {}, "bye\n")) ==
              std::vector<std::string>{"the body differs from the expected one:\n--- expected\n"
                                       "+++ actual\n- hello\n+ bye\n"});

        TestCase subset = http_case();
        subset.expect.body_subset = json::parse(R"({"a":{"b":1}})");
        subset.expect.ignore = {"/body/a/b"};
        CHECK(check_expectations(subset, answered(200, {}, R"({"a":{"c":2}})")).size() == 1);
        subset.expect.ignore.clear();
        CHECK(check_expectations(subset, answered(200, {}, R"({"a":{"b":1,"c":2}})")).empty());
    }

    TEST_CASE("an HTTP case that expects a status accepts the function's failure behind it") {
        TestCase test = http_case();
        CaseOutcome outcome = failed(InvocationStatus::Crashed, "Runtime.ExitError", "boom");
        outcome.http = gateway::HttpResponse{502, {}, R"({"message": "Internal server error"})"};
        CHECK(check_expectations(test, outcome) ==
              std::vector<std::string>{"the function failed: Runtime.ExitError: boom"});
        test.expect.status = 502;
        CHECK(check_expectations(test, outcome).empty());
    }

    TEST_CASE("a case that could not run fails with the reason alone") {
        TestCase test;
        CaseOutcome outcome;
        outcome.problem = "cannot start the execution environment: no worker";
        CHECK(check_expectations(test, outcome) == std::vector<std::string>{outcome.problem});
    }

    TEST_CASE("a snapshot records the response, the error, or the HTTP answer") {
        TestCase test;
        test.expect.ignore = {"/id"};
        CHECK(snapshot_value(test, succeeded(R"({"id":"x","a":1})")) ==
              json::parse(R"({"response":{"a":1}})"));
        CHECK(snapshot_value(test, succeeded("plain")) == json::parse(R"({"response":"plain"})"));
        CHECK(snapshot_value(test, failed(InvocationStatus::FunctionError, "E", "m")) ==
              json::parse(R"({"error":{"errorType":"E","errorMessage":"m"}})"));

        TestCase http = http_case();
        http.expect.ignore = {"/headers/date"};
        CHECK(snapshot_value(http, answered(201, {{"Content-Type", "a/b"}, {"Date", "now"}},
                                            R"({"k":true})")) ==
              json::parse(R"({"status":201,"headers":{"content-type":"a/b"},"body":{"k":true}})"));
    }

    TEST_CASE("a snapshot matches its recorded entry, or fails with the diff") {
        TestCase test;
        test.name = "case one";
        const auto snapshots =
            nlohmann::ordered_json::parse(R"({"case one": {"response": {"a": 1}}})");
        CHECK_FALSE(check_snapshot(test, json::parse(R"({"response":{"a":1}})"), snapshots));
        const auto failure =
            check_snapshot(test, json::parse(R"({"response":{"a":2}})"), snapshots);
        REQUIRE(failure.has_value());
        CHECK(*failure ==
              "the snapshot does not match (run with --update to accept the new answer):\n"
              "  at /response/a: expected 1, got 2\n"
              "--- expected\n"
              "+++ actual\n"
              "  {\n"
              "    \"response\": {\n"
              "-     \"a\": 1\n"
              "+     \"a\": 2\n"
              "    }\n"
              "  }\n");
        test.name = "other";
        CHECK(check_snapshot(test, json(1), snapshots) ==
              "no snapshot recorded for this case: run with --update to record it");
    }

    TEST_CASE("stream: the function streamed these bytes, with this content type") {
        TestCase test;
        test.expect.stream = StreamExpectation{std::string("chunk 1\nchunk 2\n"), "text/plain", {}};
        CaseOutcome outcome = succeeded("chunk 1\nchunk 2\n");
        outcome.invocation.streamed = true;
        outcome.invocation.stream_content_type = "text/plain";
        CHECK(check_expectations(test, outcome).empty());

        outcome.invocation.payload = "chunk 1\n";
        outcome.invocation.stream_content_type = "application/octet-stream";
        const auto failures = check_expectations(test, outcome);
        REQUIRE(failures.size() == 2);
        CHECK(failures[0] == "the stream's content type: expected \"text/plain\", got "
                             "\"application/octet-stream\"");
        CHECK(failures[1].rfind("the streamed bytes differ from the expected ones:", 0) == 0);

        // A function that answered whole did not stream.
        const auto whole = check_expectations(test, succeeded(R"({"a":1})"));
        REQUIRE(whole.size() == 1);
        CHECK(whole[0].rfind("expected a streamed response, but the function answered whole", 0) ==
              0);
    }

    TEST_CASE("stream: an HTTP stream's prelude is matched as a subset, its body after it") {
        TestCase test;
        test.expect.stream = StreamExpectation{
            std::string("hello world\n"), {}, json::parse(R"({"statusCode":201})")};
        const std::string prelude = R"({"statusCode":201,"headers":{"x-streamed":"yes"}})";
        CaseOutcome outcome =
            succeeded(prelude + std::string(k_http_prelude_delimiter) + "hello world\n");
        outcome.invocation.streamed = true;
        outcome.invocation.stream_content_type = std::string(k_http_integration_content_type);
        CHECK(check_expectations(test, outcome).empty());

        test.expect.stream->prelude = json::parse(R"({"statusCode":200})");
        const auto failures = check_expectations(test, outcome);
        REQUIRE(failures.size() == 1);
        CHECK(failures[0].rfind("the prelude does not match the expected subset:", 0) == 0);

        // No delimiter: not a prelude at all.
        outcome.invocation.payload = prelude;
        const auto cut = check_expectations(test, outcome);
        REQUIRE(cut.size() == 1);
        CHECK(cut[0].find("its prelude has no end") != std::string::npos);

        // A prelude is expected of a plain stream.
        outcome.invocation.stream_content_type = "text/plain";
        const auto plain = check_expectations(test, outcome);
        REQUIRE(!plain.empty());
        CHECK(plain[0] ==
              "expected an HTTP prelude, but the stream's content type is \"text/plain\"");
    }
} // TEST_SUITE
