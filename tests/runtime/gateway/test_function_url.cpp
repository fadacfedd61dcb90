// Tests of function URLs: url-ids, routing by Host and by prefix, the event, the answers.
#include "runtime/gateway/function_url.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::json;
using AuthType = config::FunctionUrlConfig::AuthType;

config::FunctionUrlConfig url_of(const std::string& function, AuthType auth = AuthType::None) {
    config::FunctionUrlConfig url;
    url.function_name = function;
    url.auth = auth;
    return url;
}

HttpRequest request(const std::string& method, const std::string& path, const std::string& host) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.headers = {{"Host", host}, {"User-Agent", "test/1.0"}};
    r.source_ip = "198.51.100.7";
    return r;
}

FrontDoor local_front() {
    FrontDoor front;
    front.port = "3000";
    front.scheme = "http";
    return front;
}

// A project's URLs whose signature check answers `verdict` (and remembers that it ran).
struct Fixture {
    std::string verdict;
    int checks = 0;
    FunctionUrls urls;
    explicit Fixture(std::vector<config::FunctionUrlConfig> configs, std::string check_verdict = "")
        : verdict(std::move(check_verdict)),
          urls(
              std::move(configs), "us-east-1",
              [this](const HttpRequest&, std::string_view region) {
                  ++checks;
                  CHECK(region == "us-east-1");
                  return verdict;
              },
              iam_caller("AKIDLOCAL")) {}
};

std::string header(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) {
            return value;
        }
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("runtime::gateway::FunctionUrls");

TEST_CASE("a url-id is 32 lowercase letters and digits, the same for the same function") {
    std::string id = function_url_id("orders");
    CHECK(std::regex_match(id, std::regex("[a-z0-9]{32}")));
    CHECK(function_url_id("orders") == id);
    CHECK(function_url_id("orders2") != id);
    CHECK(function_url_host(id, "3000") == id + ".lambda-url.localhost:3000");
}

TEST_CASE("a request reaches a URL by its Host, or by the /_lambda-url/ prefix") {
    Fixture fixture({url_of("orders"), url_of("billing")});
    const std::string orders = function_url_id("orders");
    SUBCASE("by Host, any case, with a port, localhost or AWS's own domain") {
        for (const std::string& host :
             {orders + ".lambda-url.localhost:3000", orders + ".LAMBDA-URL.localhost",
              orders + ".lambda-url.us-east-1.on.aws"}) {
            auto target = fixture.urls.match(request("GET", "/a/b", host));
            REQUIRE(target.has_value());
            REQUIRE(target->url != nullptr);
            CHECK(target->url->function_name == "orders");
            CHECK(target->path == "/a/b");
            CHECK_FALSE(target->by_prefix);
        }
    }
    SUBCASE("an id that is no URL's") {
        auto target = fixture.urls.match(
            request("GET", "/", "0123456789abcdef0123456789abcdef.lambda-url.localhost:3000"));
        REQUIRE(target.has_value());
        CHECK(target->url == nullptr);
        Integration answered = fixture.urls.prepare(request("GET", "/", "x.lambda-url.localhost"),
                                                    *target, local_front());
        REQUIRE(answered.answer.has_value());
        CHECK(answered.answer->status == 404);
    }
    SUBCASE("by the prefix and the function's name or url-id") {
        auto by_name = fixture.urls.match(request("GET", "/_lambda-url/billing/x/y", "127.0.0.1"));
        REQUIRE(by_name.has_value());
        REQUIRE(by_name->url != nullptr);
        CHECK(by_name->url->function_name == "billing");
        CHECK(by_name->path == "/x/y");
        CHECK(by_name->by_prefix);
        auto by_id = fixture.urls.match(request("GET", "/_lambda-url/" + orders, "127.0.0.1"));
        REQUIRE(by_id.has_value());
        REQUIRE(by_id->url != nullptr);
        CHECK(by_id->url->function_name == "orders");
        CHECK(by_id->path == "/");
    }
    SUBCASE("other hosts and paths are the APIs'") {
        CHECK_FALSE(fixture.urls.match(request("GET", "/pets", "127.0.0.1:3000")).has_value());
        CHECK_FALSE(
            fixture.urls.match(request("GET", "/pets", "lambda-url.localhost")).has_value());
        CHECK_FALSE(fixture.urls.match(request("GET", "/_lambda-urlx/a", "localhost")).has_value());
    }
}

