// Each expectation of a case against its outcome: responses, errors, HTTP answers, logs, figures.
#include "runtime/testing/expectations.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/testing/diff.hpp"
#include "runtime/testing/matching.hpp"
#include "runtime/util/json_depth.hpp"

#include <algorithm>

namespace lambda_local::runtime::testing {
namespace {

using nlohmann::json;

// errorType and errorMessage of a failed invocation's payload.
struct FunctionError {
    std::string type;
    std::string message;
};

FunctionError function_error(const InvocationResult& result) {
    FunctionError error{result.error_type, ""};
    const json payload = parse_json_bounded<json>(result.payload);
    if (payload.is_object()) {
        if (auto type = payload.find("errorType"); type != payload.end() && type->is_string()) {
            error.type = type->get<std::string>();
        }
        if (auto message = payload.find("errorMessage");
            message != payload.end() && message->is_string()) {
            error.message = message->get<std::string>();
        }
    }
    return error;
}

std::string quoted(const std::string& text) {
    return short_json(json(text), 300);
}

// The failure of comparing JSON values, equal or as a subset; nothing when they match.
std::optional<std::string> compare_json(const std::string& what, const json& expected,
                                        const json& actual, bool subset) {
    const auto mismatches =
        subset ? subset_mismatches(expected, actual) : equal_mismatches(expected, actual);
    if (mismatches.empty()) {
        return std::nullopt;
    }
    std::string text = subset ? what + " does not match the expected subset:\n"
                              : what + " differs from the expected one:\n";
    text += describe_mismatches(mismatches);
    text += json_diff(expected, subset ? project_onto(expected, actual) : actual);
    return text;
}

void check_error(const ErrorExpectation& expected, const CaseOutcome& outcome,
                 std::vector<std::string>& failures) {
    const InvocationResult& result = outcome.invocation;
    if (!outcome.invoked) {
        failures.push_back("expected a function error, but the gateway answered without "
                           "invoking the function");
        return;
    }
    if (result.ok()) {
        failures.push_back("expected a function error" +
                           (expected.type ? " of type " + quoted(*expected.type) : "") +
                           ", but the function succeeded with:\n  " +
                           short_json(payload_json(result.payload), 500));
        return;
    }
    const FunctionError actual = function_error(result);
    if (expected.type && *expected.type != actual.type) {
        failures.push_back("errorType: expected " + quoted(*expected.type) + ", got " +
                           quoted(actual.type) + " (errorMessage: " + quoted(actual.message) + ")");
    }
    if (expected.message && !std::regex_search(actual.message, *expected.message)) {
        failures.push_back("errorMessage: " + quoted(actual.message) + " does not match /" +
                           *expected.message_pattern + "/");
    }
}

void check_response(const Expectation& expect, const CaseOutcome& outcome,
                    std::vector<std::string>& failures) {
    if (!expect.response && !expect.response_subset) {
        return;
    }
    json actual = payload_json(outcome.invocation.payload);
    if (expect.json_body) {
        actual = with_json_body(std::move(actual));
    }
    remove_pointers(actual, expect.ignore);
    const bool subset = !expect.response;
    json expected = subset ? *expect.response_subset : *expect.response;
    if (expect.json_body) {
        expected = with_json_body(std::move(expected));
    }
    if (auto failure = compare_json("the response", expected, actual, subset)) {
        failures.push_back(*failure);
    }
}

// `stream:`: the function streamed (it succeeded: a failure is reported already), with this
// content type, prelude and body.
void check_stream(const StreamExpectation& expect, const InvocationResult& result,
                  std::vector<std::string>& failures) {
    if (!result.streamed) {
        failures.push_back("expected a streamed response, but the function answered whole:\n  " +
                           short_json(payload_json(result.payload), 500));
        return;
    }
    if (expect.content_type && *expect.content_type != result.stream_content_type) {
        failures.push_back("the stream's content type: expected " + quoted(*expect.content_type) +
                           ", got " + quoted(result.stream_content_type));
    }
    std::string_view body = result.payload;
    const bool http_form = result.stream_content_type == k_http_integration_content_type;
    if (http_form) {
        // The prelude, the delimiter, then the body (docs/streaming.md).
        const std::size_t end = body.find(k_http_prelude_delimiter);
        if (end == std::string_view::npos) {
            failures.push_back("the stream is in the HTTP form, but its prelude has no end "
                               "(eight NUL bytes)");
            return;
        }
        const json prelude = parse_json_bounded<json>(body.substr(0, end));
        body.remove_prefix(end + k_http_prelude_delimiter.size());
        if (expect.prelude) {
            if (prelude.is_discarded()) {
                failures.push_back(
                    "the stream's prelude is not JSON: " +
                    quoted(std::string(result.payload.substr(0, std::min<std::size_t>(end, 200)))));
            } else if (auto failure = compare_json("the prelude", *expect.prelude, prelude, true)) {
                failures.push_back(*failure);
            }
        }
    } else if (expect.prelude) {
        failures.push_back("expected an HTTP prelude, but the stream's content type is " +
                           quoted(result.stream_content_type));
    }
    if (expect.body && *expect.body != body) {
        failures.push_back("the streamed bytes differ from the expected ones:\n" +
                           line_diff(*expect.body, std::string(body)));
    }
}

// The `ignore` pointers into an HTTP answer's body ("/body/id"), relative to the body ("/id").
std::vector<std::string> body_pointers(const std::vector<std::string>& ignore) {
    std::vector<std::string> out;
    for (const std::string& pointer : ignore) {
        if (pointer.rfind("/body/", 0) == 0) {
            out.push_back(pointer.substr(5));
        }
    }
    return out;
}

void check_http(const Expectation& expect, const CaseOutcome& outcome,
                std::vector<std::string>& failures) {
    if (!outcome.http) {
        failures.push_back("no HTTP answer");
        return;
    }
    const gateway::HttpResponse& response = *outcome.http;
    if (expect.status && *expect.status != response.status) {
        std::string text = "status: expected " + std::to_string(*expect.status) + ", got " +
                           std::to_string(response.status);
        if (!outcome.invocation.ok() && outcome.invoked) {
            const FunctionError error = function_error(outcome.invocation);
            text += " (the function failed: " + error.type + ": " + error.message + ")";
        }
        failures.push_back(text + "\n  body: " + short_json(json(response.body), 500));
    }
    for (const std::string& problem : header_mismatches(expect.headers, response.headers)) {
        failures.push_back(problem);
    }
    if (expect.body && *expect.body != response.body) {
        failures.push_back("the body differs from the expected one:\n" +
                           line_diff(*expect.body, response.body));
    }
    if (expect.body_json || expect.body_subset) {
        const json body = parse_json_bounded<json>(response.body);
        if (body.is_discarded()) {
            failures.push_back("the body is not JSON: " + short_json(json(response.body), 500));
        } else {
            json actual = body;
            remove_pointers(actual, body_pointers(expect.ignore));
            const bool subset = !expect.body_json;
            if (auto failure = compare_json(
                    "the body", subset ? *expect.body_subset : *expect.body_json, actual, subset)) {
                failures.push_back(*failure);
            }
        }
    }
}

} // namespace

std::vector<std::string> check_expectations(const TestCase& test, const CaseOutcome& outcome) {
    if (!outcome.problem.empty()) {
        return {outcome.problem};
    }
    const Expectation& expect = test.expect;
    const InvocationResult& result = outcome.invocation;
    std::vector<std::string> failures;
    const bool function_failed = outcome.invoked && !result.ok();
    if (expect.error) {
        check_error(*expect.error, outcome, failures);
    } else if (function_failed && (!test.request || !expect.status)) {
        const FunctionError error = function_error(result);
        failures.push_back("the function failed: " + error.type + ": " + error.message);
    }
    if (!test.request && !function_failed) {
        check_response(expect, outcome, failures);
        if (expect.stream) {
            check_stream(*expect.stream, result, failures);
        }
    }
    if (test.request) {
        check_http(expect, outcome, failures);
    }
    for (const std::string& needle : expect.logs_contain) {
        if (outcome.log.find(needle) == std::string::npos) {
            failures.push_back("the log does not contain " + quoted(needle));
        }
    }
    if (outcome.invoked && expect.max_duration_ms && result.duration_ms > *expect.max_duration_ms) {
        failures.push_back("duration " + format_ms(result.duration_ms) +
                           " ms is over max_duration_ms " + format_ms(*expect.max_duration_ms));
    }
    if (outcome.invoked && expect.max_memory_mb &&
        result.max_memory_used_mb > *expect.max_memory_mb) {
        failures.push_back("Max Memory Used " + std::to_string(result.max_memory_used_mb) +
                           " MB is over max_memory_mb " + std::to_string(*expect.max_memory_mb));
    }
    return failures;
}

json snapshot_value(const TestCase& test, const CaseOutcome& outcome) {
    const std::vector<std::string>& ignore = test.expect.ignore;
    if (test.request) {
        json answer = json::object();
        if (outcome.http) {
            answer["status"] = outcome.http->status;
            answer["headers"] = headers_json(outcome.http->headers);
            answer["body"] = payload_json(outcome.http->body);
        }
        remove_pointers(answer, ignore);
        return answer;
    }
    if (outcome.invocation.ok()) {
        json response = payload_json(outcome.invocation.payload);
        if (test.expect.json_body) {
            response = with_json_body(std::move(response));
        }
        remove_pointers(response, ignore);
        return {{"response", response}};
    }
    const FunctionError error = function_error(outcome.invocation);
    json fields = {{"errorType", error.type}, {"errorMessage", error.message}};
    remove_pointers(fields, ignore);
    return {{"error", fields}};
}

std::optional<std::string> check_snapshot(const TestCase& test, const json& actual,
                                          const nlohmann::ordered_json& snapshots) {
    auto found = snapshots.find(test.name);
    if (found == snapshots.end()) {
        return "no snapshot recorded for this case: run with --update to record it";
    }
    const json expected = *found;
    if (auto failure = compare_json("the answer", expected, actual, false)) {
        return "the snapshot does not match (run with --update to accept the new answer):\n" +
               failure->substr(failure->find('\n') + 1);
    }
    return std::nullopt;
}

} // namespace lambda_local::runtime::testing
