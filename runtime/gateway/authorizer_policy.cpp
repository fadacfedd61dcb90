// Evaluating an authorizer's IAM policy: Allow and Deny statements, wildcards, Deny wins.
#include "runtime/gateway/authorizer_policy.hpp"

#include "runtime/util/text.hpp"

#include <cctype>
#include <vector>

namespace lambda_local::runtime::gateway {
namespace {

constexpr std::string_view k_invoke_action = "execute-api:Invoke";
// More statements or patterns than this is not a policy anyone writes: malformed.
constexpr std::size_t k_max_statements = 1000;
constexpr std::size_t k_max_patterns = 1000;

// The strings of a member that is a string or a list of strings; false when it is neither.
bool strings_of(const nlohmann::json& value, std::vector<std::string>& out) {
    if (value.is_string()) {
        out.push_back(value.get<std::string>());
        return true;
    }
    if (!value.is_array() || value.empty() || value.size() > k_max_patterns) {
        return false;
    }
    for (const auto& item : value) {
        if (!item.is_string()) {
            return false;
        }
        out.push_back(item.get<std::string>());
    }
    return true;
}

// The member `key` of a policy object (names are case-sensitive, as in IAM), or nullptr.
const nlohmann::json* policy_member(const nlohmann::json& object, const char* key) {
    auto found = object.find(key);
    return found != object.end() ? &*found : nullptr;
}

} // namespace

bool wildcard_match(std::string_view pattern, std::string_view text) {
    // Iterative, with one backtrack point: linear in practice, never exponential.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

std::variant<PolicyEffect, MalformedPolicy> evaluate_policy(const nlohmann::json& document,
                                                            std::string_view method_arn) {
    if (!document.is_object()) {
        return MalformedPolicy{"policyDocument is not an object"};
    }
    const nlohmann::json* statements = policy_member(document, "Statement");
    if (statements == nullptr) {
        return MalformedPolicy{"policyDocument has no Statement"};
    }
    std::vector<const nlohmann::json*> list;
    if (statements->is_object()) {
        list.push_back(statements);
    } else if (statements->is_array() && statements->size() <= k_max_statements) {
        for (const auto& statement : *statements) {
            list.push_back(&statement);
        }
    } else {
        return MalformedPolicy{"Statement is neither a statement nor a list of them"};
    }
    bool allowed = false;
    bool denied = false;
    std::string invoke = lowercase(k_invoke_action);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& statement = *list[i];
        std::string at = "Statement[" + std::to_string(i) + "]";
        if (!statement.is_object()) {
            return MalformedPolicy{at + " is not an object"};
        }
        const nlohmann::json* effect = policy_member(statement, "Effect");
        if (effect == nullptr || !effect->is_string() ||
            (*effect != "Allow" && *effect != "Deny")) {
            return MalformedPolicy{at + " has no Effect of Allow or Deny"};
        }
        std::vector<std::string> actions;
        const nlohmann::json* action = policy_member(statement, "Action");
        if (action == nullptr || !strings_of(*action, actions)) {
            return MalformedPolicy{at + " has no Action (a string or a list of strings)"};
        }
        std::vector<std::string> resources;
        const nlohmann::json* resource = policy_member(statement, "Resource");
        if (resource == nullptr || !strings_of(*resource, resources)) {
            return MalformedPolicy{at + " has no Resource (a string or a list of strings)"};
        }
        bool action_matches = false;
        for (const std::string& pattern : actions) {
            action_matches = action_matches || wildcard_match(lowercase(pattern), invoke);
        }
        bool resource_matches = false;
        for (const std::string& pattern : resources) {
            resource_matches = resource_matches || wildcard_match(pattern, method_arn);
        }
        if (action_matches && resource_matches) {
            (*effect == "Deny" ? denied : allowed) = true;
        }
    }
    if (denied) {
        return PolicyEffect::ExplicitDeny;
    }
    return allowed ? PolicyEffect::Allow : PolicyEffect::ImplicitDeny;
}

} // namespace lambda_local::runtime::gateway