TEST_CASE("the event is payload 2.0 in its function URL form") {
    Fixture fixture({url_of("orders")});
    const std::string id = function_url_id("orders");
    const std::string host = id + ".lambda-url.localhost:3000";
    HttpRequest r = request("POST", "/items/42", host);
    r.raw_query = "tag=a&tag=b";
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("Cookie", "a=1; b=2");
    r.headers.emplace_back("X-Forwarded-For", "203.0.113.1");
    r.body = R"({"qty":1})";
    auto target = fixture.urls.match(r);
    REQUIRE(target.has_value());
    Integration integration = fixture.urls.prepare(r, *target, local_front());
    REQUIRE_FALSE(integration.answer.has_value());
    CHECK(integration.function_name == "orders");
    CHECK(fixture.checks == 0); // AuthType NONE: no signature looked at
    json event = json::parse(integration.event);
    INFO(event.dump(2));
    CHECK(event["version"] == "2.0");
    CHECK(event["routeKey"] == "$default");
    CHECK(event["rawPath"] == "/items/42");
    CHECK(event["rawQueryString"] == "tag=a&tag=b");
    CHECK(event["cookies"] == json{"a=1", "b=2"});
    CHECK(event["queryStringParameters"] == json{{"tag", "a,b"}});
    CHECK(event["headers"]["host"] == host);
    CHECK(event["headers"]["x-forwarded-for"] == "203.0.113.1, 198.51.100.7");
    CHECK(event["headers"]["x-forwarded-proto"] == "http");
    CHECK(event["headers"]["x-forwarded-port"] == "3000");
    CHECK(std::regex_match(event["headers"]["x-amzn-trace-id"].get<std::string>(),
                           std::regex("Root=1-[0-9a-f]{8}-[0-9a-f]{24}")));
    CHECK_FALSE(event.contains("pathParameters"));
    CHECK_FALSE(event.contains("stageVariables"));
    const json& context = event["requestContext"];
    CHECK(context["accountId"] == "anonymous");
    CHECK(context["apiId"] == id);
    CHECK_FALSE(context.contains("authorizer"));
    CHECK(context["domainName"] == host);
    CHECK(context["domainPrefix"] == id);
    CHECK(context["http"]["method"] == "POST");
    CHECK(context["http"]["path"] == "/items/42");
    CHECK(context["http"]["sourceIp"] == "198.51.100.7");
    CHECK(context["http"]["userAgent"] == "test/1.0");
    CHECK(std::regex_match(
        context["requestId"].get<std::string>(),
        std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
    CHECK(context["routeKey"] == "$default");
    CHECK(context["stage"] == "$default");
    CHECK(event["body"] == R"({"qty":1})");
    CHECK(event["isBase64Encoded"] == false);
}

TEST_CASE("by the prefix, the function sees the URL's own host and path") {
    Fixture fixture({url_of("orders")});
    HttpRequest r = request("GET", "/_lambda-url/orders/items", "127.0.0.1:3000");
    auto target = fixture.urls.match(r);
    REQUIRE(target.has_value());
    json event = json::parse(fixture.urls.prepare(r, *target, local_front()).event);
    const std::string host = function_url_host(function_url_id("orders"), "3000");
    CHECK(event["rawPath"] == "/items");
    CHECK(event["headers"]["host"] == host);
    CHECK(event["requestContext"]["domainName"] == host);
    CHECK(event["requestContext"]["domainPrefix"] == function_url_id("orders"));
}

TEST_CASE("AWS_IAM: a valid signature adds authorizer.iam, anything else gets 403") {
    const std::string host = function_url_id("orders") + ".lambda-url.localhost:3000";
    HttpRequest r = request("GET", "/", host);
    SUBCASE("signed") {
        Fixture fixture({url_of("orders", AuthType::AwsIam)}, "");
        Integration integration = fixture.urls.prepare(r, *fixture.urls.match(r), local_front());
        REQUIRE_FALSE(integration.answer.has_value());
        CHECK(fixture.checks == 1);
        json context = json::parse(integration.event)["requestContext"];
        CHECK(context["accountId"] == "123456789012");
        const json& iam = context["authorizer"]["iam"];
        CHECK(iam["accessKey"] == "AKIDLOCAL");
        CHECK(iam["accountId"] == "123456789012");
        CHECK(std::regex_match(iam["callerId"].get<std::string>(), std::regex("AIDA[A-Z2-7]{17}")));
        CHECK(iam["userId"] == iam["callerId"]);
        CHECK(iam["userArn"] == "arn:aws:iam::123456789012:user/lambda-local");
        CHECK(iam["cognitoIdentity"].is_null());
        CHECK(iam["principalOrgId"].is_null());
    }
    SUBCASE("not signed, or wrongly") {
        Fixture fixture({url_of("orders", AuthType::AwsIam)}, "the signature does not match");
        Integration integration = fixture.urls.prepare(r, *fixture.urls.match(r), local_front());
        REQUIRE(integration.answer.has_value());
        CHECK(integration.answer->status == 403);
        CHECK(header(*integration.answer, "x-amzn-ErrorType") == "AccessDeniedException");
        CHECK(json::parse(integration.answer->body)["Message"].get<std::string>().starts_with(
            "Forbidden."));
        CHECK(integration.note == "AWS_IAM: the signature does not match");
        CHECK(integration.event.empty());
    }
    SUBCASE("without a signature check, nothing gets through") {
        FunctionUrls urls({url_of("orders", AuthType::AwsIam)}, "us-east-1", nullptr,
                          iam_caller("AKIDLOCAL"));
        Integration integration = urls.prepare(r, *urls.match(r), local_front());
        REQUIRE(integration.answer.has_value());
        CHECK(integration.answer->status == 403);
    }
}

TEST_CASE("the answer is inferred as payload 2.0 and the URL's CORS applies") {
    config::FunctionUrlConfig url = url_of("orders");
    config::CorsConfig cors;
    cors.allow_origins = {"https://app.example"};
    cors.allow_methods = {"GET", "POST"};
    cors.expose_headers = {"x-request-id"};
    url.cors = cors;
    Fixture fixture({url});
    const std::string host = function_url_id("orders") + ".lambda-url.localhost:3000";

    HttpRequest preflight = request("OPTIONS", "/items", host);
    preflight.headers.emplace_back("Origin", "https://app.example");
    preflight.headers.emplace_back("Access-Control-Request-Method", "POST");
    Integration answered =
        fixture.urls.prepare(preflight, *fixture.urls.match(preflight), local_front());
    REQUIRE(answered.answer.has_value());
    CHECK(answered.answer->status == 204);
    CHECK(header(*answered.answer, "access-control-allow-origin") == "https://app.example");
    CHECK(header(*answered.answer, "access-control-allow-methods") == "GET,POST");

    HttpRequest get = request("GET", "/items", host);
    get.headers.emplace_back("Origin", "https://app.example");
    Integration integration = fixture.urls.prepare(get, *fixture.urls.match(get), local_front());
    InvocationResult result;
    result.payload = R"({"message":"hi"})";
    HttpResponse response = fixture.urls.answer(integration, result, nullptr);
    CHECK(response.status == 200);
    CHECK(header(response, "content-type") == "application/json");
    CHECK(response.body == R"({"message":"hi"})");
    CHECK(header(response, "access-control-allow-origin") == "https://app.example");
    CHECK(header(response, "access-control-expose-headers") == "x-request-id");

    result.payload = R"({"statusCode":201,"body":"made","cookies":["a=1"]})";
    response = fixture.urls.answer(integration, result, nullptr);
    CHECK(response.status == 201);
    CHECK(response.body == "made");
    CHECK(header(response, "set-cookie") == "a=1");

    InvocationResult failed;
    failed.status = InvocationStatus::Crashed;
    CHECK(fixture.urls.answer(integration, failed, nullptr).status == 502);
    std::string malformed;
    result.payload = R"({"statusCode":"abc"})";
    CHECK(fixture.urls.answer(integration, result, &malformed).status == 502);
    CHECK_FALSE(malformed.empty());
    CHECK(fixture.urls.throttled(integration).status == 429);
}

TEST_CASE("the gateway tries function URLs first, and the APIs for everything else") {
    auto urls =
        std::make_shared<FunctionUrls>(std::vector<config::FunctionUrlConfig>{url_of("orders")},
                                       "us-east-1", nullptr, iam_caller("AKIDLOCAL"));
    Gateway gateway({}, urls);
    const std::string host = function_url_id("orders") + ".lambda-url.localhost:3000";
    Integration to_url = gateway.prepare(request("GET", "/anything", host), local_front());
    REQUIRE_FALSE(to_url.answer.has_value());
    CHECK(to_url.function_url != nullptr);
    CHECK(to_url.function_name == "orders");
    InvocationResult result;
    result.payload = R"("Hello")";
    HttpResponse response = gateway.answer(to_url, result);
    CHECK(response.status == 200);
    CHECK(response.body == "\"Hello\""); // a function URL keeps the quotes
    Integration elsewhere =
        gateway.prepare(request("GET", "/pets", "127.0.0.1:3000"), local_front());
    CHECK(elsewhere.answer.has_value()); // no API has a route for it: the gateway's own answer
    CHECK(elsewhere.function_url == nullptr);
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::gateway
