// Tests of reading function results into HTTP responses, and of the gateway's own answers.
#include "runtime/gateway/proxy_response.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

using lambda_local::runtime::gateway::ApiType;
using lambda_local::runtime::gateway::first_accept_type;
using lambda_local::runtime::gateway::gateway_answer;
using lambda_local::runtime::gateway::GatewayAnswer;
using lambda_local::runtime::gateway::HeaderList;
using lambda_local::runtime::gateway::HttpResponse;
using lambda_local::runtime::gateway::MalformedResponse;
using lambda_local::runtime::gateway::PayloadFormat;
using lambda_local::runtime::gateway::read_function_response;
using lambda_local::runtime::gateway::response_from_function;

namespace {

const std::vector<std::string> k_no_binary_types;

HttpResponse rest(const std::string& payload,
                  const std::vector<std::string>& binary_types = k_no_binary_types) {
    return response_from_function(ApiType::Rest, PayloadFormat::V1, payload, binary_types);
}

HttpResponse http_v1(const std::string& payload) {
    return response_from_function(ApiType::Http, PayloadFormat::V1, payload, k_no_binary_types);
}

HttpResponse http_v2(const std::string& payload) {
    return response_from_function(ApiType::Http, PayloadFormat::V2, payload, k_no_binary_types);
}

// The reason a result is malformed, or "" when it is not.
std::string malformed_reason(ApiType api_type, PayloadFormat format, const std::string& payload) {
    auto read = read_function_response(api_type, format, payload, k_no_binary_types);
    auto* malformed = std::get_if<MalformedResponse>(&read);
    return malformed == nullptr ? "" : malformed->reason;
}

void check_rest_502(const HttpResponse& response) {
    CHECK(response.status == 502);
    CHECK(response.headers == HeaderList{{"Content-Type", "application/json"},
                                         {"x-amzn-ErrorType", "InternalServerErrorException"}});
    CHECK(response.body == R"({"message": "Internal server error"})");
}

void check_http_500(const HttpResponse& response) {
    CHECK(response.status == 500);
    CHECK(response.headers == HeaderList{{"content-type", "application/json"}});
    CHECK(response.body == R"({"message":"Internal Server Error"})");
}

} // namespace

TEST_SUITE_BEGIN("runtime::gateway::proxy_response");

TEST_CASE("a result nested a million levels deep is malformed, and reading it does not crash") {
    // Parsed into an ordered object, a deep member was copied level by level as the object
    // grew: `serve` died of a stack overflow (docs/serve.md, "The gateway's answers").
    const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
    const std::string in_headers =
        R"({"statusCode":200,"headers":{"x":)" + deep + R"(},"body":"ok","isBase64Encoded":false})";
    check_rest_502(rest(in_headers));
    check_http_500(http_v1(in_headers));
    check_http_500(http_v2(in_headers));
    check_http_500(http_v2(deep));
    // As deep as real results go is read as before.
    const std::string nested = std::string(100, '[') + std::string(100, ']');
    const HttpResponse fine =
        http_v2(R"({"statusCode":201,"body":"ok","headers":{"a":"b"},"extra":)" + nested + "}");
    CHECK(fine.status == 201);
    CHECK(fine.body == "ok");
}

TEST_CASE("a 1.0 result gives its status, headers and body") {
    const std::string payload = R"({"isBase64Encoded": false, "statusCode": 200,
        "headers": {"Content-Type": "text/plain"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "hello"})";
    for (ApiType api_type : {ApiType::Rest, ApiType::Http}) {
        HttpResponse response =
            response_from_function(api_type, PayloadFormat::V1, payload, k_no_binary_types);
        CHECK(response.status == 200);
        CHECK(response.headers == HeaderList{{"Content-Type", "text/plain"},
                                             {"Set-Cookie", "a=1"},
                                             {"Set-Cookie", "b=2"}});
        CHECK(response.body == "hello");
    }
}

