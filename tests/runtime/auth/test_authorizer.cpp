// Tests of runtime/auth/authorizer.hpp and cognito.hpp: the gateway's JWT authorization step.
#include "runtime/auth/authorizer.hpp"

#include "runtime/auth/cognito.hpp"
#include "runtime/loop/event_loop.hpp"
#include "tests/runtime/auth/issuer_server.hpp"
#include "tests/runtime/auth/token_fixture.hpp"

#include <doctest/doctest.h>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::auth;
using namespace lambda_local::tests::auth;

namespace {

const std::string k_pool_arn =
    "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123";
const std::string k_pool_issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";

KeySource local_source(const std::string& issuer) {
    KeySource source;
    auto parsed = parse_jwks(jwks_of({&key_one()}));
    REQUIRE(std::holds_alternative<JsonWebKeySet>(parsed));
    source.add_local_keys(issuer, std::get<JsonWebKeySet>(std::move(parsed)));
    return source;
}

JwtAuthorizerConfig jwt_config(const std::string& issuer = k_issuer) {
    JwtAuthorizerConfig config;
    config.issuer = issuer;
    config.audiences = {"my-api"};
    return config;
}

http::HeaderList bearer(const std::string& token, const std::string& header = "authorization") {
    return {{"Host", "localhost"}, {header, "Bearer " + token}};
}

} // namespace

