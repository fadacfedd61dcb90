// Lambda authorizers: their events, their outputs read into a verdict, and the refusals.
#include "runtime/gateway/lambda_authorizer.hpp"

#include "runtime/gateway/authorizer_policy.hpp"
#include "runtime/util/json_depth.hpp"
#include "runtime/util/text.hpp"

#include <array>
#include <variant>

namespace lambda_local::runtime::gateway {
namespace {

using ordered_json = nlohmann::ordered_json;

// One refusal of the gateway's own (AWS "Gateway response types": UNAUTHORIZED, ACCESS_DENIED,
// AUTHORIZER_CONFIGURATION_ERROR / AUTHORIZER_FAILURE, REQUEST_TOO_LARGE's URI sibling).
struct Refusal {
    AuthorizationOutcome outcome;
    ApiType api_type;
    int status;
    std::string_view body;
    std::string_view error_type; // REST's x-amzn-ErrorType; "" for none
};

constexpr std::array<Refusal, 10> k_refusals = {{
    {AuthorizationOutcome::Unauthorized, ApiType::Rest, 401, R"({"message":"Unauthorized"})",
     "UnauthorizedException"},
    {AuthorizationOutcome::Forbidden, ApiType::Rest, 403,
     R"({"message":"User is not authorized to access this resource"})", "AccessDeniedException"},
    {AuthorizationOutcome::ExplicitDeny, ApiType::Rest, 403,
     R"({"Message":"User is not authorized to access this resource with an explicit deny"})",
     "AccessDeniedException"},
    {AuthorizationOutcome::Failed, ApiType::Rest, 500, R"({"message": null})",
     "AuthorizerConfigurationException"},
    // [UNCONFIRMED] the body of a REST API's 414.
    {AuthorizationOutcome::UriTooLong, ApiType::Rest, 414, R"({"message":"Request-URI Too Long"})",
     ""},
    {AuthorizationOutcome::Unauthorized, ApiType::Http, 401, R"({"message":"Unauthorized"})", ""},
    {AuthorizationOutcome::Forbidden, ApiType::Http, 403, R"({"message":"Forbidden"})", ""},
    {AuthorizationOutcome::ExplicitDeny, ApiType::Http, 403, R"({"message":"Forbidden"})", ""},
    {AuthorizationOutcome::Failed, ApiType::Http, 500, R"({"message":"Internal Server Error"})",
     ""},
    // [UNCONFIRMED] an HTTP API's 414.
    {AuthorizationOutcome::UriTooLong, ApiType::Http, 414, R"({"message":"Request-URI Too Long"})",
     ""},
}};

AuthorizationVerdict refused(AuthorizationOutcome outcome, std::string reason) {
    AuthorizationVerdict verdict;
    verdict.outcome = outcome;
    verdict.reason = std::move(reason);
    return verdict;
}

// A context value as a REST API passes it on: strings as they are, numbers and booleans as
// their text.
std::string context_text(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

HttpResponse authorization_answer(ApiType api_type, AuthorizationOutcome outcome) {
    HttpResponse response;
    for (const Refusal& refusal : k_refusals) {
        if (refusal.outcome != outcome || refusal.api_type != api_type) {
            continue;
        }
        bool rest = api_type == ApiType::Rest;
        response.status = refusal.status;
        response.headers.emplace_back(rest ? "Content-Type" : "content-type", "application/json");
        if (!refusal.error_type.empty()) {
            response.headers.emplace_back("x-amzn-ErrorType", refusal.error_type);
        }
        response.body = refusal.body;
        break;
    }
    return response;
}

std::string execute_api_arn(std::string_view region, std::string_view account,
                            std::string_view api_id, std::string_view stage,
                            std::string_view method, std::string_view path) {
    if (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    std::string arn = "arn:aws:execute-api:";
    arn.append(region).append(":").append(account).append(":").append(api_id);
    arn.append("/").append(stage).append("/").append(method).append("/").append(path);
    return arn;
}

std::string lambda_authorizer_event(const config::AuthorizerConfig& authorizer, ApiType api_type,
                                    const AuthorizerInput& input) {
    if (authorizer.kind == config::AuthorizerKind::LambdaToken) {
        ordered_json event = ordered_json::object();
        event["type"] = "TOKEN";
        event["authorizationToken"] = input.identity.empty() ? "" : input.identity.front();
        event["methodArn"] = input.method_arn;
        return event.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    }
    // A REQUEST authorizer gets the request as the integration would, without the body.
    ProxyIntegration proxy = *input.proxy;
    bool v2 = api_type == ApiType::Http && authorizer.payload_format == PayloadFormat::V2;
    proxy.format = v2 ? PayloadFormat::V2 : PayloadFormat::V1;
    proxy.authorizer.reset();
    HttpRequest request = *input.request;
    request.body.clear();
    ordered_json proxied = ordered_json::parse(proxy_event(request, proxy, input.stamp));
    ordered_json event = ordered_json::object();
    if (api_type == ApiType::Http) {
        event["version"] = v2 ? "2.0" : "1.0";
    }
    event["type"] = "REQUEST";
    if (v2) {
        event["routeArn"] = input.method_arn;
        event["identitySource"] = input.identity;
    } else {
        event["methodArn"] = input.method_arn;
        if (api_type == ApiType::Http) {
            event["identitySource"] = join(input.identity, ",");
            event["authorizationToken"] = join(input.identity, ",");
        }
    }
    for (auto& [key, value] : proxied.items()) {
        if (key != "version" && key != "body" && key != "isBase64Encoded") {
            event[key] = std::move(value);
        }
    }
    return event.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

AuthorizationVerdict read_authorizer_output(const config::AuthorizerConfig& authorizer,
                                            ApiType api_type, const nlohmann::json& output,
                                            std::string_view method_arn) {
    if (!output.is_object()) {
        return refused(AuthorizationOutcome::Failed, "the authorizer's output is not an object");
    }
    const bool http = api_type == ApiType::Http;
    nlohmann::json context = nlohmann::json::object();
    if (auto found = output.find("context"); found != output.end() && !found->is_null()) {
        if (!found->is_object()) {
            return refused(AuthorizationOutcome::Failed, "context is not an object");
        }
        context = *found;
    }
    AuthorizationVerdict verdict;
    if (http && authorizer.simple_responses) {
        auto is_authorized = output.find("isAuthorized");
        if (is_authorized == output.end() || !is_authorized->is_boolean()) {
            return refused(AuthorizationOutcome::Failed, "isAuthorized is not a boolean");
        }
        if (!is_authorized->get<bool>()) {
            return refused(AuthorizationOutcome::Forbidden, "isAuthorized is false");
        }
        verdict.outcome = AuthorizationOutcome::Allowed;
        verdict.authorizer = {{"lambda", std::move(context)}};
        return verdict;
    }
    auto principal = output.find("principalId");
    if (principal == output.end() || !(principal->is_string() || principal->is_number())) {
        return refused(AuthorizationOutcome::Failed, "the output has no principalId");
    }
    if (auto key = output.find("usageIdentifierKey");
        key != output.end() && !key->is_null() && !key->is_string()) {
        return refused(AuthorizationOutcome::Failed, "usageIdentifierKey is not a string");
    }
    auto document = output.find("policyDocument");
    if (document == output.end()) {
        return refused(AuthorizationOutcome::Failed, "the output has no policyDocument");
    }
    auto effect = evaluate_policy(*document, method_arn);
    if (auto* bad = std::get_if<MalformedPolicy>(&effect)) {
        return refused(AuthorizationOutcome::Failed, "malformed policy: " + bad->reason);
    }
    switch (std::get<PolicyEffect>(effect)) {
    case PolicyEffect::ExplicitDeny:
        return refused(AuthorizationOutcome::ExplicitDeny,
                       "the policy denies " + std::string(method_arn));
    case PolicyEffect::ImplicitDeny:
        return refused(AuthorizationOutcome::Forbidden,
                       "the policy allows nothing that matches " + std::string(method_arn));
    case PolicyEffect::Allow:
        break;
    }
    verdict.outcome = AuthorizationOutcome::Allowed;
    if (http) {
        verdict.authorizer = {{"lambda", std::move(context)}};
        return verdict;
    }
    // REST: the context's values (strings, numbers, booleans; never objects or lists) as
    // strings, beside principalId.
    nlohmann::json rest = nlohmann::json::object();
    for (auto& [key, value] : context.items()) {
        if (value.is_object() || value.is_array()) {
            return refused(AuthorizationOutcome::Failed,
                           "context value '" + key + "' is an object or a list");
        }
        if (!value.is_null()) {
            rest[key] = context_text(value);
        }
    }
    rest["principalId"] = context_text(*principal);
    verdict.authorizer = std::move(rest);
    return verdict;
}

AuthorizationVerdict failed_authorizer(const InvocationResult& result) {
    nlohmann::json error = parse_json_bounded<nlohmann::json>(result.payload);
    if (error.is_object() && error.value("errorMessage", nlohmann::json()) == "Unauthorized") {
        return refused(AuthorizationOutcome::Unauthorized, "the authorizer failed with "
                                                           "'Unauthorized'");
    }
    std::string what = result.error_type.empty() ? "an error" : result.error_type;
    return refused(AuthorizationOutcome::Failed, "the authorizer failed: " + what);
}

} // namespace lambda_local::runtime::gateway
