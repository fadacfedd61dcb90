// serverless.yml's authorizers, REST (http events) and HTTP API (provider.httpApi).
#include "runtime/config/serverless_authorizers.hpp"

#include "runtime/config/settings.hpp"
#include "runtime/gateway/identity_source.hpp"

#include <algorithm>
#include <cctype>

namespace lambda_local::runtime::config {
namespace {

std::optional<YAML::Node> get(const ServerlessVariables& vars, const YAML::Node& map,
                              std::string_view key) {
    std::optional<YAML::Node> found = find(vars.select(map), key);
    if (!found) {
        return std::nullopt;
    }
    YAML::Node value = vars.select(*found);
    return value.IsNull() ? std::nullopt : std::optional<YAML::Node>(value);
}

std::optional<std::string> text(const ServerlessVariables& vars, const YAML::Node& map,
                                std::string_view key) {
    std::optional<YAML::Node> node = get(vars, map, key);
    return node ? vars.text(*node, key) : std::nullopt;
}

std::vector<std::string> strings(const ServerlessVariables& vars, const YAML::Node& map,
                                 std::string_view key) {
    std::optional<YAML::Node> node = get(vars, map, key);
    std::vector<std::string> out;
    if (!node) {
        return out;
    }
    if (!node->IsSequence()) {
        out.push_back(vars.text(*node, key).value_or(""));
        return out;
    }
    for (const auto& item : *node) {
        out.push_back(vars.text(vars.select(item), key).value_or(""));
    }
    return out;
}

std::string lowercase(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

int ttl_of(const YamlDocument& doc, const ServerlessVariables& vars, const YAML::Node& map,
           int fallback) {
    std::optional<YAML::Node> node = get(vars, map, "resultTtlInSeconds");
    if (!node) {
        return fallback;
    }
    std::string value = vars.text(*node, "resultTtlInSeconds").value_or("");
    std::optional<long long> seconds = parse_integer(value);
    if (!seconds || *seconds < 0 || *seconds > k_max_authorizer_ttl_s) {
        throw doc.error(*node, "resultTtlInSeconds must be a whole number of seconds from 0 to "
                               "3600, not '" +
                                   value + "'");
    }
    return static_cast<int>(*seconds);
}

AuthorizerConfig iam_authorizer(const YamlDocument& doc, const YAML::Node& at) {
    AuthorizerConfig iam;
    iam.name = std::string(k_iam_authorizer);
    iam.kind = AuthorizerKind::Iam;
    iam.ttl_seconds = 0;
    iam.where = doc.where(at);
    return iam;
}

void add_once(std::vector<AuthorizerConfig>& authorizers, AuthorizerConfig authorizer) {
    bool present =
        std::any_of(authorizers.begin(), authorizers.end(),
                    [&](const AuthorizerConfig& a) { return a.name == authorizer.name; });
    if (!present) {
        authorizers.push_back(std::move(authorizer));
    }
}

void check(const YamlDocument& doc, const YAML::Node& at, const AuthorizerConfig& authorizer,
           gateway::ApiType api_type) {
    if (std::string problem = authorizer_problem(authorizer, api_type); !problem.empty()) {
        throw doc.error(at, problem);
    }
}

} // namespace

void read_serverless_http_authorizer(const YamlDocument& doc, const ServerlessVariables& vars,
                                     const YAML::Node& node,
                                     std::vector<AuthorizerConfig>& authorizers,
                                     gateway::Route& route) {
    YAML::Node value = vars.select(node);
    AuthorizerConfig authorizer;
    authorizer.where = doc.where(node);
    authorizer.kind = AuthorizerKind::LambdaToken;
    authorizer.ttl_seconds = k_default_rest_authorizer_ttl_s;
    authorizer.identity_sources = {"method.request.header.Authorization"};
    std::string type = "token";
    if (value.IsMap()) {
        std::optional<std::string> name = text(vars, value, "name");
        std::optional<std::string> arn = text(vars, value, "arn");
        type = lowercase(text(vars, value, "type").value_or(""));
        if (type == "aws_iam") {
            add_once(authorizers, iam_authorizer(doc, node));
            route.authorizer = std::string(k_iam_authorizer);
            return;
        }
        if (type == "cognito_user_pools" ||
            (arn && arn->find(":cognito-idp:") != std::string::npos)) {
            authorizer.kind = AuthorizerKind::CognitoUserPools;
            if (arn) {
                authorizer.user_pool_arns = {*arn};
            }
            route.authorization_scopes = strings(vars, value, "scopes");
        } else {
            authorizer.function_ref = arn ? *arn : name.value_or("");
            if (type == "request") {
                authorizer.kind = AuthorizerKind::LambdaRequest;
                authorizer.identity_sources.clear();
            } else if (!type.empty() && type != "token") {
                throw doc.error(node, "authorizer type must be token, request, aws_iam or "
                                      "COGNITO_USER_POOLS, not '" +
                                          type + "'");
            }
        }
        authorizer.name =
            name ? *name : function_name_of_arn(arn.value_or("")).value_or(arn.value_or(""));
        if (std::optional<std::string> sources = text(vars, value, "identitySource")) {
            authorizer.identity_sources = gateway::split_identity_sources(*sources);
        }
        authorizer.validation_expression =
            text(vars, value, "identityValidationExpression").value_or("");
        authorizer.ttl_seconds = ttl_of(doc, vars, value, k_default_rest_authorizer_ttl_s);
    } else {
        std::string spelled = vars.text(value, "authorizer").value_or("");
        if (lowercase(spelled) == "aws_iam") {
            add_once(authorizers, iam_authorizer(doc, node));
            route.authorizer = std::string(k_iam_authorizer);
            return;
        }
        authorizer.function_ref = spelled;
        authorizer.name = function_name_of_arn(spelled).value_or(spelled);
    }
    if (authorizer.name.empty()) {
        throw doc.error(node, "an authorizer needs a name or an arn");
    }
    check(doc, node, authorizer, gateway::ApiType::Rest);
    route.authorizer = authorizer.name;
    add_once(authorizers, std::move(authorizer));
}

std::vector<AuthorizerConfig>
read_serverless_http_api_authorizers(const YamlDocument& doc, const ServerlessVariables& vars,
                                     const std::optional<YAML::Node>& node) {
    std::vector<AuthorizerConfig> out;
    if (!node) {
        return out;
    }
    if (!node->IsMap()) {
        throw doc.error(*node, "provider.httpApi.authorizers must be a mapping");
    }
    for (const auto& item : *node) {
        YAML::Node body = vars.select(item.second);
        AuthorizerConfig authorizer;
        authorizer.name = item.first.Scalar();
        authorizer.where = doc.where(item.first);
        if (!body.IsMap()) {
            throw doc.error(item.first, "authorizer '" + authorizer.name + "' must be a mapping");
        }
        std::string type = lowercase(
            text(vars, body, "type").value_or(get(vars, body, "issuerUrl") ? "jwt" : "request"));
        authorizer.identity_sources = strings(vars, body, "identitySource");
        if (type == "jwt") {
            authorizer.kind = AuthorizerKind::Jwt;
            authorizer.ttl_seconds = 0;
            authorizer.issuer = text(vars, body, "issuerUrl").value_or("");
            authorizer.audiences = strings(vars, body, "audience");
        } else if (type == "request") {
            authorizer.kind = AuthorizerKind::LambdaRequest;
            std::optional<std::string> function = text(vars, body, "functionName");
            authorizer.function_ref =
                function ? *function : text(vars, body, "functionArn").value_or("");
            if (authorizer.function_ref.empty()) {
                throw doc.error(item.first, "authorizer '" + authorizer.name +
                                                "' needs a functionName or a functionArn");
            }
            if (std::optional<YAML::Node> simple = get(vars, body, "enableSimpleResponses")) {
                authorizer.simple_responses =
                    parse_flag(vars.text(*simple, "enableSimpleResponses").value_or(""),
                               "enableSimpleResponses", doc.where(*simple));
            }
            std::string version = text(vars, body, "payloadVersion").value_or("2.0");
            if (version != "1.0" && version != "2.0") {
                throw doc.error(item.first, "authorizer '" + authorizer.name +
                                                "': payloadVersion must be 1.0 or 2.0, not '" +
                                                version + "'");
            }
            authorizer.payload_format =
                version == "1.0" ? gateway::PayloadFormat::V1 : gateway::PayloadFormat::V2;
            authorizer.ttl_seconds = ttl_of(doc, vars, body, k_default_http_authorizer_ttl_s);
        } else {
            throw doc.error(item.first, "authorizer '" + authorizer.name +
                                            "': type must be request or jwt, not '" + type + "'");
        }
        check(doc, item.first, authorizer, gateway::ApiType::Http);
        out.push_back(std::move(authorizer));
    }
    return out;
}

void read_serverless_http_api_route_authorizer(const YamlDocument& doc,
                                               const ServerlessVariables& vars,
                                               const YAML::Node& node,
                                               std::vector<AuthorizerConfig>& authorizers,
                                               gateway::Route& route) {
    YAML::Node value = vars.select(node);
    std::string name;
    if (value.IsMap()) {
        if (lowercase(text(vars, value, "type").value_or("")) == "aws_iam") {
            add_once(authorizers, iam_authorizer(doc, node));
            route.authorizer = std::string(k_iam_authorizer);
            return;
        }
        name = text(vars, value, "name").value_or("");
        if (name.empty() && get(vars, value, "id")) {
            throw doc.error(node, "authorizer 'id:' names an authorizer outside this file; "
                                  "lambda-local needs it in provider.httpApi.authorizers");
        }
        route.authorization_scopes = strings(vars, value, "scopes");
    } else {
        name = vars.text(value, "authorizer").value_or("");
    }
    bool known = std::any_of(authorizers.begin(), authorizers.end(),
                             [&](const AuthorizerConfig& a) { return a.name == name; });
    if (!known) {
        throw doc.error(node,
                        "authorizer '" + name + "' is not one of provider.httpApi.authorizers");
    }
    route.authorizer = name;
}

} // namespace lambda_local::runtime::config