TEST_CASE("multiValueHeaders win over headers for a name in both") {
    HttpResponse response = rest(R"({"statusCode": 201,
        "headers": {"x-one": "1", "X-Both": "single", "Content-Type": "text/plain"},
        "multiValueHeaders": {"x-both": ["m1", "m2"], "X-Many": ["a", "b", "c"]}})");
    CHECK(response.status == 201);
    CHECK(response.headers == HeaderList{{"x-one", "1"},
                                         {"Content-Type", "text/plain"},
                                         {"x-both", "m1"},
                                         {"x-both", "m2"},
                                         {"X-Many", "a"},
                                         {"X-Many", "b"},
                                         {"X-Many", "c"}});
    CHECK(response.body == "");
}

TEST_CASE("header values that are numbers or booleans are sent as text, null ones not at all") {
    HttpResponse response = rest(R"({"statusCode": 200,
        "headers": {"Content-Length": 5, "X-Ratio": 1.5, "X-Flag": true, "X-None": null},
        "multiValueHeaders": {"X-Multi": [1, false, null, "s"], "X-Null": null},
        "body": "hello"})");
    CHECK(response.headers == HeaderList{{"Content-Length", "5"},
                                         {"X-Ratio", "1.5"},
                                         {"X-Flag", "true"},
                                         {"X-Multi", "1"},
                                         {"X-Multi", "false"},
                                         {"X-Multi", "s"},
                                         {"Content-Type", "application/json"}});
}

TEST_CASE("a REST API decodes a base64 body only when the first Accept type is a binary one") {
    const std::string payload = R"({"statusCode": 200, "isBase64Encoded": true,
        "headers": {"Content-Type": "image/png"}, "body": "iVBORw0K"})";
    auto rest_accepting = [&payload](const std::vector<std::string>& types,
                                     std::string_view accept) {
        return response_from_function(ApiType::Rest, PayloadFormat::V1, payload, types, accept);
    };
    SUBCASE("the Accept type listed") {
        CHECK(rest_accepting({"image/png"}, "image/png").body == "\x89PNG\r\n");
    }
    SUBCASE("a wildcard in binaryMediaTypes") {
        CHECK(rest_accepting({"image/*"}, "image/png").body == "\x89PNG\r\n");
    }
    SUBCASE("*/* configured matches any Accept, and none") {
        CHECK(rest_accepting({"*/*"}, "text/html").body == "\x89PNG\r\n");
        CHECK(rest_accepting({"*/*"}, "").body == "\x89PNG\r\n");
    }
    SUBCASE("only the first Accept type counts (a browser's image request)") {
        CHECK(rest_accepting({"image/webp"}, "image/webp,image/*,*/*;q=0.8").body == "\x89PNG\r\n");
        CHECK(rest_accepting({"image/png"}, "image/webp,image/png,*/*;q=0.8").body == "iVBORw0K");
    }
    SUBCASE("Accept */* (curl's) is not image/png: the base64 text goes out as it is") {
        HttpResponse response = rest_accepting({"image/png"}, "*/*");
        CHECK(response.status == 200);
        CHECK(response.body == "iVBORw0K");
    }
    SUBCASE("no Accept and no */*: the text") {
        CHECK(rest_accepting({"image/png"}, "").body == "iVBORw0K");
    }
    SUBCASE("the response's own Content-Type does not decide") {
        CHECK(rest_accepting({"image/png"}, "application/json").body == "iVBORw0K");
        CHECK(rest_accepting({"application/octet-stream"}, "application/octet-stream").body ==
              "\x89PNG\r\n");
    }
}

TEST_CASE("the first Accept media type is read without its parameters") {
    CHECK(first_accept_type("image/webp,image/*,*/*;q=0.8") == "image/webp");
    CHECK(first_accept_type(" Image/PNG ; q=1, text/html") == "image/png");
    CHECK(first_accept_type("") == "");
}

TEST_CASE("an HTTP API decodes a base64 body whenever isBase64Encoded is true") {
    SUBCASE("payload 1.0") {
        HttpResponse response = http_v1(R"({"statusCode": 200, "isBase64Encoded": true,
            "headers": {"content-type": "text/plain"}, "body": "aGVsbG8="})");
        CHECK(response.body == "hello");
    }
    SUBCASE("payload 2.0") {
        HttpResponse response = http_v2(R"({"statusCode": 200, "isBase64Encoded": true,
            "body": "AAH/\n/gA="})");
        CHECK(response.body == std::string("\x00\x01\xff\xfe\x00", 5));
    }
    SUBCASE("URL-safe alphabet, no padding") {
        HttpResponse response =
            http_v2(R"({"statusCode": 200, "isBase64Encoded": true, "body": "_-8"})");
        CHECK(response.body == "\xff\xef");
    }
    SUBCASE("false leaves the body as it is") {
        HttpResponse response =
            http_v2(R"({"statusCode": 200, "isBase64Encoded": false, "body": "aGVsbG8="})");
        CHECK(response.body == "aGVsbG8=");
    }
}

