// SAM's Auth: authorizers of an API, its default, and each event's choice.
#include "runtime/config/sam_authorizers.hpp"

#include "runtime/config/settings.hpp"

#include <algorithm>

namespace lambda_local::runtime::config {
namespace {

constexpr std::string_view k_none = "NONE";

// The value of `key` in `map` with each Fn::If decided, or nothing.
std::optional<YAML::Node> property(const Intrinsics& values, const YAML::Node& map,
                                   std::string_view key) {
    std::optional<YAML::Node> found = find(map, key);
    return found ? values.select(*found) : std::nullopt;
}

std::optional<std::string> text(const Intrinsics& values, const YAML::Node& map,
                                std::string_view key) {
    std::optional<YAML::Node> found = property(values, map, key);
    return found ? values.text(*found, key) : std::nullopt;
}

std::vector<std::string> strings(const Intrinsics& values, const YAML::Node& map,
                                 std::string_view key) {
    std::optional<YAML::Node> found = property(values, map, key);
    if (!found) {
        return {};
    }
    if (found->IsScalar()) {
        return {values.text(*found, key).value_or("")};
    }
    return values.list(*found, key);
}

// An ARN that may be `!GetAtt X.Arn` of a resource lambda-local cannot resolve (a Cognito
// user pool, an AWS::Lambda::Function): its text, as written, instead of an error.
std::string arn_text(const Intrinsics& values, const YAML::Node& node, std::string_view key) {
    try {
        return values.text(node, key).value_or("");
    } catch (const Error&) {
        if (node.IsScalar()) {
            return "!GetAtt " + node.Scalar();
        }
        if (node.IsSequence() && node.size() == 2) {
            return "!GetAtt " + node[0].Scalar() + "." + node[1].Scalar();
        }
        if (std::optional<YAML::Node> get_att = find(node, "Fn::GetAtt")) {
            return arn_text(values, *get_att, key);
        }
        return "(an ARN lambda-local cannot resolve)";
    }
}

int ttl_of(const Intrinsics& values, const YAML::Node& identity, int fallback) {
    std::optional<YAML::Node> node = property(values, identity, "ReauthorizeEvery");
    if (!node) {
        return fallback;
    }
    std::string value = values.text(*node, "ReauthorizeEvery").value_or("");
    std::optional<long long> seconds = parse_integer(value);
    if (!seconds || *seconds < 0 || *seconds > k_max_authorizer_ttl_s) {
        throw values.document().error(*node, "ReauthorizeEvery must be a whole number of seconds "
                                             "from 0 to 3600, not '" +
                                                 value + "'");
    }
    return static_cast<int>(*seconds);
}

AuthorizerConfig read_authorizer(const Intrinsics& values, const Entry& entry,
                                 gateway::ApiType api_type) {
    const YamlDocument& doc = values.document();
    const bool http = api_type == gateway::ApiType::Http;
    AuthorizerConfig authorizer;
    authorizer.name = entry.key.Scalar();
    authorizer.where = doc.where(entry.key);
    const YAML::Node& body = entry.value;
    if (!body.IsMap()) {
        throw doc.error(entry.key, "authorizer '" + authorizer.name + "' must be a mapping");
    }
    YAML::Node identity = property(values, body, "Identity").value_or(YAML::Node());
    std::string prefix = http ? "$request." : "method.request.";
    auto add_sources = [&](std::string_view key, std::string_view from) {
        for (const std::string& name : strings(values, identity, key)) {
            authorizer.identity_sources.push_back(std::string(from) + name);
        }
    };
    std::optional<YAML::Node> function_arn = property(values, body, "FunctionArn");
    if (http && (find(body, "JwtConfiguration") || find(body, "IdentitySource")) && !function_arn) {
        authorizer.kind = AuthorizerKind::Jwt;
        authorizer.ttl_seconds = 0;
        authorizer.identity_sources = {
            text(values, body, "IdentitySource").value_or("$request.header.Authorization")};
        YAML::Node jwt = property(values, body, "JwtConfiguration").value_or(YAML::Node());
        authorizer.issuer = text(values, jwt, "issuer").value_or("");
        authorizer.audiences = strings(values, jwt, "audience");
    } else if (!http && find(body, "UserPoolArn")) {
        authorizer.kind = AuthorizerKind::CognitoUserPools;
        YAML::Node pools = *property(values, body, "UserPoolArn");
        if (pools.IsSequence()) {
            for (const auto& pool : pools) {
                authorizer.user_pool_arns.push_back(arn_text(values, pool, "UserPoolArn"));
            }
        } else {
            authorizer.user_pool_arns.push_back(arn_text(values, pools, "UserPoolArn"));
        }
        authorizer.identity_sources = {"method.request.header." +
                                       text(values, identity, "Header").value_or("Authorization")};
        authorizer.validation_expression =
            text(values, identity, "ValidationExpression").value_or("");
        authorizer.ttl_seconds = ttl_of(values, identity, k_default_rest_authorizer_ttl_s);
    } else if (function_arn) {
        authorizer.function_ref = arn_text(values, *function_arn, "FunctionArn");
        if (http) {
            authorizer.kind = AuthorizerKind::LambdaRequest;
            std::string version =
                text(values, body, "AuthorizerPayloadFormatVersion").value_or("2.0");
            if (version != "1.0" && version != "2.0") {
                throw doc.error(entry.key, "authorizer '" + authorizer.name +
                                               "': AuthorizerPayloadFormatVersion must be 1.0 "
                                               "or 2.0, not '" +
                                               version + "'");
            }
            authorizer.payload_format =
                version == "1.0" ? gateway::PayloadFormat::V1 : gateway::PayloadFormat::V2;
            if (std::optional<YAML::Node> simple =
                    property(values, body, "EnableSimpleResponses")) {
                authorizer.simple_responses =
                    parse_flag(values.text(*simple, "EnableSimpleResponses").value_or(""),
                               "EnableSimpleResponses", doc.where(*simple));
            }
            add_sources("Headers", "$request.header.");
            add_sources("QueryStrings", "$request.querystring.");
            add_sources("StageVariables", "$stageVariables.");
            add_sources("Context", "$context.");
            authorizer.ttl_seconds = ttl_of(values, identity, k_default_http_authorizer_ttl_s);
        } else {
            std::string type = text(values, body, "FunctionPayloadType").value_or("TOKEN");
            if (type == "TOKEN") {
                authorizer.kind = AuthorizerKind::LambdaToken;
                authorizer.identity_sources = {
                    prefix + "header." +
                    text(values, identity, "Header").value_or("Authorization")};
                authorizer.validation_expression =
                    text(values, identity, "ValidationExpression").value_or("");
            } else if (type == "REQUEST") {
                authorizer.kind = AuthorizerKind::LambdaRequest;
                add_sources("Headers", "method.request.header.");
                add_sources("QueryStrings", "method.request.querystring.");
                add_sources("StageVariables", "stageVariables.");
                add_sources("Context", "context.");
            } else {
                throw doc.error(entry.key, "authorizer '" + authorizer.name +
                                               "': FunctionPayloadType must be TOKEN or "
                                               "REQUEST, not '" +
                                               type + "'");
            }
            authorizer.ttl_seconds = ttl_of(values, identity, k_default_rest_authorizer_ttl_s);
        }
    } else {
        throw doc.error(entry.key, "authorizer '" + authorizer.name + "' needs a FunctionArn" +
                                       (http ? " (Lambda) or a JwtConfiguration (JWT)"
                                             : " (Lambda) or a UserPoolArn (Cognito)"));
    }
    if (std::string problem = authorizer_problem(authorizer, api_type); !problem.empty()) {
        throw doc.error(entry.key, problem);
    }
    return authorizer;
}

} // namespace

SamApiAuth read_sam_api_auth(const Intrinsics& values, const std::optional<YAML::Node>& auth,
                             gateway::ApiType api_type) {
    SamApiAuth out;
    if (!auth || !auth->IsMap()) {
        return out;
    }
    if (std::optional<YAML::Node> authorizers = property(values, *auth, "Authorizers")) {
        if (!authorizers->IsMap()) {
            throw values.document().error(*authorizers, "Auth.Authorizers must be a mapping");
        }
        for (const auto& item : *authorizers) {
            out.authorizers.push_back(read_authorizer(values, {item.first, item.second}, api_type));
        }
    }
    if (std::optional<YAML::Node> default_node = property(values, *auth, "DefaultAuthorizer")) {
        out.default_authorizer = values.text(*default_node, "DefaultAuthorizer").value_or("");
        bool known = out.default_authorizer == k_iam_authorizer ||
                     std::any_of(out.authorizers.begin(), out.authorizers.end(),
                                 [&](const AuthorizerConfig& a) {
                                     return a.name == out.default_authorizer;
                                 });
        if (!known && !out.default_authorizer.empty()) {
            throw values.document().error(*default_node, "DefaultAuthorizer '" +
                                                             out.default_authorizer +
                                                             "' is not one of Auth.Authorizers");
        }
    }
    return out;
}

void apply_sam_event_auth(const Intrinsics& values, const std::optional<YAML::Node>& event_auth,
                          const YAML::Node& event_key, SamApiAuth& api, gateway::Route& route) {
    std::string name = api.default_authorizer;
    std::optional<YAML::Node> named;
    if (event_auth && event_auth->IsMap()) {
        named = property(values, *event_auth, "Authorizer");
        if (named) {
            name = values.text(*named, "Authorizer").value_or("");
        }
        route.authorization_scopes = strings(values, *event_auth, "AuthorizationScopes");
    }
    if (name.empty() || name == k_none) {
        route.authorizer.clear();
        return;
    }
    if (name == k_iam_authorizer) {
        bool present =
            std::any_of(api.authorizers.begin(), api.authorizers.end(),
                        [](const AuthorizerConfig& a) { return a.name == k_iam_authorizer; });
        if (!present) {
            AuthorizerConfig iam;
            iam.name = std::string(k_iam_authorizer);
            iam.kind = AuthorizerKind::Iam;
            iam.ttl_seconds = 0;
            iam.where = values.document().where(named ? *named : event_key);
            api.authorizers.push_back(std::move(iam));
        }
        route.authorizer = std::string(k_iam_authorizer);
        return;
    }
    bool known = std::any_of(api.authorizers.begin(), api.authorizers.end(),
                             [&](const AuthorizerConfig& a) { return a.name == name; });
    if (!known) {
        throw values.document().error(named ? *named : event_key,
                                      "Authorizer '" + name +
                                          "' is not one of the API's Auth.Authorizers");
    }
    route.authorizer = name;
}

void resolve_authorizer_functions(Project& project) {
    for (ApiConfig& api : project.apis) {
        for (AuthorizerConfig& authorizer : api.authorizers) {
            if (authorizer.function_ref.empty()) {
                continue;
            }
            std::string name =
                function_name_of_arn(authorizer.function_ref).value_or(authorizer.function_ref);
            const FunctionConfig* function = project.find_function(name);
            authorizer.function_name = function != nullptr ? function->spec.name : "";
        }
    }
}

} // namespace lambda_local::runtime::config
