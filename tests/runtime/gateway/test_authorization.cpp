// Tests of authorizing requests through the gateway: the authorizer's events, its verdicts,
// identity sources checked before the call, the result cache, and what reaches the event.
#include "runtime/gateway/authorization.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <deque>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::json;

// A fake of the function pools: records each call and answers with the next result given.
struct FakeFunctions {
    std::vector<std::pair<std::string, json>> calls; // function name, event
    std::deque<InvocationResult> results;

    InvokeFunction invoke() {
        return [this](const std::string& name, std::string event,
                      std::function<void(const InvocationResult&)> done) {
            calls.emplace_back(name, json::parse(event));
            REQUIRE(!results.empty());
            InvocationResult result = results.front();
            results.pop_front();
            done(result);
        };
    }
    void answer(json output) {
        InvocationResult result;
        result.payload = output.dump();
        results.push_back(result);
    }
    void fail(const std::string& message) {
        InvocationResult result;
        result.status = InvocationStatus::FunctionError;
        result.error_type = "Error";
        result.payload = json{{"errorType", "Error"}, {"errorMessage", message}}.dump();
        results.push_back(result);
    }
};

json allow_policy(const std::string& resource, json context = json::object()) {
    return {{"principalId", "user-1"},
            {"policyDocument",
             {{"Version", "2012-10-17"},
              {"Statement",
               {{{"Action", "execute-api:Invoke"}, {"Effect", "Allow"}, {"Resource", resource}}}}}},
            {"context", std::move(context)},
            {"usageIdentifierKey", "key"}};
}

config::ApiConfig rest_api(config::AuthorizerConfig authorizer) {
    config::ApiConfig api;
    api.logical_id = "Api";
    api.api.type = ApiType::Rest;
    api.api.id = "abc1234567";
    api.api.stages = {"Prod"};
    api.stage_variables = {{"tenant", "t1"}};
    Route route;
    route.function_name = "handler";
    route.method = "GET";
    route.path = "/pets/{id}";
    route.authorizer = authorizer.name;
    api.api.routes.push_back(route);
    Route open = route;
    open.path = "/open";
    open.authorizer.clear();
    api.api.routes.push_back(open);
    api.authorizers.push_back(std::move(authorizer));
    return api;
}

config::ApiConfig http_api(config::AuthorizerConfig authorizer) {
    config::ApiConfig api = rest_api(std::move(authorizer));
    api.api.type = ApiType::Http;
    api.api.stages = {"$default"};
    api.stage_variables.clear();
    return api;
}

config::AuthorizerConfig token_authorizer() {
    config::AuthorizerConfig authorizer;
    authorizer.name = "Tok";
    authorizer.kind = config::AuthorizerKind::LambdaToken;
    authorizer.function_name = "auth";
    authorizer.identity_sources = {"method.request.header.Authorization"};
    authorizer.validation_expression = "^[a-z-]+$";
    authorizer.ttl_seconds = 300;
    return authorizer;
}

HttpRequest get(const std::string& path, HeaderList headers = {}) {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.headers = std::move(headers);
    request.source_ip = "10.1.2.3";
    return request;
}

// The gateway, the authorizers on the fake, and a clock the test moves.
struct Harness {
    explicit Harness(config::ApiConfig api)
        : apis{std::move(api)}, gateway(apis),
          authorization(
              apis, functions.invoke(), [this](const std::string& line) { log.push_back(line); },
              nullptr, [this] { return now; }) {}

    // Prepares and authorizes `request`; the verdict (the fake answers at once).
    AuthorizationVerdict authorize(HttpRequest request, Integration* out = nullptr) {
        Integration integration = gateway.prepare(std::move(request), FrontDoor{});
        REQUIRE(integration.authorizer != nullptr);
        std::optional<AuthorizationVerdict> verdict;
        authorization.authorize(integration, [&](AuthorizationVerdict v) { verdict = v; });
        REQUIRE(verdict);
        if (out != nullptr) {
            if (verdict->outcome == AuthorizationOutcome::Allowed) {
                gateway.authorized(integration, verdict->authorizer);
            }
            *out = std::move(integration);
        }
        return *verdict;
    }

    std::vector<config::ApiConfig> apis;
    FakeFunctions functions;
    std::vector<std::string> log;
    MonotonicClock::time_point now{};
    Gateway gateway;
    Authorization authorization;
};

constexpr const char* k_method_arn =
    "arn:aws:execute-api:us-east-1:123456789012:abc1234567/Prod/GET/pets/42";

} // namespace

