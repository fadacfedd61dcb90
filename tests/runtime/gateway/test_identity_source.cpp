// Tests of identity sources: their syntax per API type, and their values in a request.
#include "runtime/gateway/identity_source.hpp"

#include <doctest/doctest.h>

namespace lambda_local::runtime::gateway {

TEST_SUITE("runtime::gateway::IdentitySource") {

    TEST_CASE("REST and HTTP API syntaxes parse into the same sources") {
        auto rest = parse_identity_source("method.request.header.Authorization", ApiType::Rest);
        REQUIRE(rest);
        CHECK(rest->from == IdentitySource::From::Header);
        CHECK(rest->name == "Authorization");
        auto http = parse_identity_source(" $request.querystring.token ", ApiType::Http);
        REQUIRE(http);
        CHECK(http->from == IdentitySource::From::QueryString);
        CHECK(http->name == "token");
        CHECK(parse_identity_source("stageVariables.key", ApiType::Rest)->from ==
              IdentitySource::From::StageVariable);
        CHECK(parse_identity_source("$context.identity.sourceIp", ApiType::Http)->from ==
              IdentitySource::From::Context);
        // The other API's syntax, unknown context variables and empty names are refused.
        CHECK_FALSE(parse_identity_source("$request.header.Authorization", ApiType::Rest));
        CHECK_FALSE(parse_identity_source("method.request.header.Authorization", ApiType::Http));
        CHECK_FALSE(parse_identity_source("context.noSuchThing", ApiType::Rest));
        CHECK_FALSE(parse_identity_source("method.request.header.", ApiType::Rest));
        CHECK_FALSE(parse_identity_source("Authorization", ApiType::Rest));
    }

    TEST_CASE("a comma-separated list splits into trimmed sources") {
        CHECK(split_identity_sources("method.request.header.A, method.request.querystring.b,,") ==
              std::vector<std::string>{"method.request.header.A", "method.request.querystring.b"});
        CHECK(split_identity_sources("").empty());
    }

    TEST_CASE("values come from headers, the query, stage variables and the context") {
        HttpRequest request;
        request.headers = {{"authorization", "Bearer x"}, {"X-Other", ""}};
        request.raw_query = "a=1&token=t%201&token=t2";
        std::map<std::string, std::string> stage = {{"key", "stage-value"}};
        std::map<std::string, std::string> context = {{"identity.sourceIp", "10.0.0.1"}};
        IdentityInput input{&request, &stage, &context};
        std::vector<IdentitySource> sources = {
            *parse_identity_source("method.request.header.Authorization", ApiType::Rest),
            *parse_identity_source("method.request.querystring.token", ApiType::Rest),
            *parse_identity_source("stageVariables.key", ApiType::Rest),
            *parse_identity_source("context.identity.sourceIp", ApiType::Rest),
        };
        auto values = identity_values(sources, input);
        REQUIRE(values);
        CHECK(*values == std::vector<std::string>{"Bearer x", "t2", "stage-value", "10.0.0.1"});

        SUBCASE("a missing header is no value") {
            sources.push_back(
                *parse_identity_source("method.request.header.X-Missing", ApiType::Rest));
            CHECK_FALSE(identity_values(sources, input));
        }
        SUBCASE("an empty header is no value") {
            sources.push_back(
                *parse_identity_source("method.request.header.X-Other", ApiType::Rest));
            CHECK_FALSE(identity_values(sources, input));
        }
        SUBCASE("a missing stage variable is no value") {
            sources.push_back(*parse_identity_source("stageVariables.none", ApiType::Rest));
            CHECK_FALSE(identity_values(sources, input));
        }
        SUBCASE("no sources: no values, and that is not missing") {
            auto none = identity_values({}, input);
            REQUIRE(none);
            CHECK(none->empty());
        }
    }

} // TEST_SUITE

} // namespace lambda_local::runtime::gateway
