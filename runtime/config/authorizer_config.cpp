// Authorizer settings: names, the function an ARN names, and the checks of the settings.
#include "runtime/config/authorizer_config.hpp"

#include "runtime/gateway/identity_source.hpp"

#include <regex>

namespace lambda_local::runtime::config {

std::string_view authorizer_kind_name(AuthorizerKind kind) {
    switch (kind) {
    case AuthorizerKind::LambdaToken:
        return "TOKEN";
    case AuthorizerKind::LambdaRequest:
        return "REQUEST";
    case AuthorizerKind::Jwt:
        return "JWT";
    case AuthorizerKind::CognitoUserPools:
        return "COGNITO_USER_POOLS";
    case AuthorizerKind::Iam:
        return "AWS_IAM";
    }
    return "?";
}

std::optional<std::string> function_name_of_arn(std::string_view arn) {
    constexpr std::string_view k_functions = "/functions/";
    if (arn.starts_with("arn:aws:apigateway:")) {
        std::size_t at = arn.find(k_functions);
        if (at == std::string_view::npos) {
            return std::nullopt;
        }
        arn.remove_prefix(at + k_functions.size());
        arn = arn.substr(0, arn.find('/'));
    }
    // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
    std::vector<std::string_view> parts;
    while (true) {
        std::size_t colon = arn.find(':');
        parts.push_back(arn.substr(0, colon));
        if (colon == std::string_view::npos) {
            break;
        }
        arn.remove_prefix(colon + 1);
    }
    if (parts.size() < 7 || parts.size() > 8 || parts[0] != "arn" || parts[2] != "lambda" ||
        parts[5] != "function" || parts[6].empty()) {
        return std::nullopt;
    }
    return std::string(parts[6]);
}

std::string authorizer_problem(const AuthorizerConfig& authorizer, gateway::ApiType api_type) {
    const std::string what = "authorizer '" + authorizer.name + "'";
    if (authorizer.ttl_seconds < 0 || authorizer.ttl_seconds > k_max_authorizer_ttl_s) {
        return what + ": the result TTL must be from 0 to " +
               std::to_string(k_max_authorizer_ttl_s) + " seconds, not " +
               std::to_string(authorizer.ttl_seconds);
    }
    for (const std::string& source : authorizer.identity_sources) {
        if (!gateway::parse_identity_source(source, api_type)) {
            std::string syntax = api_type == gateway::ApiType::Rest
                                     ? "method.request.header.X, method.request.querystring.x, "
                                       "stageVariables.x or context.x"
                                     : "$request.header.X, $request.querystring.x, "
                                       "$stageVariables.x or $context.x";
            return what + ": identity source '" + source + "' is not one of " + syntax +
                   " (with a context variable lambda-local knows)";
        }
    }
    bool lambda = authorizer.kind == AuthorizerKind::LambdaToken ||
                  authorizer.kind == AuthorizerKind::LambdaRequest;
    if (authorizer.kind == AuthorizerKind::LambdaToken && authorizer.identity_sources.size() != 1) {
        return what + ": a TOKEN authorizer reads one header (method.request.header.X)";
    }
    if (authorizer.kind == AuthorizerKind::LambdaToken &&
        !authorizer.identity_sources.front().starts_with("method.request.header.")) {
        return what + ": a TOKEN authorizer's identity source must be a header, not '" +
               authorizer.identity_sources.front() + "'";
    }
    if (lambda && authorizer.ttl_seconds > 0 && authorizer.identity_sources.empty()) {
        return what + ": caching its results (a TTL of " + std::to_string(authorizer.ttl_seconds) +
               " s) needs identity sources; set them, or the TTL to 0";
    }
    if (!authorizer.validation_expression.empty()) {
        try {
            std::regex check(authorizer.validation_expression, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            return what + ": the validation expression '" + authorizer.validation_expression +
                   "' is not a regular expression";
        }
    }
    if (api_type == gateway::ApiType::Http && authorizer.simple_responses &&
        authorizer.payload_format != gateway::PayloadFormat::V2) {
        return what + ": simple responses need payload format 2.0";
    }
    return "";
}

} // namespace lambda_local::runtime::config
