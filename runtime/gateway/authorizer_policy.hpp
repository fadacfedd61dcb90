// The IAM policy a Lambda authorizer returns, evaluated as API Gateway does for one request
// (AWS: "Output from an API Gateway Lambda authorizer").
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace lambda_local::runtime::gateway {

// Whether `text` matches an IAM `pattern`: `*` any run of characters (`/` and `:` included),
// `?` any one character, everything else itself. Case-sensitive, as Resource ARNs are.
bool wildcard_match(std::string_view pattern, std::string_view text);

// What a policy says about one method ARN.
enum class PolicyEffect {
    Allow,        // an Allow statement matches and no Deny does
    ExplicitDeny, // a Deny statement matches (it wins over any Allow)
    ImplicitDeny, // no statement matches
};

// Why a policy cannot be evaluated (API Gateway answers 500).
struct MalformedPolicy {
    std::string reason; // "Statement[1] has no Resource"
};

// Evaluates a policyDocument for `execute-api:Invoke` on `method_arn`. Each statement needs
// an Effect (Allow or Deny), an Action and a Resource, each a string or a list of strings;
// an Action matches when it matches "execute-api:Invoke" (case-insensitively, with
// wildcards: "execute-api:*", "*"), a Resource when it matches the ARN. `Statement` may be one
// statement or a list.
std::variant<PolicyEffect, MalformedPolicy> evaluate_policy(const nlohmann::json& document,
                                                            std::string_view method_arn);

} // namespace lambda_local::runtime::gateway
