// End-to-end tests of `lambda-local serve` as API Gateway, with real clients: route precedence
// (docs/serve.md, routing), stage prefixes, the gateway's own answers, the proxy events of both
// payload formats field by field (§1, §2), and how function responses are mapped (§3).
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <strings.h>

#include <ctime>
#include <filesystem>
#include <regex>

namespace lambda_local::e2e {

using nlohmann::json;
using runtime::http::Response;

namespace {

constexpr const char* k_not_found = R"({"message":"Not Found"})";
constexpr const char* k_missing_token = R"({"message":"Missing Authentication Token"})";
constexpr const char* k_rest_internal_error = R"({"message": "Internal server error"})";
constexpr const char* k_http_internal_error = R"({"message":"Internal Server Error"})";
// The 8 bytes of a PNG signature: what the `binary` sample sends, base64-encoded.
constexpr std::string_view k_png_signature{"\x89PNG\r\n\x1a\n", 8};

// The event the `echo` sample received, from its answer (REQUIREs a 200 from echo).
json echoed_event(const Response& response) {
    INFO(describe(response));
    REQUIRE(response.status == 200);
    CHECK(header_text(response, "X-Handler") == "echo");
    return parse_json(response.body);
}

// CHECKs a REST API's answer to a request no route takes.
void check_missing_token(const Response& response) {
    INFO(describe(response));
    CHECK(response.status == 403);
    CHECK(response.body == k_missing_token);
    CHECK(header_text(response, "x-amzn-ErrorType") == "MissingAuthenticationTokenException");
    CHECK(header_text(response, "Content-Type") == "application/json");
    CHECK(std::regex_match(header_text(response, "x-amzn-RequestId"), std::regex(k_uuid_pattern)));
    CHECK_FALSE(header_text(response, "x-amz-apigw-id").empty());
}

// CHECKs an HTTP API's answer to a request no route takes.
void check_not_found(const Response& response) {
    INFO(describe(response));
    CHECK(response.status == 404);
    CHECK(response.body == k_not_found);
    CHECK(header_text(response, "Content-Type") == "application/json");
    CHECK(response.header("x-amzn-ErrorType") == nullptr);
    CHECK(header_text(response, "apigw-requestid").size() == 16); // "LV7fzho-PHcEJPw="
}

// CHECKs the answer to a failed function: REST 502, HTTP API 500 (§3.3).
void check_function_failed(const Response& response, bool rest) {
    INFO(describe(response));
    if (rest) {
        CHECK(response.status == 502);
        CHECK(response.body == k_rest_internal_error);
        CHECK(header_text(response, "x-amzn-ErrorType") == "InternalServerErrorException");
    } else {
        CHECK(response.status == 500);
        CHECK(response.body == k_http_internal_error);
    }
    CHECK(header_text(response, "Content-Type") == "application/json");
}

// "dd/Mon/yyyy:HH:MM:SS +0000" (CLF, UTC) of an epoch time in ms.
std::string clf_time(std::int64_t epoch_ms) {
    std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[64];
    std::strftime(text, sizeof text, "%d/%b/%Y:%H:%M:%S +0000", &utc);
    return text;
}

// CHECKs that an event's time fields name a moment within [before, after] (epoch ms) and agree.
void check_request_time(const json& time_text, const json& epoch, std::int64_t before,
                        std::int64_t after) {
    REQUIRE(epoch.is_number_integer());
    const std::int64_t ms = epoch.get<std::int64_t>();
    CHECK(ms >= before - 1000); // milliseconds, not seconds
    CHECK(ms <= after + 1000);
    CHECK(time_text == clf_time(ms));
}

bool matches(const json& value, const char* pattern) {
    return value.is_string() && std::regex_match(value.get<std::string>(), std::regex(pattern));
}

// `serve -q -l libhttp_api.so -H echo` with these routes and further arguments.
ServeProcess serve_echo(const std::vector<std::string>& routes,
                        const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"-q", "-l", sample_library("libhttp_api.so"), "-H", "echo"};
    for (const std::string& route : routes) {
        args.insert(args.end(), {"--route", route});
    }
    args.insert(args.end(), more.begin(), more.end());
    return ServeProcess(args);
}

// A SAM template serving the samples through a REST API (stage Prod, binary media types
// image/png and application/octet-stream) and an HTTP API. Each function is at its path on the
// APIs its `apis` names: R (REST), H (HTTP API, 2.0), 1 (HTTP API, 1.0, at <path>-v1).
std::string write_responses_template(const TempDir& dir) {
    struct Function {
        const char* name;
        const char* handler;
        const char* path;
        std::string_view apis;
        int timeout = 10;
    };
    const Function functions[] = {
        {"Echo", "libhttp_api.so:echo", "/echo", "RH1"},
        {"Binary", "libhttp_api.so:binary", "/binary", "RH"},
        {"CookiesV1", "libhttp_api.so:cookies_v1", "/cookies", "R1"},
        {"CookiesV2", "libhttp_api.so:cookies_v2", "/cookies", "H"},
        {"Bare", "libhttp_api.so:bare_string", "/bare", "RH"},
        {"Malformed", "libhttp_api.so:malformed", "/malformed", "RH"},
        {"Failing", "libecho_cpp.so:fail_typed", "/fail", "RH"},
        {"Crash", "libmisbehaving.so:segfault", "/crash", "RH"},
        {"Sleepy", "libmisbehaving.so:sleep_forever", "/sleepy", "RH", 1},
    };
    std::string yaml = "Transform: AWS::Serverless-2016-10-31\nGlobals:\n"
                       "  Function: {CodeUri: " +
                       samples_dir() +
                       ", Runtime: provided.al2023}\n"
                       "  Api: {BinaryMediaTypes: [image~1png, application~1octet-stream]}\n"
                       "Resources:\n";
    for (const Function& f : functions) {
        const std::string path = f.path;
        yaml += std::string("  ") + f.name + ":\n    Type: AWS::Serverless::Function\n" +
                "    Properties:\n      Handler: " + f.handler +
                "\n      Timeout: " + std::to_string(f.timeout) + "\n      Events:\n";
        if (f.apis.find('R') != std::string_view::npos) {
            yaml += "        Rest: {Type: Api, Properties: {Path: " + path + ", Method: any}}\n";
        }
        if (f.apis.find('H') != std::string_view::npos) {
            yaml +=
                "        Http: {Type: HttpApi, Properties: {Path: " + path + ", Method: ANY}}\n";
        }
        if (f.apis.find('1') != std::string_view::npos) {
            yaml += "        V1: {Type: HttpApi, Properties: {Path: " + path +
                    "-v1, Method: ANY, PayloadFormatVersion: '1.0'}}\n";
        }
    }
    return dir.write("template.yaml", yaml);
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve gateway");

TEST_CASE("an HTTP API follows AWS's worked example of route precedence (python requests)") {
    ServeProcess serve = serve_echo({"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}",
                                     "ANY /{proxy+}", "$default", "GET /orders", "ANY /orders",
                                     "GET /store/{proxy+}", "ANY /files/{path+}"});
    const std::string script = R"(
import json, sys, requests
base = sys.argv[1]
out = []
session = requests.Session()  # one kept-alive connection for every request
for method, path in json.loads(sys.argv[2]):
    r = session.request(method, base + path, timeout=30)
    event = r.json() if r.status_code == 200 else {}
    out.append({"status": r.status_code, "handler": r.headers.get("X-Handler"),
                "routeKey": event.get("routeKey"), "contextRouteKey":
                event.get("requestContext", {}).get("routeKey"),
                "method": event.get("requestContext", {}).get("http", {}).get("method"),
                "pathParameters": event.get("pathParameters")})
print(json.dumps(out))
)";
    struct Case {
        const char* method;
        const char* path;
        const char* route;
        json parameters; // null: omitted from the event
    };
    const std::vector<Case> cases = {
        // AWS's table (§4).
        {"GET", "/pets/dog/1", "GET /pets/dog/1", nullptr},
        {"GET", "/pets/dog/2", "GET /pets/dog/{id}", {{"id", "2"}}},
        {"GET", "/pets/cat/1", "GET /pets/{proxy+}", {{"proxy", "cat/1"}}},
        {"POST", "/test/5", "ANY /{proxy+}", {{"proxy", "test/5"}}},
        // A greedy route needs a non-empty remainder: "/" falls to $default.
        {"GET", "/", "$default", nullptr},
        // No 405: a method mismatch falls through to the next candidate.
        {"POST", "/pets/dog/1", "ANY /{proxy+}", {{"proxy", "pets/dog/1"}}},
        {"DELETE", "/pets/dog/2", "ANY /{proxy+}", {{"proxy", "pets/dog/2"}}},
        // An exact method beats ANY on the same path.
        {"GET", "/orders", "GET /orders", nullptr},
        {"POST", "/orders", "ANY /orders", nullptr},
        {"PATCH", "/orders", "ANY /orders", nullptr},
        // The longest greedy prefix wins; /store itself is not /store/{proxy+}.
        {"GET", "/store/items/7", "GET /store/{proxy+}", {{"proxy", "items/7"}}},
        {"GET", "/store", "ANY /{proxy+}", {{"proxy", "store"}}},
        // Path parameters are percent-decoded; a greedy one is named as its route names it.
        {"GET", "/pets/dog/a%20b", "GET /pets/dog/{id}", {{"id", "a b"}}},
        {"GET", "/pets/dog/a%2Fb", "GET /pets/dog/{id}", {{"id", "a/b"}}},
        {"PUT", "/files/x/y%20z", "ANY /files/{path+}", {{"path", "x/y z"}}},
    };
    json requests = json::array();
    for (const Case& c : cases) {
        requests.push_back({c.method, c.path});
    }
    json answers = run_python_json(script, {serve.url(), requests.dump()});
    REQUIRE(answers.size() == cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        json& a = answers[i];
        INFO(c.method << " " << c.path << " -> " << a.dump());
        CHECK(a["status"] == 200);
        CHECK(a["handler"] == "echo");
        CHECK(a["routeKey"] == c.route);
        CHECK(a["contextRouteKey"] == c.route);
        CHECK(a["method"] == c.method); // the client's method, also on ANY routes
        CHECK(a["pathParameters"] == c.parameters);
    }
    // The access log names each request with its status and function.
    // The access log: method, target, status, function, duration.
    REQUIRE(serve.wait_for_log("GET /pets/dog/1 200 http_api "));
    const auto log = split_lines(serve.log());
    const auto access = find_line_starting(log, "GET /pets/dog/1 200 http_api ");
    REQUIRE(access.has_value());
    CHECK(std::regex_match(log[*access],
                           std::regex("GET /pets/dog/1 200 http_api [0-9]+\\.[0-9]{2} ms")));
}

TEST_CASE("an HTTP API on a named stage answers 404 Not Found where no route takes a request") {
    ServeProcess serve = serve_echo({"POST /only-post", "GET /store/{proxy+}"}, {"--stage", "dev"});
    json greedy = echoed_event(serve_request(serve, "GET", "/dev/store/a/b"));
    CHECK(greedy["routeKey"] == "GET /store/{proxy+}");
    CHECK(greedy["rawPath"] == "/dev/store/a/b"); // a named stage's prefix stays in the path
    CHECK(greedy["requestContext"]["http"]["path"] == "/dev/store/a/b");
    CHECK(greedy["requestContext"]["stage"] == "dev");
    CHECK(greedy["pathParameters"] == json{{"proxy", "a/b"}});
    CHECK(echoed_event(serve_request(serve, "POST", "/dev/only-post"))["routeKey"] ==
          "POST /only-post");

    check_not_found(serve_request(serve, "GET", "/dev/only-post")); // no 405
    check_not_found(serve_request(serve, "GET", "/dev/store"));     // empty greedy remainder
    check_not_found(serve_request(serve, "GET", "/dev/store/"));
    check_not_found(serve_request(serve, "GET", "/store/a")); // no $default stage
    check_not_found(serve_request(serve, "GET", "/prod/store/a"));
    CHECK(serve.wait_for_log("GET /dev/only-post 404 - "));
}

TEST_CASE("a REST API resolves resource and method pairs as measured on AWS, under its stage") {
    ServeProcess serve = serve_echo(
        {"ANY /{proxy+}", "GET /jobs/{operation_type}", "OPTIONS /cors_only"}, {"--api", "rest"});
    struct Case {
        const char* method;
        const char* path;
        const char* resource;
        json parameters;
    };
    const std::vector<Case> cases = {
        {"GET", "/Prod/jobs/reboot", "/jobs/{operation_type}", {{"operation_type", "reboot"}}},
        {"GET", "/Prod/jobs", "/{proxy+}", {{"proxy", "jobs"}}},
        {"POST", "/Prod/jobs/reboot", "/{proxy+}", {{"proxy", "jobs/reboot"}}},
        {"GET", "/Prod/cors_only", "/{proxy+}", {{"proxy", "cors_only"}}},
        {"OPTIONS", "/Prod/cors_only", "/cors_only", nullptr},
    };
    for (const Case& c : cases) {
        INFO(c.method << " " << c.path);
        json event = echoed_event(serve_request(serve, c.method, c.path));
        CHECK(event["resource"] == c.resource);
        CHECK(event["requestContext"]["resourcePath"] == c.resource);
        CHECK(event["pathParameters"] == c.parameters);
        CHECK(event["httpMethod"] == c.method); // never "ANY"
        CHECK(event["requestContext"]["httpMethod"] == c.method);
        CHECK(event["path"] == std::string(c.path).substr(5)); // without the stage
        CHECK(event["requestContext"]["path"] == c.path);      // with it
        CHECK(event["requestContext"]["stage"] == "Prod");
    }
    check_missing_token(serve_request(serve, "GET", "/Prod/")); // /{proxy+} does not take "/"
    check_missing_token(serve_request(serve, "GET", "/Prod"));
    check_missing_token(serve_request(serve, "GET", "/jobs/reboot")); // no stage
    check_missing_token(serve_request(serve, "GET", "/Dev/jobs/reboot"));
    check_missing_token(serve_request(serve, "GET", "/"));
}

TEST_CASE("a REST API event (payload 1.0) carries the request field by field") {
    ServeProcess serve = serve_echo({}, {"--api", "rest", "--stage", "v1"});
    const std::string host = "abc123defg.execute-api.us-east-1.amazonaws.com";
    const std::int64_t before = epoch_ms_now();
    const Response answer = serve_request(
        serve, "POST", "/v1/store/items/42?color=red&tag=a&tag=b&name=J%C3%BCrgen%20x",
        {{"Host", host},
         {"User-Agent", "lambda-local-e2e/1.0"},
         {"Content-Type", "application/json"},
         {"X-MiXed-Case", "kept"},
         {"X-Dup", "one"},
         {"X-Dup", "two"},
         {"Cookie", "a=1; b=2"}},
        R"({"qty":1})");
    json event = echoed_event(answer);
    const std::int64_t after = epoch_ms_now();
    INFO(event.dump(2));
    // The answer carries the request's ids, as REST APIs send them back.
    CHECK(header_text(answer, "x-amzn-RequestId") == event["requestContext"]["requestId"]);
    CHECK(header_text(answer, "x-amz-apigw-id") == event["requestContext"]["extendedRequestId"]);
    CHECK(event["resource"] == "/{proxy+}");
    CHECK(event["path"] == "/store/items/42");
    CHECK(event["httpMethod"] == "POST");
    CHECK_FALSE(event.contains("version"));
    CHECK_FALSE(event.contains("cookies")); // REST passes the Cookie header as it is
    // Header names as the client spelled them; all values in multiValueHeaders.
    CHECK(event["headers"]["X-MiXed-Case"] == "kept");
    CHECK(event["headers"]["User-Agent"] == "lambda-local-e2e/1.0");
    CHECK(event["headers"]["Cookie"] == "a=1; b=2");
    CHECK(event["headers"]["Host"] == host);
    CHECK(event["headers"]["X-Forwarded-For"] == "127.0.0.1");
    CHECK(event["headers"].contains("X-Dup"));
    CHECK(event["multiValueHeaders"]["X-Dup"] == json{"one", "two"});
    CHECK(event["multiValueHeaders"]["X-MiXed-Case"] == json{"kept"});
    // The last of repeated query values, all of them in the multi-value map, decoded.
    CHECK(event["queryStringParameters"] ==
          json{{"color", "red"}, {"tag", "b"}, {"name", "J\xc3\xbcrgen x"}});
    CHECK(event["multiValueQueryStringParameters"] ==
          json{{"color", {"red"}}, {"tag", {"a", "b"}}, {"name", {"J\xc3\xbcrgen x"}}});
    CHECK(event["pathParameters"] == json{{"proxy", "store/items/42"}});
    REQUIRE(event.contains("stageVariables"));
    CHECK(event["stageVariables"].is_null());
    CHECK(event["body"] == R"({"qty":1})");
    CHECK(event["isBase64Encoded"] == false);

    json& context = event["requestContext"];
    CHECK(matches(context["accountId"], "[0-9]{12}"));
    CHECK(matches(context["apiId"], "[a-z0-9]{10}"));
    CHECK(context["domainName"] == host);
    CHECK(context["domainPrefix"] == "abc123defg");
    CHECK(matches(context["requestId"], k_uuid_pattern));
    CHECK(matches(context["extendedRequestId"], "[A-Za-z0-9_+/=-]{8,}"));
    CHECK(context["extendedRequestId"] != context["requestId"]);
    CHECK(context["httpMethod"] == "POST");
    CHECK(context["path"] == "/v1/store/items/42");
    CHECK(context["protocol"] == "HTTP/1.1");
    CHECK(context["resourcePath"] == "/{proxy+}");
    CHECK(matches(context["resourceId"], "[a-z0-9]{6}"));
    CHECK(context["stage"] == "v1");
    check_request_time(context["requestTime"], context["requestTimeEpoch"], before, after);
    json& identity = context["identity"];
    CHECK(identity["sourceIp"] == "127.0.0.1");
    CHECK(identity["userAgent"] == "lambda-local-e2e/1.0");
    for (const char* key :
         {"accessKey", "accountId", "caller", "cognitoIdentityId", "user", "userArn"}) {
        INFO(key);
        REQUIRE(identity.contains(key));
        CHECK(identity[key].is_null());
    }

    // Empty things are null; the root resource is /<stage>/, never /<stage>.
    json root = echoed_event(serve_request(serve, "GET", "/v1/"));
    INFO(root.dump(2));
    CHECK(root["resource"] == "/");
    CHECK(root["path"] == "/");
    CHECK(root["requestContext"]["path"] == "/v1/");
    for (const char* key : {"queryStringParameters", "multiValueQueryStringParameters",
                            "pathParameters", "stageVariables", "body"}) {
        INFO(key);
        REQUIRE(root.contains(key));
        CHECK(root[key].is_null());
    }
    json second = echoed_event(serve_request(serve, "GET", "/v1/a"));
    CHECK(second["requestContext"]["requestId"] != context["requestId"]);
    check_missing_token(serve_request(serve, "GET", "/v1"));
    check_missing_token(serve_request(serve, "GET", "/Prod/a")); // the stage is v1
}

TEST_CASE("an HTTP API event (payload 2.0) carries the request field by field") {
    ServeProcess serve = serve_echo({});
    const std::int64_t before = epoch_ms_now();
    const std::string query = "tag=a&tag=b&color=red&sp=a%20b&flag";
    const Response answer = serve_request(serve, "GET", "/store/items/42?" + query,
                                          {{"User-Agent", "lambda-local-e2e/1.0"},
                                           {"Cookie", "a=1; b=2"},
                                           {"Cookie", "c=3"},
                                           {"X-MiXed-Case", "v"},
                                           {"X-Dup", "one"},
                                           {"X-Dup", "two"}});
    json event = echoed_event(answer);
    const std::int64_t after = epoch_ms_now();
    INFO(event.dump(2));
    // The answer carries the request's id, as HTTP APIs send it back.
    CHECK(header_text(answer, "apigw-requestid") == event["requestContext"]["requestId"]);
    CHECK(event["version"] == "2.0");
    CHECK(event["routeKey"] == "ANY /{proxy+}");
    CHECK(event["rawPath"] == "/store/items/42");
    CHECK(event["rawQueryString"] == query); // as sent, not decoded
    CHECK(event["cookies"] == json{"a=1", "b=2", "c=3"});
    // Names lowercased, duplicates joined with commas, the cookie header removed.
    CHECK(event["headers"]["x-mixed-case"] == "v");
    CHECK_FALSE(event["headers"].contains("X-MiXed-Case"));
    CHECK(event["headers"]["x-dup"] == "one,two");
    CHECK(event["headers"]["user-agent"] == "lambda-local-e2e/1.0");
    CHECK_FALSE(event["headers"].contains("cookie"));
    CHECK_FALSE(event.contains("multiValueHeaders"));
    CHECK(event["queryStringParameters"] ==
          json{{"tag", "a,b"}, {"color", "red"}, {"sp", "a b"}, {"flag", ""}});
    CHECK_FALSE(event.contains("multiValueQueryStringParameters"));
    CHECK(event["pathParameters"] == json{{"proxy", "store/items/42"}});
    CHECK_FALSE(event.contains("stageVariables"));
    CHECK_FALSE(event.contains("body"));
    CHECK(event["isBase64Encoded"] == false);

    json& context = event["requestContext"];
    CHECK(matches(context["accountId"], "[0-9]{12}"));
    CHECK(matches(context["apiId"], "[a-z0-9]{10}"));
    CHECK(context["domainName"] == "127.0.0.1:" + std::to_string(serve.port()));
    CHECK(context["http"] == json{{"method", "GET"},
                                  {"path", "/store/items/42"},
                                  {"protocol", "HTTP/1.1"},
                                  {"sourceIp", "127.0.0.1"},
                                  {"userAgent", "lambda-local-e2e/1.0"}});
    // A short base64-like id ("LV7fzho-PHcEJPw="), not a UUID.
    CHECK(matches(context["requestId"], "[A-Za-z0-9_+/-]{10,22}=*"));
    CHECK(context["routeKey"] == "ANY /{proxy+}");
    CHECK(context["stage"] == "$default");
    check_request_time(context["time"], context["timeEpoch"], before, after);

    // Absent things are omitted, not null; "/" is the ANY / route.
    json root = echoed_event(serve_request(serve, "GET", "/"));
    INFO(root.dump(2));
    CHECK(root["routeKey"] == "ANY /");
    CHECK(root["rawPath"] == "/");
    CHECK(root["rawQueryString"] == "");
    for (const char* key :
         {"cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"}) {
        INFO(key);
        CHECK_FALSE(root.contains(key));
    }
    CHECK(root["requestContext"]["requestId"] != context["requestId"]);

    // Text bodies stay text; everything else (no Content-Type, forms) is base64 (§2).
    json text = echoed_event(
        serve_request(serve, "POST", "/upload", {{"Content-Type", "text/plain"}}, "hello text"));
    CHECK(text["body"] == "hello text");
    CHECK(text["isBase64Encoded"] == false);
    json js = echoed_event(
        serve_request(serve, "PUT", "/upload", {{"Content-Type", "application/json"}}, "[1]"));
    CHECK(js["body"] == "[1]");
    CHECK(js["isBase64Encoded"] == false);
    json form = echoed_event(serve_request(
        serve, "POST", "/upload", {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=1"));
    CHECK(form["body"] == "YT0x");
    CHECK(form["isBase64Encoded"] == true);
    // A body without Content-Type: curl, told to send none (cpp-httplib adds text/plain).
    ProcessResult curl = run_process({"/usr/bin/curl", "-s", "--data-binary", "abc", "-H",
                                      "Content-Type:", serve.url("/upload")});
    INFO(describe(curl));
    REQUIRE(curl.exit_code == 0);
    json untyped = parse_json(curl.out);
    CHECK(untyped["headers"].value("content-type", "none") == "none");
    CHECK(untyped["body"] == "YWJj");
    CHECK(untyped["isBase64Encoded"] == true);
}

TEST_CASE("an HTTP API on payload 1.0 sends the 1.0 shape with lowercase header names") {
    ServeProcess serve = serve_echo({}, {"--payload", "1.0"});
    const std::int64_t before = epoch_ms_now();
    json event = echoed_event(serve_request(
        serve, "GET", "/store/items/42?tag=a&tag=b&color=red",
        {{"Cookie", "a=1; b=2"}, {"X-MiXed-Case", "v"}, {"X-Dup", "one"}, {"X-Dup", "two"}}));
    const std::int64_t after = epoch_ms_now();
    INFO(event.dump(2));
    CHECK(event["version"] == "1.0");
    CHECK(event["resource"] == "/{proxy+}");
    CHECK(event["path"] == "/store/items/42");
    CHECK(event["httpMethod"] == "GET");
    CHECK(event["headers"]["x-mixed-case"] == "v");
    CHECK_FALSE(event["headers"].contains("X-MiXed-Case"));
    CHECK(event["headers"]["cookie"] == "a=1; b=2");
    CHECK(event["multiValueHeaders"]["x-dup"] == json{"one", "two"});
    CHECK_FALSE(event.contains("cookies"));
    CHECK(event["queryStringParameters"] == json{{"tag", "b"}, {"color", "red"}});
    CHECK(event["multiValueQueryStringParameters"] ==
          json{{"tag", {"a", "b"}}, {"color", {"red"}}});
    CHECK(event["pathParameters"] == json{{"proxy", "store/items/42"}});
    REQUIRE(event.contains("stageVariables"));
    CHECK(event["stageVariables"].is_null());
    REQUIRE(event.contains("body"));
    CHECK(event["body"].is_null());
    CHECK(event["isBase64Encoded"] == false);
    json& context = event["requestContext"];
    REQUIRE(context.contains("resourceId"));
    CHECK(context["resourceId"].is_null());
    CHECK(context["resourcePath"] == "/{proxy+}");
    CHECK(context["stage"] == "$default");
    CHECK(context["path"] == "/store/items/42");
    CHECK(context["httpMethod"] == "GET");
    CHECK(matches(context["requestId"], "[A-Za-z0-9_+/=-]{10,}"));
    check_request_time(context["requestTime"], context["requestTimeEpoch"], before, after);

    json root = echoed_event(serve_request(serve, "GET", "/"));
    CHECK(root["resource"] == "/");
    for (const char* key :
         {"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "body"}) {
        INFO(key);
        REQUIRE(root.contains(key));
        CHECK(root[key].is_null());
    }
    json binary = echoed_event(
        serve_request(serve, "POST", "/up", {{"Content-Type", "application/octet-stream"}}, "abc"));
    CHECK(binary["body"] == "YWJj");
    CHECK(binary["isBase64Encoded"] == true);
}

TEST_CASE("binary bodies cross both APIs byte for byte and cookies go both ways") {
    TempDir dir;
    ServeProcess serve({"-q", "--template", write_responses_template(dir), "--no-schedules"});
    // Uploads and downloads with python requests.
    const std::string script = R"(
import base64, json, sys, requests
base = sys.argv[1]
data = bytes(range(256))
out = {}
def upload(path, content_type, body, chunked=False):
    headers = {"Content-Type": content_type} if content_type else {}
    sent = iter([body[:100], body[100:]]) if chunked else body  # an iterator is sent chunked
    r = requests.post(base + path, data=sent, headers=headers, timeout=30)
    e = r.json()
    raw = base64.b64decode(e["body"]) if e["isBase64Encoded"] else e["body"].encode()
    return {"status": r.status_code, "base64": e["isBase64Encoded"], "same": raw == body}
out["http_octets"] = upload("/echo", "application/octet-stream", data)
out["http_text"] = upload("/echo", "text/plain; charset=utf-8", b"plain text")
out["rest_octets"] = upload("/Prod/echo", "application/octet-stream", data)
out["rest_text"] = upload("/Prod/echo", "text/plain", b"plain text")
out["rest_form"] = upload("/Prod/echo", "application/x-www-form-urlencoded", b"a=1&b=2")
out["http_chunked"] = upload("/echo", "application/octet-stream", data, chunked=True)
for name, path in [("http_png", "/binary"), ("rest_png", "/Prod/binary")]:
    # A REST API sends binary only to a client whose first Accept type is a binary one.
    r = requests.get(base + path, headers={"Accept": "image/png"}, timeout=30)
    out[name] = {"status": r.status_code, "type": r.headers.get("Content-Type"),
                 "hex": r.content.hex()}
print(json.dumps(out))
)";
    json out = run_python_json(script, {serve.url()});
    INFO(out.dump(2));
    CHECK(out["http_octets"] == json{{"status", 200}, {"base64", true}, {"same", true}});
    CHECK(out["http_text"] == json{{"status", 200}, {"base64", false}, {"same", true}});
    CHECK(out["rest_octets"] == json{{"status", 200}, {"base64", true}, {"same", true}});
    CHECK(out["rest_text"] == json{{"status", 200}, {"base64", false}, {"same", true}});
    CHECK(out["rest_form"] == json{{"status", 200}, {"base64", false}, {"same", true}});
    CHECK(out["http_chunked"] == json{{"status", 200}, {"base64", true}, {"same", true}});
    const std::string png_hex = "89504e470d0a1a0a";
    CHECK(out["http_png"] == json{{"status", 200}, {"type", "image/png"}, {"hex", png_hex}});
    CHECK(out["rest_png"] == json{{"status", 200}, {"type", "image/png"}, {"hex", png_hex}});
    CHECK(serve_request(serve, "GET", "/binary").body == k_png_signature);

    // Cookies out: format 1.0's multiValueHeaders (REST, HTTP API on 1.0) and 2.0's list.
    for (const char* path : {"/Prod/cookies", "/cookies-v1"}) {
        const Response r = serve_request(serve, "GET", path);
        INFO(path << "\n" << describe(r));
        CHECK(r.status == 201);
        CHECK(r.body == "cookies");
        CHECK(header_values(r, "Set-Cookie") ==
              std::vector<std::string>{"a=1; Path=/", "b=2; HttpOnly"});
        CHECK(header_values(r, "X-Multi") == std::vector<std::string>{"one", "two"});
        CHECK(header_text(r, "Content-Type") == "text/plain");
    }
    const Response v2 = serve_request(serve, "GET", "/cookies");
    INFO(describe(v2));
    CHECK(v2.status == 201);
    CHECK(v2.body == "cookies");
    CHECK(header_values(v2, "Set-Cookie") ==
          std::vector<std::string>{"a=1; Path=/", "b=2; HttpOnly"});
    CHECK(header_text(v2, "Content-Type") == "text/plain");

    // The same with curl, which shows the raw header lines.
    ProcessResult curl = run_process({"/usr/bin/curl", "-s", "-i", serve.url("/cookies")});
    INFO(describe(curl));
    REQUIRE(curl.exit_code == 0);
    CHECK(curl.out.rfind("HTTP/1.1 201", 0) == 0);
    std::size_t set_cookie_lines = 0;
    for (const std::string& line : split_lines(curl.out)) {
        if (::strncasecmp(line.c_str(), "set-cookie: ", 12) == 0) {
            ++set_cookie_lines;
        }
    }
    CHECK(set_cookie_lines == 2);
}

TEST_CASE("the 2.0 inference rule and malformed responses map as API Gateway maps them") {
    TempDir dir;
    ServeProcess serve({"--template", write_responses_template(dir), "--no-schedules"});
    const Response bare = serve_request(serve, "GET", "/bare");
    INFO(describe(bare));
    CHECK(bare.status == 200);
    CHECK(bare.body == "Hello");
    CHECK(header_text(bare, "Content-Type") == "application/json");
    check_function_failed(serve_request(serve, "GET", "/Prod/bare"), true);
    check_function_failed(serve_request(serve, "GET", "/Prod/malformed"), true);
    check_function_failed(serve_request(serve, "GET", "/malformed"), false);
    CHECK(serve.wait_for_log("malformed Lambda proxy response"));
    // A project with both APIs: the stage prefix picks the REST API, else the HTTP API.
    check_missing_token(serve_request(serve, "GET", "/Prod/nothing"));
    check_not_found(serve_request(serve, "GET", "/nothing"));
    // An event over Lambda's 6 MB payload limit is refused by the gateway: 413 on both APIs.
    const std::string big(7 * 1024 * 1024, 'x');
    for (const char* path : {"/Prod/echo", "/echo"}) {
        const Response r =
            serve_request(serve, "POST", path, {{"Content-Type", "text/plain"}}, big);
        INFO(path << ": " << describe(r));
        CHECK(r.status == 413);
    }
}

TEST_CASE("a function error, a crash or a timeout gives 502 on REST and 500 on an HTTP API") {
    TempDir dir;
    ServeProcess serve({"--template", write_responses_template(dir), "--no-schedules"});
    for (const bool rest : {true, false}) {
        const std::string prefix = rest ? "/Prod" : "";
        for (const char* path : {"/fail", "/crash", "/sleepy"}) {
            INFO((rest ? "REST " : "HTTP API ") << path);
            check_function_failed(serve_request(serve, "GET", prefix + path), rest);
            // The request right after is served.
            json event = echoed_event(serve_request(serve, "GET", prefix + "/echo"));
            CHECK(event["httpMethod"].is_string() == rest);
        }
    }
    CHECK(serve.wait_for_log("\tStatus: timeout\n"));
    CHECK(serve.wait_for_log("GET /Prod/crash 502 Crash "));
    CHECK(serve.wait_for_log("GET /sleepy 500 Sleepy "));
    // A crashed or timed-out environment is replaced: each invocation is a cold start again.
    check_function_failed(serve_request(serve, "GET", "/crash"), false);
    CHECK(serve.wait_for_log_count("[Crash] REPORT RequestId: ", 3) == 3);
    CHECK(serve.wait_for_log_count("[Sleepy] REPORT RequestId: ", 2) == 2);
    const auto lines = split_lines(serve.log());
    INFO(serve.log());
    std::size_t cold_starts = 0;
    for (const std::string& line : lines) {
        cold_starts +=
            (line.starts_with("[Crash] REPORT ") || line.starts_with("[Sleepy] REPORT ")) &&
            line.find("\tInit Duration: ") != std::string::npos;
    }
    CHECK(cold_starts == 5);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