TEST_SUITE("runtime::auth::authorizer") {
    TEST_CASE(
        "a valid token is allowed, with its claims and scopes for requestContext.authorizer") {
        KeySource keys = local_source(k_issuer);
        nlohmann::json claims = claims_at(k_now);
        claims["groups"] = {"admin", "dev"};
        claims["email_verified"] = true;
        AuthorizerOutcome outcome = authorize_jwt(
            keys, jwt_config(), bearer(mint(key_one(), claims)), {"write"}, k_now_point);
        REQUIRE_MESSAGE(outcome.decision == Decision::Allow, outcome.reason);
        CHECK(outcome.status() == 200);
        const nlohmann::json& jwt = outcome.authorizer["jwt"];
        CHECK(jwt["scopes"] == nlohmann::json({"read", "write"}));
        CHECK(jwt["claims"]["sub"] == "user-1");
        CHECK(jwt["claims"]["exp"] == std::to_string(k_now + 3600));
        CHECK(jwt["claims"]["groups"] == "[admin dev]");
        CHECK(jwt["claims"]["email_verified"] == "true");
    }

    TEST_CASE("a token without scope claims gets null scopes") {
        KeySource keys = local_source(k_issuer);
        nlohmann::json claims = claims_at(k_now);
        claims.erase("scope");
        AuthorizerOutcome outcome =
            authorize_jwt(keys, jwt_config(), bearer(mint(key_one(), claims)), {}, k_now_point);
        REQUIRE(outcome.decision == Decision::Allow);
        CHECK(outcome.authorizer["jwt"]["scopes"].is_null());
    }

    TEST_CASE("the raw token without Bearer is accepted, from the configured header") {
        KeySource keys = local_source(k_issuer);
        JwtAuthorizerConfig config = jwt_config();
        config.identity_header = "X-Token";
        http::HeaderList headers = {{"x-token", mint(key_one(), claims_at(k_now))}};
        CHECK(authorize_jwt(keys, config, headers, {}, k_now_point).decision == Decision::Allow);
    }

    TEST_CASE("refusals are 401 Unauthorized with AWS's body and a reason for the log") {
        KeySource keys = local_source(k_issuer);
        nlohmann::json claims = claims_at(k_now);
        http::HeaderList headers;
        std::string reason;
        std::string description;
        SUBCASE("no header") {
            headers = {{"Host", "localhost"}};
            reason = "the request has no Authorization header";
        }
        SUBCASE("an empty header") {
            headers = {{"Authorization", "Bearer "}};
            reason = "the Authorization header is empty";
        }
        SUBCASE("garbage") {
            headers = bearer("not-a-token");
            reason = "the token is not three parts separated by dots";
        }
        SUBCASE("expired") {
            claims["exp"] = k_now - 5;
            headers = bearer(mint(key_one(), claims));
            reason = "the token is expired";
        }
        SUBCASE("wrong audience") {
            claims["aud"] = "someone-else";
            headers = bearer(mint(key_one(), claims));
            reason = "the token does not have a valid audience";
        }
        SUBCASE("a key the issuer does not have") {
            headers = bearer(mint(key_two(), claims));
            reason = "no key of the issuer has the token's kid \"key-2\"";
            // The header quotes what it holds: the reason's quotes become apostrophes there.
            description = "no key of the issuer has the token's kid 'key-2'";
        }
        AuthorizerOutcome outcome = authorize_jwt(keys, jwt_config(), headers, {}, k_now_point);
        CHECK(outcome.decision == Decision::Unauthorized);
        CHECK(outcome.status() == 401);
        CHECK(outcome.body() == R"({"message":"Unauthorized"})");
        CHECK(outcome.reason == reason);
        CHECK(outcome.www_authenticate ==
              "Bearer scope=\"\" error=\"invalid_token\" error_description=\"" +
                  (description.empty() ? reason : description) + "\"");
        CHECK(outcome.authorizer.is_null());
    }

    TEST_CASE("a client-chosen kid cannot break the WWW-Authenticate header") {
        KeySource keys = local_source(k_issuer);
        std::string token = mint(key_one(), claims_at(k_now), {{"kid", "a\"b\r\nX-Evil: 1"}});
        AuthorizerOutcome outcome =
            authorize_jwt(keys, jwt_config(), bearer(token), {}, k_now_point);
        CHECK(outcome.decision == Decision::Unauthorized);
        CHECK(outcome.www_authenticate.find_first_of("\r\n") == std::string::npos);
        CHECK(outcome.www_authenticate.find("a'bX-Evil: 1") != std::string::npos);
    }

    TEST_CASE("a valid token without the route's scopes is 403 Forbidden") {
        KeySource keys = local_source(k_issuer);
        AuthorizerOutcome outcome =
            authorize_jwt(keys, jwt_config(), bearer(mint(key_one(), claims_at(k_now))),
                          {"admin", "billing:write"}, k_now_point);
        CHECK(outcome.decision == Decision::Forbidden);
        CHECK(outcome.status() == 403);
        CHECK(outcome.body() == R"({"message":"Forbidden"})");
        CHECK(outcome.www_authenticate ==
              "Bearer scope=\"admin billing:write\" error=\"insufficient_scope\" "
              "error_description=\"the token has none of the route's scopes\"");
    }

    TEST_CASE("identity sources name one header") {
        CHECK(std::get<0>(identity_header("$request.header.Authorization")) == "Authorization");
        CHECK(std::get<0>(identity_header("method.request.header.X-Token")) == "X-Token");
        CHECK(identity_header("$request.querystring.token").index() == 1);
        CHECK(identity_header("$request.header.").index() == 1);
        CHECK(identity_header("$request.header.A,$request.header.B").index() == 1);
    }

    TEST_CASE("on the loop, keys are fetched from the issuer and the outcome comes back") {
        IssuerServer server;
        server.set_keys(jwks_of({&key_one()}));
        runtime::loop::EventLoop loop;
        KeySource keys;
        nlohmann::json claims = claims_at(k_now);
        claims["iss"] = server.issuer();
        std::optional<AuthorizerOutcome> allowed;
        std::optional<AuthorizerOutcome> forbidden;
        auto now = [] { return k_now_point; };
        authorize_jwt(
            loop, keys, jwt_config(server.issuer()), bearer(mint(key_one(), claims)), {"read"},
            [&](AuthorizerOutcome outcome) { allowed = std::move(outcome); }, now);
        authorize_jwt(
            loop, keys, jwt_config(server.issuer()), bearer(mint(key_one(), claims)), {"admin"},
            [&](AuthorizerOutcome outcome) { forbidden = std::move(outcome); }, now);
        loop.run_until([&] { return allowed && forbidden; });
        REQUIRE(allowed);
        REQUIRE(forbidden);
        CHECK_MESSAGE(allowed->decision == Decision::Allow, allowed->reason);
        CHECK(forbidden->decision == Decision::Forbidden);
        CHECK(server.key_requests() == 1);

        // A missing header is answered at once, without the loop.
        std::optional<AuthorizerOutcome> refused;
        authorize_jwt(
            loop, keys, jwt_config(server.issuer()), {}, {},
            [&](AuthorizerOutcome outcome) { refused = std::move(outcome); }, now);
        REQUIRE(refused);
        CHECK(refused->decision == Decision::Unauthorized);
    }

    TEST_CASE("an issuer whose keys cannot be fetched gives 401") {
        IssuerServer server;
        server.set_keys("", 404);
        KeySource keys;
        nlohmann::json claims = claims_at(k_now);
        claims["iss"] = server.issuer();
        AuthorizerOutcome outcome = authorize_jwt(keys, jwt_config(server.issuer()),
                                                  bearer(mint(key_one(), claims)), {}, k_now_point);
        CHECK(outcome.decision == Decision::Unauthorized);
        CHECK(outcome.reason == "fetching the keys of " + server.issuer() +
                                    " failed: " + server.issuer() + "/keys answered HTTP 404");
    }
}