TEST_SUITE("runtime::gateway::Authorization") {

    TEST_CASE("a TOKEN authorizer gets the header's token and the method ARN") {
        Harness h(rest_api(token_authorizer()));
        h.functions.answer(allow_policy(k_method_arn, {{"role", "admin"}, {"level", 3}}));
        Integration integration;
        AuthorizationVerdict verdict =
            h.authorize(get("/Prod/pets/42", {{"Authorization", "good-token"}}), &integration);
        CHECK(verdict.outcome == AuthorizationOutcome::Allowed);
        REQUIRE(h.functions.calls.size() == 1);
        CHECK(h.functions.calls[0].first == "auth");
        CHECK(h.functions.calls[0].second == json{{"type", "TOKEN"},
                                                  {"authorizationToken", "good-token"},
                                                  {"methodArn", k_method_arn}});
        // The integration's event carries principalId and the context (as strings, REST).
        json event = json::parse(integration.event);
        CHECK(event["requestContext"]["authorizer"] ==
              json{{"principalId", "user-1"}, {"role", "admin"}, {"level", "3"}});
    }

    TEST_CASE("no token, or one the validation expression refuses, is 401 without a call") {
        Harness h(rest_api(token_authorizer()));
        CHECK(h.authorize(get("/Prod/pets/42")).outcome == AuthorizationOutcome::Unauthorized);
        CHECK(h.authorize(get("/Prod/pets/42", {{"Authorization", ""}})).outcome ==
              AuthorizationOutcome::Unauthorized);
        CHECK(h.authorize(get("/Prod/pets/42", {{"Authorization", "Bad Token"}})).outcome ==
              AuthorizationOutcome::Unauthorized);
        CHECK(h.functions.calls.empty());
    }

    TEST_CASE("the authorizer's verdicts: Unauthorized, denied, failed, malformed") {
        Harness h(rest_api(token_authorizer()));
        HeaderList token = {{"Authorization", "t"}};
        SUBCASE("failing with Unauthorized is 401") {
            h.functions.fail("Unauthorized");
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome ==
                  AuthorizationOutcome::Unauthorized);
        }
        SUBCASE("another error is 500") {
            h.functions.fail("boom");
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome == AuthorizationOutcome::Failed);
        }
        SUBCASE("a Deny is an explicit deny") {
            json output = allow_policy(k_method_arn);
            output["policyDocument"]["Statement"][0]["Effect"] = "Deny";
            h.functions.answer(output);
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome ==
                  AuthorizationOutcome::ExplicitDeny);
        }
        SUBCASE("an Allow of another resource is a plain deny") {
            h.functions.answer(allow_policy("arn:aws:execute-api:*:*:*/*/POST/*"));
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome ==
                  AuthorizationOutcome::Forbidden);
        }
        SUBCASE("no principalId is 500") {
            json output = allow_policy(k_method_arn);
            output.erase("principalId");
            h.functions.answer(output);
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome == AuthorizationOutcome::Failed);
        }
        SUBCASE("a context value that is an object is 500 (REST)") {
            h.functions.answer(allow_policy(k_method_arn, {{"nested", {{"a", 1}}}}));
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome == AuthorizationOutcome::Failed);
        }
        SUBCASE("output that is not JSON is 500") {
            InvocationResult result;
            result.payload = "not json";
            h.functions.results.push_back(result);
            CHECK(h.authorize(get("/Prod/pets/42", token)).outcome == AuthorizationOutcome::Failed);
        }
    }

    TEST_CASE("a cached output is used within its TTL, evaluated again for each method ARN") {
        Harness h(rest_api(token_authorizer()));
        h.functions.answer(allow_policy(k_method_arn));
        HeaderList token = {{"Authorization", "tok"}};
        CHECK(h.authorize(get("/Prod/pets/42", token)).outcome == AuthorizationOutcome::Allowed);
        h.now += std::chrono::seconds(299);
        AuthorizationVerdict cached = h.authorize(get("/Prod/pets/42", token));
        CHECK(cached.outcome == AuthorizationOutcome::Allowed);
        CHECK(cached.cached);
        CHECK(h.functions.calls.size() == 1);
        REQUIRE(h.log.size() == 1);
        CHECK(h.log[0] == "lambda-local: authorizer Tok: cached result used for GET /Prod/pets/42");
        // The cached policy allows /pets/42 only: /pets/43 is denied without a call.
        CHECK(h.authorize(get("/Prod/pets/43", token)).outcome == AuthorizationOutcome::Forbidden);
        CHECK(h.functions.calls.size() == 1);
        // Another token is another key; after the TTL the function is called again.
        h.functions.answer(allow_policy(k_method_arn));
        CHECK(h.authorize(get("/Prod/pets/42", {{"Authorization", "other"}})).outcome ==
              AuthorizationOutcome::Allowed);
        CHECK(h.functions.calls.size() == 2);
        h.now += std::chrono::seconds(1);
        h.functions.answer(allow_policy(k_method_arn));
        CHECK_FALSE(h.authorize(get("/Prod/pets/42", token)).cached);
        CHECK(h.functions.calls.size() == 3);
    }

    TEST_CASE("a REQUEST authorizer gets the request without its body, keyed by its sources") {
        config::AuthorizerConfig authorizer = token_authorizer();
        authorizer.kind = config::AuthorizerKind::LambdaRequest;
        authorizer.validation_expression.clear();
        authorizer.identity_sources = {"method.request.querystring.key", "stageVariables.tenant"};
        Harness h(rest_api(authorizer));
        h.functions.answer(allow_policy("arn:aws:execute-api:*:*:abc1234567/Prod/*"));
        HttpRequest request = get("/Prod/pets/42", {{"X-Custom", "c"}});
        request.raw_query = "key=k1";
        request.body = "secret body";
        CHECK(h.authorize(request).outcome == AuthorizationOutcome::Allowed);
        REQUIRE(h.functions.calls.size() == 1);
        const json& event = h.functions.calls[0].second;
        CHECK(event["type"] == "REQUEST");
        CHECK(event["methodArn"] == k_method_arn);
        CHECK(event["resource"] == "/pets/{id}");
        CHECK(event["path"] == "/pets/42");
        CHECK(event["httpMethod"] == "GET");
        CHECK(event["headers"]["X-Custom"] == "c");
        CHECK(event["queryStringParameters"] == json{{"key", "k1"}});
        CHECK(event["pathParameters"] == json{{"id", "42"}});
        CHECK(event["stageVariables"] == json{{"tenant", "t1"}});
        CHECK(event["requestContext"]["stage"] == "Prod");
        CHECK_FALSE(event.contains("body"));
        CHECK_FALSE(event.contains("isBase64Encoded"));
        // Without the query parameter: 401, no call.
        CHECK(h.authorize(get("/Prod/pets/42")).outcome == AuthorizationOutcome::Unauthorized);
        CHECK(h.functions.calls.size() == 1);
    }

    TEST_CASE("HTTP API simple responses, payload 2.0, context under lambda") {
        config::AuthorizerConfig authorizer;
        authorizer.name = "Simple";
        authorizer.kind = config::AuthorizerKind::LambdaRequest;
        authorizer.function_name = "auth";
        authorizer.identity_sources = {"$request.header.X-Token"};
        authorizer.simple_responses = true;
        authorizer.ttl_seconds = 0;
        Harness h(http_api(authorizer));
        h.functions.answer({{"isAuthorized", true}, {"context", {{"user", "u"}, {"n", 7}}}});
        Integration integration;
        CHECK(h.authorize(get("/pets/42", {{"X-Token", "abc"}}), &integration).outcome ==
              AuthorizationOutcome::Allowed);
        const json& event = h.functions.calls.at(0).second;
        CHECK(event["version"] == "2.0");
        CHECK(event["type"] == "REQUEST");
        CHECK(event["routeArn"] ==
              "arn:aws:execute-api:us-east-1:123456789012:abc1234567/$default/GET/pets/42");
        CHECK(event["identitySource"] == json::array({"abc"}));
        CHECK(event["routeKey"] == "GET /pets/{id}");
        CHECK(event["headers"]["x-token"] == "abc");
        CHECK(json::parse(integration.event)["requestContext"]["authorizer"] ==
              json{{"lambda", {{"user", "u"}, {"n", 7}}}});

        h.functions.answer({{"isAuthorized", false}});
        CHECK(h.authorize(get("/pets/42", {{"X-Token", "abc"}})).outcome ==
              AuthorizationOutcome::Forbidden);
        h.functions.answer({{"isAuthorized", "yes"}});
        CHECK(h.authorize(get("/pets/42", {{"X-Token", "abc"}})).outcome ==
              AuthorizationOutcome::Failed);
        CHECK(h.functions.calls.size() == 3); // TTL 0: no caching
    }

    TEST_CASE("HTTP API payload 1.0 events carry identitySource and authorizationToken") {
        config::AuthorizerConfig authorizer;
        authorizer.name = "V1";
        authorizer.kind = config::AuthorizerKind::LambdaRequest;
        authorizer.function_name = "auth";
        authorizer.identity_sources = {"$request.header.X-Token", "$request.querystring.q"};
        authorizer.payload_format = PayloadFormat::V1;
        authorizer.ttl_seconds = 0;
        Harness h(http_api(authorizer));
        h.functions.answer(allow_policy("*"));
        HttpRequest request = get("/pets/42", {{"X-Token", "abc"}});
        request.raw_query = "q=1";
        CHECK(h.authorize(request).outcome == AuthorizationOutcome::Allowed);
        const json& event = h.functions.calls.at(0).second;
        CHECK(event["version"] == "1.0");
        CHECK(event["identitySource"] == "abc,1");
        CHECK(event["authorizationToken"] == "abc,1");
        CHECK(event["methodArn"] ==
              "arn:aws:execute-api:us-east-1:123456789012:abc1234567/$default/GET/pets/42");
    }

    TEST_CASE("a method ARN over 1600 bytes is 414 without a call") {
        Harness h(rest_api(token_authorizer()));
        CHECK(h.authorize(get("/Prod/pets/" + std::string(1600, 'x'), {{"Authorization", "t"}}))
                  .outcome == AuthorizationOutcome::UriTooLong);
        CHECK(h.functions.calls.empty());
    }

    TEST_CASE("IAM and a function outside the project are warned about and answer 500") {
        config::AuthorizerConfig iam;
        iam.name = "AWS_IAM";
        iam.kind = config::AuthorizerKind::Iam;
        Harness h(rest_api(iam));
        REQUIRE(h.authorization.warnings().size() == 1);
        CHECK(h.authorization.warnings()[0] ==
              "authorizer 'AWS_IAM' of API 'Api': AWS_IAM authorization (SigV4 checked by IAM) is "
              "not emulated; the routes it guards answer 500");
        CHECK(h.authorize(get("/Prod/pets/42")).outcome == AuthorizationOutcome::Failed);

        config::AuthorizerConfig elsewhere = token_authorizer();
        elsewhere.function_name.clear();
        elsewhere.function_ref = "arn:aws:lambda:us-east-1:1:function:remote";
        Harness remote(rest_api(elsewhere));
        REQUIRE(remote.authorization.warnings().size() == 1);
        CHECK(remote.authorization.warnings()[0].find("remote is not in the project") !=
              std::string::npos);
        CHECK(remote.authorize(get("/Prod/pets/42", {{"Authorization", "t"}})).outcome ==
              AuthorizationOutcome::Failed);
        CHECK(remote.functions.calls.empty());
    }

    TEST_CASE("a JWT authorizer is made by the token verifier given, and refused without one") {
        config::AuthorizerConfig jwt;
        jwt.name = "Jwt";
        jwt.kind = config::AuthorizerKind::Jwt;
        jwt.identity_sources = {"$request.header.Authorization"};
        std::vector<config::ApiConfig> apis = {http_api(jwt)};
        try {
            Authorization authorization(apis, nullptr, nullptr);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()) ==
                  "authorizer 'Jwt' of API 'Api' (JWT): token authorizers run under `serve`");
        }
        try {
            Authorization authorization(
                apis, nullptr, nullptr,
                [](const config::AuthorizerConfig&) -> std::unique_ptr<Authorizer> {
                    throw Error("a bad identity source");
                });
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()) ==
                  "authorizer 'Jwt' of API 'Api' (JWT): a bad identity source");
        }
        std::vector<std::string> made;
        Authorization authorization(
            apis, nullptr, nullptr,
            [&made](const config::AuthorizerConfig& config) -> std::unique_ptr<Authorizer> {
                made.push_back(config.name);
                return std::make_unique<RefusingAuthorizer>("made for the test");
            });
        CHECK(made == std::vector<std::string>{"Jwt"});
        CHECK(authorization.warnings().empty());
    }

    TEST_CASE("the gateway's refusals have AWS's status codes and bodies") {
        auto check = [](ApiType type, AuthorizationOutcome outcome, int status, const char* body) {
            HttpResponse response = authorization_answer(type, outcome);
            CHECK(response.status == status);
            CHECK(response.body == body);
        };
        check(ApiType::Rest, AuthorizationOutcome::Unauthorized, 401,
              R"({"message":"Unauthorized"})");
        check(ApiType::Rest, AuthorizationOutcome::Forbidden, 403,
              R"({"message":"User is not authorized to access this resource"})");
        check(
            ApiType::Rest, AuthorizationOutcome::ExplicitDeny, 403,
            R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
        check(ApiType::Rest, AuthorizationOutcome::Failed, 500, R"({"message": null})");
        check(ApiType::Http, AuthorizationOutcome::Unauthorized, 401,
              R"({"message":"Unauthorized"})");
        check(ApiType::Http, AuthorizationOutcome::Forbidden, 403, R"({"message":"Forbidden"})");
        check(ApiType::Http, AuthorizationOutcome::Failed, 500,
              R"({"message":"Internal Server Error"})");
    }

    TEST_CASE("a route without an authorizer is prepared with its event at once") {
        Harness h(rest_api(token_authorizer()));
        Integration integration = h.gateway.prepare(get("/Prod/open"), FrontDoor{});
        CHECK(integration.authorizer == nullptr);
        CHECK_FALSE(json::parse(integration.event)["requestContext"].contains("authorizer"));
    }

} // TEST_SUITE

} // namespace lambda_local::runtime::gateway
