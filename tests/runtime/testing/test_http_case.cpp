// Tests of HTTP cases through the gateway: routing, the event, and the client's answer.
#include "runtime/testing/http_case.hpp"

#include "runtime/execution/report.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::testing;
using nlohmann::json;

namespace {

HttpSetup setup_for(gateway::ApiType type, const std::string& stage, const std::string& method,
                    const std::string& path, const std::string& function = "orders") {
    config::ApiConfig api;
    api.api.type = type;
    api.api.id = "abc123defg";
    api.api.stages = {stage};
    gateway::Route route;
    route.function_name = function;
    route.method = method;
    route.path = path;
    api.api.routes.push_back(route);
    HttpSetup setup;
    setup.stage = stage;
    setup.apis.push_back(api);
    setup.gateway = std::make_shared<gateway::Gateway>(setup.apis);
    return setup;
}

FunctionSpec orders() {
    FunctionSpec spec;
    spec.name = "orders";
    return spec;
}

gateway::HttpRequest request(const std::string& method, const std::string& path,
                             const std::string& query = "") {
    gateway::HttpRequest r;
    r.method = method;
    r.path = path;
    r.raw_query = query;
    return r;
}

} // namespace

TEST_SUITE("runtime::testing::HttpCase") {

    TEST_CASE("an HTTP API request becomes a payload 2.0 event with its route and parameters") {
        const HttpSetup setup =
            setup_for(gateway::ApiType::Http, "$default", "GET", "/orders/{id}");
        gateway::HttpRequest r = request("GET", "/orders/42", "x=1");
        r.headers = {{"Accept", "text/plain"}};
        const PreparedRequest prepared = prepare_request(setup, orders(), r);
        REQUIRE_FALSE(prepared.answer().has_value());
        CHECK(prepared.problem.empty());
        CHECK(prepared.integration.proxy.format == gateway::PayloadFormat::V2);
        const json event = json::parse(prepared.integration.event);
        CHECK(event["version"] == "2.0");
        CHECK(event["routeKey"] == "GET /orders/{id}");
        CHECK(event["rawPath"] == "/orders/42");
        CHECK(event["rawQueryString"] == "x=1");
        CHECK(event["pathParameters"] == json{{"id", "42"}});
        CHECK(event["headers"]["accept"] == "text/plain");
        CHECK(event["headers"]["host"] == "abc123defg.execute-api.us-east-1.amazonaws.com");
        CHECK(event["headers"]["x-forwarded-proto"] == "https");
        CHECK(event["requestContext"]["stage"] == "$default");
    }

    TEST_CASE("a REST request is sent under its stage and becomes a payload 1.0 event") {
        const HttpSetup setup = setup_for(gateway::ApiType::Rest, "Prod", "ANY", "/{proxy+}");
        const PreparedRequest prepared = prepare_request(setup, orders(), request("POST", "/a/b"));
        REQUIRE_FALSE(prepared.answer().has_value());
        const json event = json::parse(prepared.integration.event);
        CHECK(event["resource"] == "/{proxy+}");
        CHECK(event["path"] == "/a/b");
        CHECK(event["httpMethod"] == "POST");
        CHECK(event["pathParameters"] == json{{"proxy", "a/b"}});
        CHECK(event["requestContext"]["stage"] == "Prod");
        CHECK(event["requestContext"]["path"] == "/Prod/a/b");
    }

    TEST_CASE("a request no route takes is answered by the gateway without the function") {
        const HttpSetup http = setup_for(gateway::ApiType::Http, "$default", "GET", "/orders");
        const PreparedRequest missed = prepare_request(http, orders(), request("GET", "/other"));
        REQUIRE(missed.answer().has_value());
        CHECK(missed.answer()->status == 404);
        CHECK(missed.answer()->body == R"({"message":"Not Found"})");

        const HttpSetup rest = setup_for(gateway::ApiType::Rest, "Prod", "GET", "/orders");
        const PreparedRequest forbidden = prepare_request(rest, orders(), request("GET", "/other"));
        REQUIRE(forbidden.answer().has_value());
        CHECK(forbidden.answer()->status == 403);
    }

    TEST_CASE("a request that reaches another function of the API is a problem of the case") {
        const HttpSetup setup =
            setup_for(gateway::ApiType::Http, "$default", "GET", "/orders", "customers");
        const PreparedRequest prepared =
            prepare_request(setup, orders(), request("GET", "/orders"));
        CHECK(prepared.problem ==
              "the request reached route 'GET /orders' of function 'customers', not 'orders'");
    }

    TEST_CASE("the client gets the proxy response, or the gateway's answer to a failure") {
        const HttpSetup http_setup =
            setup_for(gateway::ApiType::Http, "$default", "POST", "/orders");
        const PreparedRequest http =
            prepare_request(http_setup, orders(), request("POST", "/orders"));
        REQUIRE_FALSE(http.answer().has_value());
        InvocationResult ok;
        ok.payload = R"({"statusCode":201,"headers":{"X-Id":"7"},"body":"made"})";
        const gateway::HttpResponse made = http_answer(http_setup, http, ok);
        CHECK(made.status == 201);
        CHECK(made.body == "made");

        InvocationResult inferred;
        inferred.payload = R"({"a":1})";
        CHECK(http_answer(http_setup, http, inferred).status == 200);
        CHECK(http_answer(http_setup, http, inferred).body == R"({"a":1})");

        InvocationResult crashed;
        crashed.status = InvocationStatus::Crashed;
        crashed.payload = error_payload("Runtime.ExitError", "boom", false);
        CHECK(http_answer(http_setup, http, crashed).status == 500);
        const HttpSetup rest_setup = setup_for(gateway::ApiType::Rest, "Prod", "POST", "/orders");
        const PreparedRequest rest =
            prepare_request(rest_setup, orders(), request("POST", "/orders"));
        REQUIRE_FALSE(rest.answer().has_value());
        CHECK(http_answer(rest_setup, rest, crashed).status == 502);
        CHECK(http_answer(rest_setup, rest, inferred).status == 502); // REST needs statusCode
    }

    TEST_CASE("API Gateway's headers are added: a client's X-Forwarded-For is appended to") {
        const HttpSetup setup = setup_for(gateway::ApiType::Http, "$default", "GET", "/orders");
        gateway::HttpRequest r = request("GET", "/orders");
        r.source_ip = "198.51.100.7";
        r.headers = {{"X-Forwarded-For", "203.0.113.1"}};
        const PreparedRequest prepared = prepare_request(setup, orders(), r);
        const json event = json::parse(prepared.integration.event);
        CHECK(event["headers"]["x-forwarded-for"] == "203.0.113.1, 198.51.100.7");
        CHECK(event["headers"]["x-forwarded-port"] == "443");
        std::string trace = event["headers"]["x-amzn-trace-id"].get<std::string>();
        CHECK(trace.rfind("Root=1-", 0) == 0);
        CHECK(trace.size() == std::string("Root=1-").size() + 8 + 1 + 24);
    }

    TEST_CASE("a REST case gets binary only when its first Accept type is a binary media type") {
        HttpSetup setup = setup_for(gateway::ApiType::Rest, "Prod", "GET", "/logo");
        setup.apis.front().binary_media_types = {"image/png"};
        setup.gateway = std::make_shared<gateway::Gateway>(setup.apis);
        InvocationResult png;
        png.payload = R"({"statusCode":200,"isBase64Encoded":true,)"
                      R"("headers":{"Content-Type":"image/png"},"body":"iVBORw0K"})";
        gateway::HttpRequest wants_png = request("GET", "/logo");
        wants_png.headers = {{"Accept", "image/png"}};
        const PreparedRequest binary = prepare_request(setup, orders(), wants_png);
        REQUIRE_FALSE(binary.answer().has_value());
        CHECK(http_answer(setup, binary, png).body == "\x89PNG\r\n");
        gateway::HttpRequest any = request("GET", "/logo");
        any.headers = {{"Accept", "*/*"}};
        const PreparedRequest text = prepare_request(setup, orders(), any);
        CHECK(http_answer(setup, text, png).body == "iVBORw0K");
    }

    TEST_CASE("authorization: run leaves the route's authorizer to decide, then its verdict") {
        HttpSetup setup = setup_for(gateway::ApiType::Http, "$default", "GET", "/orders/{id}");
        config::AuthorizerConfig jwt;
        jwt.name = "Jwt";
        jwt.kind = config::AuthorizerKind::Jwt;
        setup.apis.front().authorizers.push_back(jwt);
        setup.apis.front().api.routes.front().authorizer = "Jwt";
        setup.gateway = std::make_shared<gateway::Gateway>(setup.apis);
        CaseAuthorization run;
        run.run = true;

        SUBCASE("an Allow builds the event with requestContext.authorizer") {
            PreparedRequest prepared =
                prepare_request(setup, orders(), request("GET", "/orders/7"), run);
            REQUIRE(prepared.problem.empty());
            CHECK(prepared.needs_authorizer);
            CHECK(prepared.integration.event.empty()); // not before the verdict
            gateway::AuthorizationVerdict allowed;
            allowed.outcome = gateway::AuthorizationOutcome::Allowed;
            allowed.authorizer = {{"jwt", {{"claims", {{"sub", "alice"}}}, {"scopes", nullptr}}}};
            apply_verdict(setup, prepared, allowed);
            CHECK_FALSE(prepared.needs_authorizer);
            REQUIRE_FALSE(prepared.answer().has_value());
            const json event = json::parse(prepared.integration.event);
            CHECK(event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "alice");
        }
        SUBCASE("a refusal is the gateway's answer, with the verdict's www-authenticate") {
            PreparedRequest prepared =
                prepare_request(setup, orders(), request("GET", "/orders/7"), run);
            gateway::AuthorizationVerdict refused;
            refused.outcome = gateway::AuthorizationOutcome::Unauthorized;
            refused.headers = {{"www-authenticate", "Bearer scope=\"\" error=\"invalid_token\""}};
            apply_verdict(setup, prepared, refused);
            REQUIRE(prepared.answer().has_value());
            const gateway::HttpResponse answer = *prepared.answer();
            CHECK(answer.status == 401);
            CHECK(answer.body == R"({"message":"Unauthorized"})");
            bool found = false;
            for (const auto& [name, value] : answer.headers) {
                found = found || (name == "www-authenticate" &&
                                  value == "Bearer scope=\"\" error=\"invalid_token\"");
            }
            CHECK(found);
        }
        SUBCASE("a route without an authorizer is a problem of the case") {
            HttpSetup open = setup_for(gateway::ApiType::Http, "$default", "GET", "/orders/{id}");
            PreparedRequest prepared =
                prepare_request(open, orders(), request("GET", "/orders/7"), run);
            CHECK(prepared.problem ==
                  "authorization: run, but route 'GET /orders/{id}' has no authorizer");
        }
    }

} // TEST_SUITE
