// Tests of runtime/server/jwt_authorizer.hpp: the gateway's verdict of a JWT authorizer, its
// www-authenticate header, and the token authorizers of `lambda-local test`.
#include "runtime/server/jwt_authorizer.hpp"

#include "runtime/loop/event_loop.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/auth/token_fixture.hpp"
#include "tests/runtime/testing/scratch.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>

using namespace lambda_local;
using namespace lambda_local::runtime;
namespace fixture = lambda_local::tests::auth;
using lambda_local::runtime::testing::test_support::Scratch;

namespace {

config::AuthorizerConfig jwt_authorizer() {
    config::AuthorizerConfig config;
    config.name = "Jwt";
    config.kind = config::AuthorizerKind::Jwt;
    config.issuer = fixture::k_issuer;
    config.audiences = {"my-api"};
    config.identity_sources = {"$request.header.Authorization"};
    return config;
}

nlohmann::json claims_now() {
    long long now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return fixture::claims_at(now);
}

// The verdict of `authorizer` on a request with `headers` and the route's `scopes`.
gateway::AuthorizationVerdict verdict_for(gateway::Authorizer& authorizer,
                                          const http::HeaderList& headers,
                                          const std::vector<std::string>& scopes = {}) {
    gateway::HttpRequest request;
    request.method = "GET";
    request.path = "/read";
    request.headers = headers;
    gateway::AuthorizationRequest asked;
    asked.input.request = &request;
    asked.scopes = &scopes;
    std::optional<gateway::AuthorizationVerdict> verdict;
    // The keys are a local file's: the verdict comes before authorize() returns.
    authorizer.authorize(asked, [&verdict](gateway::AuthorizationVerdict v) { verdict = v; });
    REQUIRE(verdict.has_value());
    return *verdict;
}

std::string header_of(const gateway::AuthorizationVerdict& verdict, const std::string& name) {
    for (const auto& [key, value] : verdict.headers) {
        if (key == name) {
            return value;
        }
    }
    return "";
}

} // namespace

TEST_SUITE("runtime::server::JwtAuthorizer") {
    TEST_CASE("a test run's JWT authorizer takes its keys from the JWKS file given") {
        Scratch dir;
        const std::string jwks = dir.write("jwks.json", fixture::jwks_of({&fixture::key_one()}));
        loop::EventLoop loop;
        gateway::MakeTokenAuthorizer make =
            server::test_token_authorizers(loop, {{fixture::k_issuer, jwks}});
        std::unique_ptr<gateway::Authorizer> authorizer = make(jwt_authorizer());

        SUBCASE("a valid token is allowed with its claims, and no header") {
            const std::string token = fixture::mint(fixture::key_one(), claims_now());
            gateway::AuthorizationVerdict verdict =
                verdict_for(*authorizer, {{"Authorization", "Bearer " + token}});
            REQUIRE_MESSAGE(verdict.outcome == gateway::AuthorizationOutcome::Allowed,
                            verdict.reason);
            CHECK(verdict.authorizer["jwt"]["claims"]["sub"] == "user-1");
            CHECK(verdict.headers.empty());
        }
        SUBCASE("another audience is 401 with the www-authenticate value AWS documents") {
            nlohmann::json claims = claims_now();
            claims["aud"] = "another-api";
            const std::string token = fixture::mint(fixture::key_one(), claims);
            gateway::AuthorizationVerdict verdict =
                verdict_for(*authorizer, {{"Authorization", "Bearer " + token}});
            CHECK(verdict.outcome == gateway::AuthorizationOutcome::Unauthorized);
            CHECK(header_of(verdict, "www-authenticate") ==
                  "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the token does "
                  "not have a valid audience\"");
        }
        SUBCASE("no token is 401, and its header says invalid_token") {
            gateway::AuthorizationVerdict verdict = verdict_for(*authorizer, {});
            CHECK(verdict.outcome == gateway::AuthorizationOutcome::Unauthorized);
            CHECK(header_of(verdict, "www-authenticate") ==
                  "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the request has "
                  "no Authorization header\"");
        }
        SUBCASE("a missing scope is 403 with insufficient_scope and the route's scopes") {
            const std::string token = fixture::mint(fixture::key_one(), claims_now());
            gateway::AuthorizationVerdict verdict =
                verdict_for(*authorizer, {{"Authorization", token}}, {"admin"});
            CHECK(verdict.outcome == gateway::AuthorizationOutcome::Forbidden);
            CHECK(header_of(verdict, "www-authenticate") ==
                  "Bearer scope=\"admin\" error=\"insufficient_scope\" error_description=\"the "
                  "token has none of the route's scopes\"");
        }
    }

    TEST_CASE("a Cognito user pool authorizer's refusals carry no www-authenticate (REST)") {
        Scratch dir;
        const std::string issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test";
        const std::string jwks = dir.write("jwks.json", fixture::jwks_of({&fixture::key_one()}));
        loop::EventLoop loop;
        config::AuthorizerConfig config;
        config.name = "Pool";
        config.kind = config::AuthorizerKind::CognitoUserPools;
        config.user_pool_arns = {
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Test"};
        std::unique_ptr<gateway::Authorizer> authorizer =
            server::test_token_authorizers(loop, {{issuer, jwks}})(config);
        gateway::AuthorizationVerdict verdict = verdict_for(*authorizer, {});
        CHECK(verdict.outcome == gateway::AuthorizationOutcome::Unauthorized);
        CHECK(verdict.headers.empty());
    }

    TEST_CASE("a JWKS file that cannot be read is an error naming it") {
        Scratch dir;
        loop::EventLoop loop;
        const std::string missing = dir.path() + "/none.json";
        CHECK_THROWS_WITH_AS(server::test_token_authorizers(loop, {{fixture::k_issuer, missing}}),
                             doctest::Contains(missing.c_str()), Error);
    }
}