TEST_CASE("a body that is not base64 although flagged makes the result malformed") {
    const std::string payload =
        R"({"statusCode": 200, "isBase64Encoded": true, "body": "not base64!"})";
    check_rest_502(rest(payload, {"*/*"}));
    check_http_500(http_v1(payload));
    check_http_500(http_v2(payload));
    CHECK(malformed_reason(ApiType::Http, PayloadFormat::V2, payload) ==
          "body is not base64 although isBase64Encoded is true");
    CHECK(malformed_reason(ApiType::Http, PayloadFormat::V2,
                           R"({"statusCode": 200, "isBase64Encoded": true, "body": "abcde"})") ==
          "body is not base64 although isBase64Encoded is true");
}

TEST_CASE("a malformed 1.0 result gives a REST API's 502 and an HTTP API's 500") {
    struct Case {
        std::string payload;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"hello", "the result is not JSON"},
        {"", "the result is not JSON"},
        {R"({"statusCode": 200)", "the result is not JSON"},
        {R"("hello")", "the result is not a JSON object"},
        {"null", "the result is not a JSON object"},
        {"42", "the result is not a JSON object"},
        {R"([{"statusCode": 200}])", "the result is not a JSON object"},
        {R"({"statusCode": "abc"})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": "20 0"})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 0})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": -200})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 99})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 600})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 18446744073709551615})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 200.5})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": true})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": {"code": 200}})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 200, "headers": ["a"]})", "headers is not an object"},
        {R"({"statusCode": 200, "headers": {"X-A": {"b": 1}}})", "header \"X-A\" is not a string"},
        {R"({"statusCode": 200, "headers": {"X-A": ["b"]}})", "header \"X-A\" is not a string"},
        {R"({"statusCode": 200, "multiValueHeaders": "x"})", "multiValueHeaders is not an object"},
        {R"({"statusCode": 200, "multiValueHeaders": {"X-A": "b"}})",
         "multiValueHeaders \"X-A\" is not an array"},
        {R"({"statusCode": 200, "multiValueHeaders": {"X-A": [["b"]]}})",
         "multiValueHeaders \"X-A\" holds a non-string"},
        {R"({"statusCode": 200, "body": {"message": "hi"}})", "body is not a string"},
        {R"({"statusCode": 200, "body": ["hi"]})", "body is not a string"},
        {R"({"statusCode": 200, "isBase64Encoded": "true"})", "isBase64Encoded is not a boolean"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.payload);
        check_rest_502(rest(c.payload));
        check_http_500(http_v1(c.payload));
        CHECK(malformed_reason(ApiType::Rest, PayloadFormat::V1, c.payload) == c.reason);
        CHECK(malformed_reason(ApiType::Http, PayloadFormat::V1, c.payload) == c.reason);
    }
}

TEST_CASE("a REST result with a key outside the five is malformed, an HTTP API ignores it") {
    for (const std::string key : {"cookies", "statuscode", "Body", "extra"}) {
        CAPTURE(key);
        const std::string payload =
            R"({"statusCode": 201, "body": "ok", ")" + key + R"(": ["a=1"]})";
        check_rest_502(rest(payload));
        CHECK(malformed_reason(ApiType::Rest, PayloadFormat::V1, payload) ==
              "unexpected key \"" + key + "\"");
        HttpResponse http = http_v1(payload);
        CHECK(http.status == 201);
        CHECK(http.headers.empty());
        CHECK(http.body == "ok");
    }
}