TEST_SUITE("runtime::auth::cognito") {
    TEST_CASE("a user pool ARN gives the pool's issuer") {
        CHECK(std::get<0>(cognito_issuer(k_pool_arn)) == k_pool_issuer);
        CHECK(std::get<0>(cognito_issuer(
                  "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_X")) ==
              "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X");
        for (const char* bad :
             {"", "arn:aws:s3:::bucket", "arn:aws:cognito-idp:eu-west-1:1:identitypool/x",
              "arn:aws:cognito-idp::1:userpool/eu-west-1_X",
              "arn:aws:cognito-idp:eu-west-1:1:userpool/",
              "arn:aws:cognito-idp:eu-west-1:1:userpool/a/b",
              "arn:aws:cognito-idp:eu-west-1:1:userpool/nounderscore"}) {
            CAPTURE(bad);
            CHECK(cognito_issuer(bad).index() == 1);
        }
    }

    TEST_CASE("claim times are spelled as REST APIs pass them") {
        CHECK(cognito_claim_time(1680633579) == "Tue Apr 04 18:39:39 UTC 2023");
        CHECK(cognito_claim_time(0) == "Thu Jan 01 00:00:00 UTC 1970");
        CHECK(cognito_claim_time(-5) == "-5");
    }

    CognitoAuthorizerConfig cognito_config() {
        CognitoAuthorizerConfig config;
        config.user_pool_arns = {"arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_Other",
                                 k_pool_arn};
        return config;
    }

    nlohmann::json id_token_claims() {
        return {{"iss", k_pool_issuer},
                {"aud", "client-a"},
                {"sub", "u-1"},
                {"token_use", "id"},
                {"auth_time", k_now - 20},
                {"iat", k_now - 10},
                {"exp", k_now + 3600},
                {"email_verified", true},
                {"cognito:groups", {"admins", "users"}}};
    }

    nlohmann::json access_token_claims() {
        return {{"iss", k_pool_issuer},
                {"client_id", "client-a"},
                {"sub", "u-1"},
                {"token_use", "access"},
                {"scope", "orders/read aws.cognito.signin.user.admin"},
                {"iat", k_now - 10},
                {"exp", k_now + 3600}};
    }

    TEST_CASE("an ID token of the pool is allowed, with REST's claim strings") {
        KeySource keys = local_source(k_pool_issuer);
        http::HeaderList headers = {{"Authorization", mint(key_one(), id_token_claims())}};
        AuthorizerOutcome outcome =
            authorize_cognito(keys, cognito_config(), headers, {}, k_now_point);
        REQUIRE_MESSAGE(outcome.decision == Decision::Allow, outcome.reason);
        const nlohmann::json& claims = outcome.authorizer["claims"];
        CHECK(claims["sub"] == "u-1");
        CHECK(claims["email_verified"] == "true");
        CHECK(claims["auth_time"] == std::to_string(k_now - 20));
        CHECK(claims["exp"] == cognito_claim_time(k_now + 3600));
        CHECK(claims["cognito:groups"] == "admins,users");
        CHECK(outcome.www_authenticate.empty());
    }

    TEST_CASE("an access token is taken only by a method with scopes, and needs one of them") {
        KeySource keys = local_source(k_pool_issuer);
        http::HeaderList access = bearer(mint(key_one(), access_token_claims()));
        http::HeaderList id = bearer(mint(key_one(), id_token_claims()));
        CHECK(authorize_cognito(keys, cognito_config(), access, {}, k_now_point).decision ==
              Decision::Unauthorized);
        CHECK(authorize_cognito(keys, cognito_config(), access, {"orders/read"}, k_now_point)
                  .decision == Decision::Allow);
        AuthorizerOutcome missing =
            authorize_cognito(keys, cognito_config(), access, {"orders/write"}, k_now_point);
        CHECK(missing.decision == Decision::Unauthorized);
        CHECK(missing.reason == "the token has none of the method's scopes");
        CHECK(
            authorize_cognito(keys, cognito_config(), id, {"orders/read"}, k_now_point).decision ==
            Decision::Unauthorized);
    }

    TEST_CASE("app clients, when listed, restrict the tokens") {
        KeySource keys = local_source(k_pool_issuer);
        CognitoAuthorizerConfig config = cognito_config();
        config.app_client_ids = {"client-b"};
        http::HeaderList id = {{"Authorization", mint(key_one(), id_token_claims())}};
        AuthorizerOutcome outcome = authorize_cognito(keys, config, id, {}, k_now_point);
        CHECK(outcome.decision == Decision::Unauthorized);
        CHECK(outcome.reason == "the token does not have a valid audience");
        config.app_client_ids = {"client-a"};
        CHECK(authorize_cognito(keys, config, id, {}, k_now_point).decision == Decision::Allow);
    }

    TEST_CASE("a token of another issuer, or a bad pool ARN, is 401") {
        KeySource keys = local_source(k_pool_issuer);
        nlohmann::json claims = id_token_claims();
        claims["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Evil";
        http::HeaderList headers = {{"Authorization", mint(key_one(), claims)}};
        AuthorizerOutcome outcome =
            authorize_cognito(keys, cognito_config(), headers, {}, k_now_point);
        CHECK(outcome.reason == "the token's issuer is none of the authorizer's pools");
        CognitoAuthorizerConfig bad;
        bad.user_pool_arns = {"arn:aws:s3:::bucket"};
        outcome = authorize_cognito(keys, bad, headers, {}, k_now_point);
        CHECK(outcome.decision == Decision::Unauthorized);
        CHECK(outcome.reason.rfind("the authorizer's \"arn:aws:s3:::bucket\" is not a Cognito",
                                   0) == 0);
    }

    TEST_CASE("on the loop, a Cognito token's pool keys come from the mapped file") {
        runtime::loop::EventLoop loop;
        KeySource keys = local_source(k_pool_issuer);
        std::optional<AuthorizerOutcome> outcome;
        authorize_cognito(
            loop, keys, cognito_config(), {{"Authorization", mint(key_one(), id_token_claims())}},
            {}, [&](AuthorizerOutcome result) { outcome = std::move(result); },
            [] { return k_now_point; });
        REQUIRE(outcome);
        CHECK(outcome->decision == Decision::Allow);
    }
}
