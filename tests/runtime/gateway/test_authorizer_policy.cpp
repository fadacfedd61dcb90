// Tests of authorizer policy evaluation: wildcards, Allow and Deny, malformed policies.
#include "runtime/gateway/authorizer_policy.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::json;

constexpr const char* k_arn = "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/pets/42";

json statement(const char* effect, json resource, json action = "execute-api:Invoke") {
    return {{"Action", std::move(action)}, {"Effect", effect}, {"Resource", std::move(resource)}};
}

json document(json statements) {
    return {{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
}

PolicyEffect effect_of(const json& policy, const char* arn = k_arn) {
    auto result = evaluate_policy(policy, arn);
    REQUIRE(std::holds_alternative<PolicyEffect>(result));
    return std::get<PolicyEffect>(result);
}

std::string malformed_reason(const json& policy) {
    auto result = evaluate_policy(policy, k_arn);
    REQUIRE(std::holds_alternative<MalformedPolicy>(result));
    return std::get<MalformedPolicy>(result).reason;
}

} // namespace

TEST_SUITE("runtime::gateway::AuthorizerPolicy") {

    TEST_CASE("wildcards: * matches any run of characters, ? exactly one") {
        CHECK(wildcard_match("*", ""));
        CHECK(wildcard_match("*", k_arn));
        CHECK(wildcard_match("arn:aws:execute-api:*:*:abc/*/GET/*", k_arn));
        CHECK(wildcard_match("arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/pets/??",
                             k_arn));
        CHECK_FALSE(wildcard_match("arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/pets/?",
                                   k_arn));
        CHECK_FALSE(wildcard_match("arn:aws:execute-api:*:*:abc/*/POST/*", k_arn));
        CHECK_FALSE(wildcard_match("arn:aws:execute-api:*:*:abc/prod/GET/*", k_arn)); // case
        CHECK(wildcard_match("a*b*c", "aXXbYYc"));
        CHECK_FALSE(wildcard_match("a*b*c", "aXXbYY"));
        // Many stars against a long text stay fast (no exponential backtracking).
        CHECK_FALSE(wildcard_match(std::string(200, '*') + "b", std::string(100000, 'a')));
    }

    TEST_CASE("an Allow that matches allows; nothing matching is an implicit deny") {
        CHECK(effect_of(document(json::array({statement("Allow", k_arn)}))) == PolicyEffect::Allow);
        CHECK(effect_of(document(json::array({statement(
                  "Allow", "arn:aws:execute-api:*:*:*/*/POST/*")}))) == PolicyEffect::ImplicitDeny);
        CHECK(effect_of(document(json::array())) == PolicyEffect::ImplicitDeny);
    }

    TEST_CASE("an explicit Deny wins over any Allow") {
        json both = json::array({statement("Allow", "*"), statement("Deny", "*/GET/*")});
        CHECK(effect_of(document(both)) == PolicyEffect::ExplicitDeny);
        // A Deny for another method leaves the Allow.
        json other = json::array({statement("Allow", "*"), statement("Deny", "*/POST/*")});
        CHECK(effect_of(document(other)) == PolicyEffect::Allow);
    }

    TEST_CASE("Action and Resource may be strings or lists, and actions take wildcards") {
        SUBCASE("lists") {
            json s = statement("Allow", json::array({"arn:other", k_arn}),
                               json::array({"s3:GetObject", "execute-api:Invoke"}));
            CHECK(effect_of(document(json::array({s}))) == PolicyEffect::Allow);
        }
        SUBCASE("execute-api:*") {
            CHECK(effect_of(document(json::array({statement("Allow", k_arn, "execute-api:*")}))) ==
                  PolicyEffect::Allow);
        }
        SUBCASE("*") {
            CHECK(effect_of(document(json::array({statement("Allow", k_arn, "*")}))) ==
                  PolicyEffect::Allow);
        }
        SUBCASE("actions compare without case") {
            CHECK(effect_of(document(json::array(
                      {statement("Allow", k_arn, "Execute-API:invoke")}))) == PolicyEffect::Allow);
        }
        SUBCASE("another action does not count") {
            CHECK(effect_of(document(
                      json::array({statement("Allow", k_arn, "execute-api:ManageConnections")}))) ==
                  PolicyEffect::ImplicitDeny);
        }
        SUBCASE("a single statement object") {
            CHECK(effect_of(document(statement("Allow", k_arn))) == PolicyEffect::Allow);
        }
    }

    TEST_CASE("a malformed policy says why") {
        CHECK(malformed_reason(json("text")) == "policyDocument is not an object");
        CHECK(malformed_reason(json::object()) == "policyDocument has no Statement");
        CHECK(malformed_reason(document("x")) ==
              "Statement is neither a statement nor a list of them");
        CHECK(malformed_reason(document(json::array({1}))) == "Statement[0] is not an object");
        CHECK(malformed_reason(document(json::array({statement("Maybe", k_arn)}))) ==
              "Statement[0] has no Effect of Allow or Deny");
        json no_resource = statement("Allow", k_arn);
        no_resource.erase("Resource");
        CHECK(malformed_reason(document(json::array({statement("Allow", k_arn), no_resource}))) ==
              "Statement[1] has no Resource (a string or a list of strings)");
        CHECK(malformed_reason(document(json::array({statement("Allow", k_arn, 7)}))) ==
              "Statement[0] has no Action (a string or a list of strings)");
        CHECK(malformed_reason(document(json::array({statement("Allow", json::array({1}))}))) ==
              "Statement[0] has no Resource (a string or a list of strings)");
        // Element names are case-sensitive, as in IAM.
        CHECK(malformed_reason(json{{"statement", json::array()}}) ==
              "policyDocument has no Statement");
    }

} // TEST_SUITE

} // namespace lambda_local::runtime::gateway