TEST_CASE("a statusCode may be an integral number or a string of digits") {
    CHECK(rest(R"({"statusCode": 404})").status == 404);
    CHECK(rest(R"({"statusCode": 201.0})").status == 201);
    CHECK(rest(R"({"statusCode": 3e2})").status == 300);
    CHECK(rest(R"({"statusCode": "204"})").status == 204);
    CHECK(http_v1(R"({"statusCode": "503"})").status == 503);
    CHECK(http_v2(R"({"statusCode": "418", "body": "teapot"})").status == 418);
    CHECK(http_v2(R"({"statusCode": 100})").status == 100);
    CHECK(http_v2(R"({"statusCode": 599})").status == 599);
}

TEST_CASE("a REST API gives application/json to a response that names no Content-Type") {
    CHECK(rest(R"({"statusCode": 200, "body": "x"})").headers ==
          HeaderList{{"Content-Type", "application/json"}});
    CHECK(rest(R"({"statusCode": 200, "headers": {"content-type": "text/html"}})").headers ==
          HeaderList{{"content-type", "text/html"}});
    CHECK(rest(R"({"statusCode": 200, "multiValueHeaders": {"Content-Type": ["text/csv"]}})")
              .headers == HeaderList{{"Content-Type", "text/csv"}});
    // null asks for none (what ASP.NET Core's Lambda adapter does for a 204).
    CHECK(rest(R"({"statusCode": 204, "headers": {"Content-Type": null}})").headers.empty());
    // An HTTP API adds none.
    CHECK(http_v1(R"({"statusCode": 200, "body": "x"})").headers.empty());
    CHECK(http_v2(R"({"statusCode": 200, "body": "x"})").headers.empty());
}

TEST_CASE("a 1.0 result without statusCode is a 200") {
    for (const std::string payload :
         {R"({"body": "hi"})", R"({"statusCode": null, "body": "hi"})", "{}"}) {
        CAPTURE(payload);
        HttpResponse response = rest(payload);
        CHECK(response.status == 200);
        CHECK(response.headers == HeaderList{{"Content-Type", "application/json"}});
        CHECK(response.body == (payload == "{}" ? "" : "hi"));
        CHECK(http_v1(payload).status == 200);
    }
}

TEST_CASE("a 1.0 body that is a number or boolean is sent as text, a null one as nothing") {
    CHECK(rest(R"({"statusCode": 200, "body": 42})").body == "42");
    CHECK(rest(R"({"statusCode": 200, "body": false})").body == "false");
    CHECK(rest(R"({"statusCode": 200, "body": null, "isBase64Encoded": null})").body == "");
}

TEST_CASE("a 2.0 result without statusCode is inferred as a JSON body of a 200") {
    struct Case {
        std::string payload;
        std::string body;
    };
    const std::vector<Case> cases = {
        {R"("Hello")", "Hello"},
        {R"("")", ""},
        {R"({"message":"x"})", R"({"message":"x"})"},
        {R"({"body": "not a response", "headers": {"a": "b"}})",
         R"({"body": "not a response", "headers": {"a": "b"}})"},
        {R"({"statusCode": null, "body": "b"})", R"({"statusCode": null, "body": "b"})"},
        {"[1, 2]", "[1, 2]"},
        {"42", "42"},
        {"true", "true"},
        {"null", "null"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.payload);
        HttpResponse response = http_v2(c.payload);
        CHECK(response.status == 200);
        CHECK(response.headers == HeaderList{{"content-type", "application/json"}});
        CHECK(response.body == c.body);
    }
}

TEST_CASE("a 2.0 result that is not JSON is malformed") {
    check_http_500(http_v2("Hello"));
    check_http_500(http_v2(""));
    CHECK(malformed_reason(ApiType::Http, PayloadFormat::V2, "Hello") == "the result is not JSON");
}

TEST_CASE("a 2.0 result gives its status, headers, one Set-Cookie per cookie, and its body") {
    HttpResponse response = http_v2(R"({"cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "isBase64Encoded": false, "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-count": 3}, "body": "created"})");
    CHECK(response.status == 201);
    CHECK(response.headers == HeaderList{{"content-type", "text/plain"},
                                         {"x-count", "3"},
                                         {"set-cookie", "a=1; Path=/"},
                                         {"set-cookie", "b=2; HttpOnly"}});
    CHECK(response.body == "created");
}

