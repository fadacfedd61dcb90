// End-to-end tests of API Gateway's integration timeout under `lambda-local serve`: a route's
// own TimeoutInMillis, and the defaults (REST 29 s → 504, HTTP API 30 s → 503; §3.3).
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <utility>

namespace lambda_local::e2e {

using nlohmann::json;
using runtime::http::Response;

namespace {

constexpr const char* k_rest_timed_out = R"({"message": "Endpoint request timed out"})";
constexpr const char* k_http_timed_out = R"({"message":"Service Unavailable"})";
constexpr const char* k_timed_out_log =
    "lambda-local: the integration timed out; the invocation was stopped";

// A SAM template of one function `name` (Timeout 60 s, far beyond any integration timeout)
// and its `events`, written as YAML lines at the indentation of Events' entries.
std::string write_template(const TempDir& dir, const std::string& name, const std::string& handler,
                           const std::string& events) {
    std::string yaml = "Transform: AWS::Serverless-2016-10-31\nResources:\n";
    yaml += "  " + name + ":\n    Type: AWS::Serverless::Function\n    Properties:\n";
    yaml += "      CodeUri: " + samples_dir() + "\n      Handler: " + handler + "\n";
    yaml += "      Runtime: provided.al2023\n      Timeout: 60\n      Events:\n" + events;
    return dir.write("template.yaml", yaml);
}

// A request and how long its answer took.
struct Timed {
    Response response;
    double seconds = 0;
};

// GET `target`, waiting up to 90 s for the answer (past both default integration timeouts).
Timed timed_request(const ServeProcess& serve, const std::string& target) {
    const auto begin = std::chrono::steady_clock::now();
    Response response = serve_request(serve, "GET", target, {}, {}, std::chrono::seconds(90));
    return {std::move(response),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count()};
}

// CHECKs API Gateway's own answer to an integration timeout: REST 504, HTTP API 503.
void check_timed_out(const Response& response, bool rest) {
    INFO(describe(response));
    CHECK(response.status == (rest ? 504 : 503));
    CHECK(response.body == (rest ? k_rest_timed_out : k_http_timed_out));
    CHECK(header_text(response, "Content-Type") == "application/json");
}

// The REPORT line the function logged just before the access line that starts with `access`;
// "" when there is none.
std::string report_before(const std::string& log, const std::string& function,
                          const std::string& access) {
    const std::vector<std::string> lines = split_lines(log);
    const std::optional<std::size_t> at = find_line_starting(lines, access);
    if (!at) {
        return "";
    }
    const std::string report = "[" + function + "] REPORT RequestId: ";
    for (std::size_t i = *at; i-- > 0;) {
        if (lines[i].starts_with(report)) {
            return lines[i];
        }
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve integration timeout");

TEST_CASE("a route's TimeoutInMillis ends a slow invocation with API Gateway's 504 or 503, "
          "and the next request gets a fresh environment") {
    TempDir dir;
    // `slow` answers after one second: past the 250 ms of /impatient, within /patient's default.
    const std::string events =
        "        RestImpatient:\n"
        "          Type: Api\n"
        "          Properties: {Path: /impatient, Method: GET, TimeoutInMillis: 250}\n"
        "        HttpImpatient:\n"
        "          Type: HttpApi\n"
        "          Properties: {Path: /impatient, Method: GET, TimeoutInMillis: 250}\n"
        "        RestPatient: {Type: Api, Properties: {Path: /patient, Method: GET}}\n"
        "        HttpPatient: {Type: HttpApi, Properties: {Path: /patient, Method: GET}}\n";
    ServeProcess serve({"--template", write_template(dir, "Slow", "libhttp_api.so:slow", events)});

    const Timed rest = timed_request(serve, "/Prod/impatient");
    check_timed_out(rest.response, true);
    CHECK_MESSAGE(rest.seconds < 20, "the REST request took " << rest.seconds << " s");
    const Timed http = timed_request(serve, "/impatient");
    check_timed_out(http.response, false);
    CHECK_MESSAGE(http.seconds < 20, "the HTTP API request took " << http.seconds << " s");
    CHECK(serve.wait_for_log_count(k_timed_out_log, 2) == 2);
    CHECK(serve.wait_for_log("GET /Prod/impatient 504 Slow "));
    CHECK(serve.wait_for_log("GET /impatient 503 Slow "));

    // The stopped environments are gone: the next request is a cold start, and then warm.
    const Response first = serve_request(serve, "GET", "/patient");
    const Response second = serve_request(serve, "GET", "/Prod/patient");
    INFO(describe(first));
    INFO(describe(second));
    REQUIRE(first.status == 200);
    REQUIRE(second.status == 200);
    const json first_body = parse_json(first.body);
    const json second_body = parse_json(second.body);
    CHECK(first_body["environment"] == second_body["environment"]);
    REQUIRE(serve.wait_for_log("GET /Prod/patient 200 Slow "));
    INFO(serve.log());
    CHECK(report_before(serve.log(), "Slow", "GET /patient 200 Slow ").find("\tInit Duration: ") !=
          std::string::npos);
    const std::string warm = report_before(serve.log(), "Slow", "GET /Prod/patient 200 Slow ");
    CHECK_FALSE(warm.empty());
    CHECK(warm.find("\tInit Duration: ") == std::string::npos);
    CHECK(serve.stop() == 0);
}

TEST_CASE("without TimeoutInMillis a REST API gives up after 29 s with 504 and an HTTP API "
          "after 30 s with 503" *
          doctest::timeout(120)) {
    TempDir dir;
    const std::string events =
        "        Rest: {Type: Api, Properties: {Path: /sleepy, Method: GET}}\n"
        "        Http: {Type: HttpApi, Properties: {Path: /sleepy, Method: GET}}\n";
    ServeProcess serve(
        {"--template", write_template(dir, "Sleepy", "libmisbehaving.so:sleep_forever", events)});
    // Both at once, so that the case takes about 30 s rather than 60.
    auto rest =
        std::async(std::launch::async, [&] { return timed_request(serve, "/Prod/sleepy"); });
    auto http = std::async(std::launch::async, [&] { return timed_request(serve, "/sleepy"); });
    const Timed rest_answer = rest.get();
    const Timed http_answer = http.get();
    check_timed_out(rest_answer.response, true);
    check_timed_out(http_answer.response, false);
    // Never before API Gateway's time (the function's own 60 s would give 502/500 instead).
    CHECK_MESSAGE(rest_answer.seconds >= 28, "the REST request took " << rest_answer.seconds);
    CHECK_MESSAGE(http_answer.seconds >= 28, "the HTTP API request took " << http_answer.seconds);
    CHECK(serve.wait_for_log_count(k_timed_out_log, 2) == 2);
    CHECK(serve.wait_for_log("GET /Prod/sleepy 504 Sleepy "));
    CHECK(serve.wait_for_log("GET /sleepy 503 Sleepy "));
    CHECK(serve.stop() == 0);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
