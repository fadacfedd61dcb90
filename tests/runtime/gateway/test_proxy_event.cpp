// Tests of the Lambda proxy events built from requests (payload formats 1.0 and 2.0).
#include "runtime/gateway/proxy_event.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

using lambda_local::WallClock;
using lambda_local::runtime::gateway::ApiType;
using lambda_local::runtime::gateway::HttpRequest;
using lambda_local::runtime::gateway::is_binary_media_type;
using lambda_local::runtime::gateway::new_request_stamp;
using lambda_local::runtime::gateway::new_short_request_id;
using lambda_local::runtime::gateway::PayloadFormat;
using lambda_local::runtime::gateway::proxy_event;
using lambda_local::runtime::gateway::ProxyIntegration;
using lambda_local::runtime::gateway::RequestStamp;
using lambda_local::runtime::gateway::resource_id_for;
using nlohmann::ordered_json;

namespace {

WallClock::time_point at_ms(long long ms) {
    return WallClock::time_point(std::chrono::milliseconds(ms));
}

// The example request of AWS's REST proxy input format.
HttpRequest rest_example_request() {
    HttpRequest request;
    request.method = "POST";
    request.path = "/prod/store/items/42";
    request.raw_query = "color=red&tag=a&tag=b";
    request.headers = {{"Accept", "*/*"},
                       {"Content-Type", "application/json"},
                       {"Host", "abc123defg.execute-api.us-east-1.amazonaws.com"},
                       {"User-Agent", "curl/8.5.0"},
                       {"X-Forwarded-For", "203.0.113.10"},
                       {"X-Forwarded-Port", "443"},
                       {"X-Forwarded-Proto", "https"}};
    request.body = R"({"qty":1})";
    request.source_ip = "203.0.113.10";
    return request;
}

// The REST API and route of §1's example.
ProxyIntegration rest_example_integration() {
    ProxyIntegration integration;
    integration.api_type = ApiType::Rest;
    integration.format = PayloadFormat::V1;
    integration.resource_path = "/store/{proxy+}";
    integration.path_parameters = {{"proxy", "items/42"}};
    integration.stage = "prod";
    integration.path = "/store/items/42";
    integration.stage_path = "/prod/store/items/42";
    integration.api_id = "abc123defg";
    integration.domain_name = "abc123defg.execute-api.us-east-1.amazonaws.com";
    integration.resource_id = "2jf6xt";
    return integration;
}

RequestStamp rest_example_stamp() {
    return {"c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "UvB3eFs-IAMEbXg=", at_ms(1715752869693)};
}

// The request of §2.
HttpRequest http_example_request() {
    HttpRequest request;
    request.method = "GET";
    request.path = "/store/items/42";
    request.raw_query = "tag=a&tag=b&color=red";
    request.headers = {{"accept", "*/*"},
                       {"content-length", "0"},
                       {"Cookie", "a=1; b=2"},
                       {"host", "abc123defg.execute-api.us-east-1.amazonaws.com"},
                       {"user-agent", "curl/8.5.0"},
                       {"x-forwarded-for", "203.0.113.10"},
                       {"x-forwarded-port", "443"},
                       {"x-forwarded-proto", "https"}};
    request.source_ip = "203.0.113.10";
    return request;
}

// The HTTP API and route of §2's example.
ProxyIntegration http_example_integration() {
    ProxyIntegration integration;
    integration.api_type = ApiType::Http;
    integration.format = PayloadFormat::V2;
    integration.resource_path = "/store/{proxy+}";
    integration.route_key = "ANY /store/{proxy+}";
    integration.path_parameters = {{"proxy", "items/42"}};
    integration.stage = "$default";
    integration.path = "/store/items/42";
    integration.api_id = "abc123defg";
    integration.domain_name = "abc123defg.execute-api.us-east-1.amazonaws.com";
    return integration;
}

RequestStamp http_example_stamp() {
    return {"LV7fzho-PHcEJPw=", "", at_ms(1587481701067)};
}

ordered_json event_of(const HttpRequest& request, const ProxyIntegration& integration,
                      const RequestStamp& stamp) {
    return ordered_json::parse(proxy_event(request, integration, stamp));
}

ordered_json rest_event(const HttpRequest& request, const ProxyIntegration& integration) {
    return event_of(request, integration, rest_example_stamp());
}

ordered_json http_event(const HttpRequest& request, const ProxyIntegration& integration) {
    return event_of(request, integration, http_example_stamp());
}

std::vector<std::string> keys_of(const ordered_json& object) {
    std::vector<std::string> keys;
    for (const auto& item : object.items()) {
        keys.push_back(item.key());
    }
    return keys;
}

// A request with only a method, a path and a body of `content_type` ("" for none).
HttpRequest upload(const std::string& content_type, const std::string& body) {
    HttpRequest request;
    request.method = "PUT";
    request.path = "/prod/store/items/42";
    request.headers = {{"Host", "localhost:3000"}};
    if (!content_type.empty()) {
        request.headers.emplace_back("Content-Type", content_type);
    }
    request.body = body;
    return request;
}

} // namespace

TEST_SUITE_BEGIN("runtime::gateway::proxy_event");

TEST_CASE("a REST request gives the reference's 1.0 event, field by field") {
    ordered_json event = rest_event(rest_example_request(), rest_example_integration());

    CHECK(event["resource"] == "/store/{proxy+}");
    CHECK(event["path"] == "/store/items/42");
    CHECK(event["httpMethod"] == "POST");
    CHECK(event["headers"] == ordered_json::parse(R"({
        "Accept": "*/*", "Content-Type": "application/json",
        "Host": "abc123defg.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "curl/8.5.0", "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443", "X-Forwarded-Proto": "https"})"));
    CHECK(event["multiValueHeaders"] == ordered_json::parse(R"({
        "Accept": ["*/*"], "Content-Type": ["application/json"],
        "Host": ["abc123defg.execute-api.us-east-1.amazonaws.com"],
        "User-Agent": ["curl/8.5.0"], "X-Forwarded-For": ["203.0.113.10"],
        "X-Forwarded-Port": ["443"], "X-Forwarded-Proto": ["https"]})"));
    CHECK(event["queryStringParameters"] == ordered_json::parse(R"({"color": "red", "tag": "b"})"));
    CHECK(event["multiValueQueryStringParameters"] ==
          ordered_json::parse(R"({"color": ["red"], "tag": ["a", "b"]})"));
    CHECK(event["pathParameters"] == ordered_json::parse(R"({"proxy": "items/42"})"));
    CHECK(event["stageVariables"].is_null());
    CHECK(event["body"] == R"({"qty":1})");
    CHECK(event["isBase64Encoded"] == false);

    const ordered_json& context = event["requestContext"];
    CHECK(context["accountId"] == "123456789012");
    CHECK(context["apiId"] == "abc123defg");
    CHECK(context["domainName"] == "abc123defg.execute-api.us-east-1.amazonaws.com");
    CHECK(context["domainPrefix"] == "abc123defg");
    CHECK(context["extendedRequestId"] == "UvB3eFs-IAMEbXg=");
    CHECK(context["httpMethod"] == "POST");
    CHECK(context["identity"] == ordered_json::parse(R"({
        "accessKey": null, "accountId": null, "caller": null,
        "cognitoAuthenticationProvider": null, "cognitoAuthenticationType": null,
        "cognitoIdentityId": null, "cognitoIdentityPoolId": null, "principalOrgId": null,
        "sourceIp": "203.0.113.10", "user": null, "userAgent": "curl/8.5.0", "userArn": null})"));
    CHECK(context["path"] == "/prod/store/items/42");
    CHECK(context["protocol"] == "HTTP/1.1");
    CHECK(context["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    CHECK(context["requestTime"] == "15/May/2024:06:01:09 +0000");
    CHECK(context["requestTimeEpoch"] == 1715752869693);
    CHECK(context["resourceId"] == "2jf6xt");
    CHECK(context["resourcePath"] == "/store/{proxy+}");
    CHECK(context["stage"] == "prod");
}

TEST_CASE("the 1.0 event's keys come in the order of the reference's example") {
    ordered_json event = rest_event(rest_example_request(), rest_example_integration());
    CHECK(keys_of(event) == std::vector<std::string>{"resource", "path", "httpMethod", "headers",
                                                     "multiValueHeaders", "queryStringParameters",
                                                     "multiValueQueryStringParameters",
                                                     "pathParameters", "stageVariables",
                                                     "requestContext", "body", "isBase64Encoded"});
    CHECK(keys_of(event["requestContext"]) ==
          std::vector<std::string>{"accountId", "apiId", "domainName", "domainPrefix",
                                   "extendedRequestId", "httpMethod", "identity", "path",
                                   "protocol", "requestId", "requestTime", "requestTimeEpoch",
                                   "resourceId", "resourcePath", "stage"});
}

TEST_CASE("an HTTP API request gives the reference's 2.0 event, field by field") {
    ordered_json event = http_event(http_example_request(), http_example_integration());

    CHECK(event["version"] == "2.0");
    CHECK(event["routeKey"] == "ANY /store/{proxy+}");
    CHECK(event["rawPath"] == "/store/items/42");
    CHECK(event["rawQueryString"] == "tag=a&tag=b&color=red");
    CHECK(event["cookies"] == ordered_json::parse(R"(["a=1", "b=2"])"));
    CHECK(event["headers"] == ordered_json::parse(R"({
        "accept": "*/*", "content-length": "0",
        "host": "abc123defg.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8.5.0",
        "x-forwarded-for": "203.0.113.10", "x-forwarded-port": "443",
        "x-forwarded-proto": "https"})"));
    CHECK(event["queryStringParameters"] ==
          ordered_json::parse(R"({"tag": "a,b", "color": "red"})"));
    CHECK(event["pathParameters"] == ordered_json::parse(R"({"proxy": "items/42"})"));
    CHECK(event["isBase64Encoded"] == false);
    CHECK_FALSE(event.contains("body"));
    CHECK_FALSE(event.contains("stageVariables"));
    CHECK_FALSE(event.contains("multiValueHeaders"));
    CHECK_FALSE(event.contains("multiValueQueryStringParameters"));

    const ordered_json& context = event["requestContext"];
    CHECK(context["accountId"] == "123456789012");
    CHECK(context["apiId"] == "abc123defg");
    CHECK(context["domainName"] == "abc123defg.execute-api.us-east-1.amazonaws.com");
    CHECK(context["domainPrefix"] == "abc123defg");
    CHECK(context["http"] == ordered_json::parse(R"({
        "method": "GET", "path": "/store/items/42", "protocol": "HTTP/1.1",
        "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0"})"));
    CHECK(context["requestId"] == "LV7fzho-PHcEJPw=");
    CHECK(context["routeKey"] == "ANY /store/{proxy+}");
    CHECK(context["stage"] == "$default");
    CHECK(context["time"] == "21/Apr/2020:15:08:21 +0000");
    CHECK(context["timeEpoch"] == 1587481701067);
    CHECK_FALSE(context.contains("extendedRequestId"));
}

TEST_CASE("the 2.0 event's keys come in the order of the reference's example") {
    HttpRequest request = http_example_request();
    request.method = "POST";
    request.headers.emplace_back("Content-Type", "text/plain");
    request.body = "hi";
    ProxyIntegration integration = http_example_integration();
    integration.stage_variables = nlohmann::json{{"env", "dev"}};
    ordered_json event = http_event(request, integration);
    CHECK(keys_of(event) ==
          std::vector<std::string>{"version", "routeKey", "rawPath", "rawQueryString", "cookies",
                                   "headers", "queryStringParameters", "pathParameters",
                                   "stageVariables", "requestContext", "body", "isBase64Encoded"});
    CHECK(keys_of(event["requestContext"]) ==
          std::vector<std::string>{"accountId", "apiId", "domainName", "domainPrefix", "http",
                                   "requestId", "routeKey", "stage", "time", "timeEpoch"});
}

TEST_CASE("a REST event keeps header spelling and gives the last of repeated headers") {
    HttpRequest request = rest_example_request();
    request.headers = {{"Accept", "text/html"},
                       {"X-Trace", "one"},
                       {"accept", "application/json"},
                       {"X-Trace", "two"}};
    ordered_json event = rest_event(request, rest_example_integration());
    CHECK(event["headers"] ==
          ordered_json::parse(R"({"Accept": "application/json", "X-Trace": "two"})"));
    CHECK(event["multiValueHeaders"] == ordered_json::parse(
                                            R"({"Accept": ["text/html", "application/json"],
                                                "X-Trace": ["one", "two"]})"));
}

TEST_CASE("repeated query keys give the last value and all values in 1.0") {
    HttpRequest request = rest_example_request();
    request.raw_query = "tag=a&color=red&tag=b&tag=c";
    ordered_json event = rest_event(request, rest_example_integration());
    CHECK(event["queryStringParameters"] == ordered_json::parse(R"({"tag": "c", "color": "red"})"));
    CHECK(event["multiValueQueryStringParameters"] ==
          ordered_json::parse(R"({"tag": ["a", "b", "c"], "color": ["red"]})"));
}

TEST_CASE("repeated query keys are joined with commas in 2.0") {
    HttpRequest request = http_example_request();
    request.raw_query = "tag=a&color=red&tag=b&tag=c";
    ordered_json event = http_event(request, http_example_integration());
    CHECK(event["queryStringParameters"] ==
          ordered_json::parse(R"({"tag": "a,b,c", "color": "red"})"));
    CHECK(event["rawQueryString"] == "tag=a&color=red&tag=b&tag=c");
}

TEST_CASE("query parameters are percent-decoded with plus as a space, rawQueryString is not") {
    const std::string raw = "q=caf%C3%A9+au%20lait&sort=-+createdAt&a%2Bb=1%2B1&x%3Dy=%26";
    SUBCASE("payload 1.0") {
        HttpRequest request = rest_example_request();
        request.raw_query = raw;
        ordered_json event = rest_event(request, rest_example_integration());
        CHECK(event["queryStringParameters"] == ordered_json::parse(R"({
            "q": "café au lait", "sort": "- createdAt", "a+b": "1+1", "x=y": "&"})"));
        CHECK(event["multiValueQueryStringParameters"]["q"] ==
              ordered_json::parse(R"(["café au lait"])"));
    }
    SUBCASE("payload 2.0") {
        HttpRequest request = http_example_request();
        request.raw_query = raw;
        ordered_json event = http_event(request, http_example_integration());
        CHECK(event["queryStringParameters"] == ordered_json::parse(R"({
            "q": "café au lait", "sort": "- createdAt", "a+b": "1+1", "x=y": "&"})"));
        CHECK(event["rawQueryString"] == raw);
    }
}

TEST_CASE("a query key without a value is empty, empty pieces and bad escapes are tolerated") {
    HttpRequest request = rest_example_request();
    request.raw_query = "flag&&a=&=orphan&pct=100%&bad=%zz1&b=x=y";
    ordered_json event = rest_event(request, rest_example_integration());
    CHECK(event["queryStringParameters"] == ordered_json::parse(R"({
        "flag": "", "a": "", "pct": "100%", "bad": "%zz1", "b": "x=y"})"));
}

TEST_CASE("a 1.0 event has null for an absent query, path parameters, stage variables and body") {
    HttpRequest request = rest_example_request();
    request.method = "GET";
    request.raw_query = "";
    request.body = "";
    ProxyIntegration integration = rest_example_integration();
    integration.path_parameters.clear();
    integration.stage_variables = nlohmann::json::object();
    ordered_json event = rest_event(request, integration);
    REQUIRE(event.contains("queryStringParameters"));
    CHECK(event["queryStringParameters"].is_null());
    CHECK(event["multiValueQueryStringParameters"].is_null());
    CHECK(event["pathParameters"].is_null());
    CHECK(event["stageVariables"].is_null());
    CHECK(event["body"].is_null());
    CHECK(event["isBase64Encoded"] == false);
}

TEST_CASE("a 1.0 event without headers has null headers and multiValueHeaders") {
    HttpRequest request = rest_example_request();
    request.headers.clear();
    ordered_json event = rest_event(request, rest_example_integration());
    CHECK(event["headers"].is_null());
    CHECK(event["multiValueHeaders"].is_null());
    CHECK(event["requestContext"]["identity"]["userAgent"].is_null());
    CHECK(event["requestContext"]["identity"]["sourceIp"] == "203.0.113.10");
}

TEST_CASE("a 2.0 event omits an absent query, cookies, path parameters, stage variables, body") {
    HttpRequest request;
    request.method = "GET";
    request.path = "/anything";
    request.headers = {{"Host", "localhost:3000"}};
    ProxyIntegration integration = http_example_integration();
    integration.route_key = "$default";
    integration.resource_path = "";
    integration.path_parameters.clear();
    integration.path = "/anything";
    integration.stage_variables = nlohmann::json::object();
    ordered_json event = http_event(request, integration);
    CHECK(keys_of(event) == std::vector<std::string>{"version", "routeKey", "rawPath",
                                                     "rawQueryString", "headers", "requestContext",
                                                     "isBase64Encoded"});
    CHECK(event["routeKey"] == "$default");
    CHECK(event["rawQueryString"] == "");
    CHECK(event["headers"] == ordered_json::parse(R"({"host": "localhost:3000"})"));
    CHECK(event["requestContext"]["routeKey"] == "$default");
    CHECK(event["requestContext"]["http"]["userAgent"] == "");
    CHECK(event["isBase64Encoded"] == false);
}

TEST_CASE("a 2.0 event lowercases header names and joins repeated headers with commas") {
    HttpRequest request = http_example_request();
    request.headers = {{"Accept", "text/html"},
                       {"X-Trace", "one"},
                       {"accept", "application/json"},
                       {"x-trace", "two, three"}};
    ordered_json event = http_event(request, http_example_integration());
    CHECK(event["headers"] == ordered_json::parse(R"({
        "accept": "text/html,application/json", "x-trace": "one,two, three"})"));
}

TEST_CASE("every Cookie header is split into cookies and left out of the 2.0 headers") {
    HttpRequest request = http_example_request();
    request.headers = {
        {"Cookie", "a=1; b=2"}, {"host", "h"}, {"cookie", " c=3;;d=4 ; "}, {"COOKIE", "e=\"x y\""}};
    ordered_json event = http_event(request, http_example_integration());
    CHECK(event["cookies"] == ordered_json::parse(R"(["a=1", "b=2", "c=3", "d=4", "e=\"x y\""])"));
    CHECK(event["headers"] == ordered_json::parse(R"({"host": "h"})"));
}

TEST_CASE("an HTTP API on payload 1.0 sends the 1.0 shape with version, lowercase names") {
    HttpRequest request = http_example_request();
    request.path = "/dev/store/items/42";
    request.raw_query = "tag=a&tag=b";
    request.headers = {{"Accept", "*/*"},
                       {"User-Agent", "curl/8.5.0"},
                       {"Cookie", "a=1; b=2"},
                       {"X-Trace", "one"},
                       {"x-trace", "two"}};
    ProxyIntegration integration = http_example_integration();
    integration.format = PayloadFormat::V1;
    integration.stage = "dev";
    integration.stage_path = "/dev/store/items/42";
    RequestStamp stamp = http_example_stamp();
    ordered_json event = event_of(request, integration, stamp);

    CHECK(keys_of(event) ==
          std::vector<std::string>{"version", "resource", "path", "httpMethod", "headers",
                                   "multiValueHeaders", "queryStringParameters",
                                   "multiValueQueryStringParameters", "pathParameters",
                                   "stageVariables", "requestContext", "body", "isBase64Encoded"});
    CHECK(event["version"] == "1.0");
    CHECK(event["resource"] == "/store/{proxy+}");
    CHECK(event["path"] == "/dev/store/items/42");
    CHECK(event["httpMethod"] == "GET");
    CHECK(event["headers"] == ordered_json::parse(R"({
        "accept": "*/*", "user-agent": "curl/8.5.0", "cookie": "a=1; b=2", "x-trace": "two"})"));
    CHECK(event["multiValueHeaders"] == ordered_json::parse(R"({
        "accept": ["*/*"], "user-agent": ["curl/8.5.0"], "cookie": ["a=1; b=2"],
        "x-trace": ["one", "two"]})"));
    CHECK(event["queryStringParameters"] == ordered_json::parse(R"({"tag": "b"})"));
    CHECK(event["multiValueQueryStringParameters"] ==
          ordered_json::parse(R"({"tag": ["a", "b"]})"));
    CHECK(event["pathParameters"] == ordered_json::parse(R"({"proxy": "items/42"})"));
    CHECK(event["stageVariables"].is_null());
    CHECK(event["body"].is_null());
    CHECK(event["isBase64Encoded"] == false);
    CHECK_FALSE(event.contains("cookies"));

    const ordered_json& context = event["requestContext"];
    CHECK(context["resourceId"].is_null());
    CHECK(context["requestId"] == "LV7fzho-PHcEJPw=");
    CHECK(context["extendedRequestId"] == "LV7fzho-PHcEJPw=");
    CHECK(context["path"] == "/dev/store/items/42");
    CHECK(context["resourcePath"] == "/store/{proxy+}");
    CHECK(context["stage"] == "dev");
    CHECK(context["requestTime"] == "21/Apr/2020:15:08:21 +0000");
    CHECK(context["requestTimeEpoch"] == 1587481701067);
    CHECK(context["identity"]["userAgent"] == "curl/8.5.0");
}

TEST_CASE("an HTTP API's $default route on payload 1.0 names $default as the resource") {
    HttpRequest request = http_example_request();
    ProxyIntegration integration = http_example_integration();
    integration.format = PayloadFormat::V1;
    integration.route_key = "$default";
    integration.resource_path = "";
    integration.path_parameters.clear();
    ordered_json event = http_event(request, integration);
    CHECK(event["resource"] == "$default");
    CHECK(event["requestContext"]["resourcePath"] == "$default");
    CHECK(event["path"] == "/store/items/42");
    CHECK(event["requestContext"]["path"] == "/store/items/42");
    CHECK(event["pathParameters"].is_null());
}

TEST_CASE("a REST API sends payload 1.0 whatever format it is given") {
    ProxyIntegration integration = rest_example_integration();
    integration.format = PayloadFormat::V2;
    ordered_json event = rest_event(rest_example_request(), integration);
    CHECK_FALSE(event.contains("version"));
    CHECK(event["resource"] == "/store/{proxy+}");
    CHECK(event["requestContext"]["resourceId"] == "2jf6xt");
}

TEST_CASE("a REST event's path drops the stage and requestContext.path keeps it") {
    ProxyIntegration integration = rest_example_integration();
    SUBCASE("the stage path derived when not given") {
        integration.stage_path = "";
        ordered_json event = rest_event(rest_example_request(), integration);
        CHECK(event["path"] == "/store/items/42");
        CHECK(event["requestContext"]["path"] == "/prod/store/items/42");
    }
    SUBCASE("the root resource of stage test") {
        integration.resource_path = "/";
        integration.path_parameters.clear();
        integration.stage = "test";
        integration.path = "/";
        integration.stage_path = "";
        ordered_json event = rest_event(rest_example_request(), integration);
        CHECK(event["resource"] == "/");
        CHECK(event["path"] == "/");
        CHECK(event["requestContext"]["path"] == "/test/");
        CHECK(event["requestContext"]["stage"] == "test");
    }
}

TEST_CASE("a 2.0 rawPath and http.path carry a named stage's prefix and none on $default") {
    HttpRequest request = http_example_request();
    ProxyIntegration integration = http_example_integration();
    SUBCASE("named stage given with its path") {
        integration.stage = "dev";
        integration.stage_path = "/dev/store/items/42";
        ordered_json event = http_event(request, integration);
        CHECK(event["rawPath"] == "/dev/store/items/42");
        CHECK(event["requestContext"]["http"]["path"] == "/dev/store/items/42");
        CHECK(event["requestContext"]["stage"] == "dev");
    }
    SUBCASE("named stage with the prefix derived") {
        integration.stage = "dev";
        ordered_json event = http_event(request, integration);
        CHECK(event["rawPath"] == "/dev/store/items/42");
    }
    SUBCASE("$default ignores a stage path") {
        integration.stage_path = "/$default/store/items/42";
        ordered_json event = http_event(request, integration);
        CHECK(event["rawPath"] == "/store/items/42");
        CHECK(event["requestContext"]["http"]["path"] == "/store/items/42");
    }
}

TEST_CASE("an HTTP API's event has the path decoded; a REST API's and a function URL's as sent") {
    SUBCASE("HTTP API, payload 2.0") {
        ProxyIntegration integration = http_example_integration();
        integration.path = "/store/a%20b/%C3%BC%2Fc";
        integration.decoded_path = true;
        ordered_json event = http_event(http_example_request(), integration);
        CHECK(event["rawPath"] == "/store/a b/\xc3\xbc/c");
        CHECK(event["requestContext"]["http"]["path"] == "/store/a b/\xc3\xbc/c");
    }
    SUBCASE("HTTP API, payload 1.0") {
        ProxyIntegration integration = http_example_integration();
        integration.format = PayloadFormat::V1;
        integration.path = "/store/a%20b";
        integration.decoded_path = true;
        ordered_json event = http_event(http_example_request(), integration);
        CHECK(event["path"] == "/store/a b");
        CHECK(event["requestContext"]["path"] == "/store/a b");
    }
    SUBCASE("a function URL, as an HTTP API event left encoded") {
        ProxyIntegration integration = http_example_integration();
        integration.path = "/store/a%20b";
        ordered_json event = http_event(http_example_request(), integration);
        CHECK(event["rawPath"] == "/store/a%20b");
    }
    SUBCASE("REST") {
        ProxyIntegration integration = rest_example_integration();
        integration.path = "/store/a%20b";
        integration.stage_path = "";
        ordered_json event = rest_event(rest_example_request(), integration);
        CHECK(event["path"] == "/store/a%20b");
        CHECK(event["requestContext"]["path"] == "/prod/store/a%20b");
    }
}

TEST_CASE("stage variables are sent as configured") {
    nlohmann::json variables = {{"env", "dev"}, {"table", "items"}};
    ProxyIntegration rest = rest_example_integration();
    rest.stage_variables = variables;
    CHECK(rest_event(rest_example_request(), rest)["stageVariables"] ==
          ordered_json::parse(R"({"env": "dev", "table": "items"})"));
    ProxyIntegration http = http_example_integration();
    http.stage_variables = variables;
    CHECK(http_event(http_example_request(), http)["stageVariables"] ==
          ordered_json::parse(R"({"env": "dev", "table": "items"})"));
}

TEST_CASE("a REST body is base64 only when its Content-Type is a binary media type") {
    const std::string body = "\x89PNG\r\n";
    ProxyIntegration integration = rest_example_integration();
    SUBCASE("no binary media types") {
        ordered_json event = rest_event(upload("image/png", "plain text"), integration);
        CHECK(event["body"] == "plain text");
        CHECK(event["isBase64Encoded"] == false);
    }
    SUBCASE("an exact type") {
        integration.binary_media_types = {"image/png"};
        ordered_json event = rest_event(upload("image/png", body), integration);
        CHECK(event["body"] == "iVBORw0K");
        CHECK(event["isBase64Encoded"] == true);
    }
    SUBCASE("a wildcard subtype") {
        integration.binary_media_types = {"image/*"};
        ordered_json event = rest_event(upload("Image/PNG; q=0.9", body), integration);
        CHECK(event["body"] == "iVBORw0K");
        CHECK(event["isBase64Encoded"] == true);
    }
    SUBCASE("*/* matches everything, even no Content-Type") {
        integration.binary_media_types = {"*/*"};
        ordered_json event = rest_event(upload("", "{}"), integration);
        CHECK(event["body"] == "e30=");
        CHECK(event["isBase64Encoded"] == true);
    }
    SUBCASE("a type that is not listed stays text") {
        integration.binary_media_types = {"image/*", "application/octet-stream"};
        ordered_json event = rest_event(upload("application/json", R"({"a":1})"), integration);
        CHECK(event["body"] == R"({"a":1})");
        CHECK(event["isBase64Encoded"] == false);
    }
}

TEST_CASE("binary media types match by exact type, type/*, */* and the ~1 spelling") {
    CHECK(is_binary_media_type("image/png", {"image/png"}));
    CHECK(is_binary_media_type("IMAGE/PNG;charset=x", {" image/png "}));
    CHECK(is_binary_media_type("image/gif", {"image~1gif"}));
    CHECK(is_binary_media_type("image/gif", {"image/*"}));
    CHECK(is_binary_media_type("application/pdf", {"*/*"}));
    CHECK(is_binary_media_type("", {"*/*"}));
    CHECK(
        is_binary_media_type("application/octet-stream", {"image/*", "application/octet-stream"}));
    CHECK_FALSE(is_binary_media_type("image/png", {}));
    CHECK_FALSE(is_binary_media_type("", {"image/*"}));
    CHECK_FALSE(is_binary_media_type("imagery/png", {"image/*"}));
    CHECK_FALSE(is_binary_media_type("image/pngx", {"image/png"}));
    CHECK_FALSE(is_binary_media_type("text/plain", {"application/*"}));
}

TEST_CASE("an HTTP API sends text types as a string and everything else as base64") {
    ProxyIntegration integration = http_example_integration();
    integration.stage = "$default";
    struct Case {
        std::string content_type;
        bool base64;
    };
    const std::vector<Case> cases = {
        {"text/plain", false},
        {"text/html; charset=utf-8", false},
        {"TEXT/CSV", false},
        {"application/json", false},
        {"application/json; charset=UTF-8", false},
        {"application/xml", false},
        {"application/javascript", false},
        {"application/x-www-form-urlencoded", true},
        {"multipart/form-data; boundary=xyz", true},
        {"application/octet-stream", true},
        {"application/ld+json", true},
        {"image/png", true},
        {"", true},
    };
    for (const Case& c : cases) {
        CAPTURE(c.content_type);
        for (PayloadFormat format : {PayloadFormat::V2, PayloadFormat::V1}) {
            integration.format = format;
            ordered_json event = http_event(upload(c.content_type, "ab"), integration);
            CHECK(event["isBase64Encoded"] == c.base64);
            CHECK(event["body"] == (c.base64 ? "YWI=" : "ab"));
        }
    }
}

TEST_CASE("a binary upload arrives byte for byte in base64") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
    }
    const std::string expected = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vM"
                                 "DEyMzQ1Njc4OTo7PD0+P0BBQkNERU"
                                 "ZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ"
                                 "3eHl6e3x9fn+AgYKDhIWGh4iJiouM"
                                 "jY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+"
                                 "wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0t"
                                 "PU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
    SUBCASE("REST with the type listed") {
        ProxyIntegration integration = rest_example_integration();
        integration.binary_media_types = {"application/octet-stream"};
        ordered_json event = rest_event(upload("application/octet-stream", bytes), integration);
        CHECK(event["body"] == expected);
        CHECK(event["isBase64Encoded"] == true);
    }
    SUBCASE("HTTP API") {
        ordered_json event =
            http_event(upload("application/octet-stream", bytes), http_example_integration());
        CHECK(event["body"] == expected);
        CHECK(event["isBase64Encoded"] == true);
    }
}

TEST_CASE("an empty body is null in 1.0, omitted in 2.0, and never base64") {
    ProxyIntegration rest = rest_example_integration();
    rest.binary_media_types = {"*/*"};
    ordered_json rest_event_json = rest_event(upload("application/octet-stream", ""), rest);
    CHECK(rest_event_json["body"].is_null());
    CHECK(rest_event_json["isBase64Encoded"] == false);

    ordered_json http_event_json = http_event(upload("", ""), http_example_integration());
    CHECK_FALSE(http_event_json.contains("body"));
    CHECK(http_event_json["isBase64Encoded"] == false);
}

TEST_CASE("text that is not UTF-8 reaches the function with replacement characters") {
    HttpRequest request = upload("text/plain", "caf\xe9");
    request.raw_query = "q=%FF";
    ordered_json event = rest_event(request, rest_example_integration());
    CHECK(event["body"] == "caf\xef\xbf\xbd");
    CHECK(event["queryStringParameters"]["q"] == "\xef\xbf\xbd");
    CHECK(event["isBase64Encoded"] == false);
}

TEST_CASE("the domain prefix is the first label of the host, without a port") {
    ProxyIntegration integration = http_example_integration();
    integration.domain_name = "localhost:3000";
    ordered_json event = http_event(http_example_request(), integration);
    CHECK(event["requestContext"]["domainName"] == "localhost:3000");
    CHECK(event["requestContext"]["domainPrefix"] == "localhost");
}

TEST_CASE("a derived resource id is 6 lowercase alphanumerics, stable per path template") {
    ProxyIntegration integration = rest_example_integration();
    integration.resource_id = "";
    ordered_json event = rest_event(rest_example_request(), integration);
    CHECK(event["requestContext"]["resourceId"] == resource_id_for("/store/{proxy+}"));
    CHECK(resource_id_for("/store/{proxy+}") == "xbzxzr");
    CHECK(resource_id_for("/") == "46sz8h");
    CHECK(resource_id_for("/store/{proxy+}") != resource_id_for("/store"));
}

TEST_CASE("fresh stamps use a UUID for REST and the short form for HTTP APIs") {
    auto is_short_id = [](const std::string& id) {
        if (id.size() != 16 || id.back() != '=') {
            return false;
        }
        for (std::size_t i = 0; i + 1 < id.size(); ++i) {
            char c = id[i];
            bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    };
    WallClock::time_point now = at_ms(1715752869693);
    RequestStamp rest = new_request_stamp(ApiType::Rest, now);
    CHECK(rest.request_id.size() == 36);
    CHECK(rest.request_id[14] == '4');
    CHECK(is_short_id(rest.extended_request_id));
    CHECK(rest.time == now);
    RequestStamp http = new_request_stamp(ApiType::Http, now);
    CHECK(is_short_id(http.request_id));
    CHECK(http.extended_request_id == http.request_id);
    CHECK(new_short_request_id() != new_short_request_id());
}

TEST_SUITE_END();