TEST_CASE("a 2.0 result's multiValueHeaders and unknown keys are ignored") {
    HttpResponse response = http_v2(R"({"statusCode": 200, "body": "ok",
        "multiValueHeaders": {"x-multi": ["a", "b"]}, "extra": {"any": "thing"}})");
    CHECK(response.status == 200);
    CHECK(response.headers.empty());
    CHECK(response.body == "ok");
}

TEST_CASE("a malformed 2.0 result gives an HTTP API's 500") {
    struct Case {
        std::string payload;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {R"({"statusCode": "OK"})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 1000})", "statusCode is not an integer from 100 to 599"},
        {R"({"statusCode": 200, "headers": "x"})", "headers is not an object"},
        {R"({"statusCode": 200, "headers": {"a": ["b"]}})", "header \"a\" is not a string"},
        {R"({"statusCode": 200, "cookies": "a=1"})", "cookies is not an array"},
        {R"({"statusCode": 200, "cookies": [{"a": 1}]})", "cookies holds a non-string"},
        {R"({"statusCode": 200, "body": {"a": 1}})", "body is not a string"},
        {R"({"statusCode": 200, "isBase64Encoded": 1})", "isBase64Encoded is not a boolean"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.payload);
        check_http_500(http_v2(c.payload));
        CHECK(malformed_reason(ApiType::Http, PayloadFormat::V2, c.payload) == c.reason);
    }
}

TEST_CASE("a REST API reads a result as 1.0 whatever format it is given") {
    HttpResponse response =
        response_from_function(ApiType::Rest, PayloadFormat::V2, R"("Hello")", k_no_binary_types);
    check_rest_502(response);
}

TEST_CASE("the gateway's own answers carry AWS's status, headers and body") {
    struct Case {
        ApiType api_type;
        GatewayAnswer answer;
        int status;
        HeaderList headers;
        std::string body;
    };
    const std::vector<Case> cases = {
        {ApiType::Rest,
         GatewayAnswer::NoRoute,
         403,
         {{"Content-Type", "application/json"},
          {"x-amzn-ErrorType", "MissingAuthenticationTokenException"}},
         R"({"message":"Missing Authentication Token"})"},
        {ApiType::Http,
         GatewayAnswer::NoRoute,
         404,
         {{"content-type", "application/json"}},
         R"({"message":"Not Found"})"},
        {ApiType::Rest,
         GatewayAnswer::FunctionFailed,
         502,
         {{"Content-Type", "application/json"},
          {"x-amzn-ErrorType", "InternalServerErrorException"}},
         R"({"message": "Internal server error"})"},
        {ApiType::Http,
         GatewayAnswer::FunctionFailed,
         500,
         {{"content-type", "application/json"}},
         R"({"message":"Internal Server Error"})"},
        {ApiType::Rest,
         GatewayAnswer::IntegrationTimeout,
         504,
         {{"Content-Type", "application/json"}},
         R"({"message": "Endpoint request timed out"})"},
        {ApiType::Http,
         GatewayAnswer::IntegrationTimeout,
         503,
         {{"content-type", "application/json"}},
         R"({"message":"Service Unavailable"})"},
        {ApiType::Rest,
         GatewayAnswer::RequestTooLarge,
         413,
         {{"Content-Type", "application/json"}, {"x-amzn-ErrorType", "BadRequestException"}},
         R"({"message": "Request Too Long"})"},
        {ApiType::Http,
         GatewayAnswer::RequestTooLarge,
         413,
         {{"content-type", "application/json"}},
         R"({"message":"Request Entity Too Large"})"},
        {ApiType::Rest,
         GatewayAnswer::RequestOverGatewayLimit,
         413,
         {{"Content-Type", "text; charset=utf-8"}},
         "HTTP content length exceeded 10485760 bytes."},
        {ApiType::Http,
         GatewayAnswer::RequestOverGatewayLimit,
         413,
         {{"content-type", "text; charset=utf-8"}},
         "HTTP content length exceeded 10485760 bytes."},
    };
    for (const Case& c : cases) {
        CAPTURE(static_cast<int>(c.api_type));
        CAPTURE(static_cast<int>(c.answer));
        HttpResponse response = gateway_answer(c.api_type, c.answer);
        CHECK(response.status == c.status);
        CHECK(response.headers == c.headers);
        CHECK(response.body == c.body);
    }
}

TEST_SUITE_END();
