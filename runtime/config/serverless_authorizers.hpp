// serverless.yml's authorizers: `authorizer:` on http events (REST), and
// provider.httpApi.authorizers named by `authorizer:` on httpApi events.
#pragma once

#include "runtime/config/authorizer_config.hpp"
#include "runtime/config/serverless_variables.hpp"
#include "runtime/gateway/routes.hpp"

#include <optional>
#include <vector>

namespace lambda_local::runtime::config {

// Reads an http event's `authorizer:` (a function name or ARN, `aws_iam`, or a mapping with
// name, arn, type, identitySource, identityValidationExpression, resultTtlInSeconds), adds
// the authorizer to `authorizers` unless one of its name is there, and names it on `route`.
void read_serverless_http_authorizer(const YamlDocument& doc, const ServerlessVariables& vars,
                                     const YAML::Node& node,
                                     std::vector<AuthorizerConfig>& authorizers,
                                     gateway::Route& route);

// Reads provider.httpApi.authorizers (absent: none): type request (functionName or
// functionArn, enableSimpleResponses, payloadVersion, identitySource, resultTtlInSeconds) or
// jwt (identitySource, issuerUrl, audience).
std::vector<AuthorizerConfig>
read_serverless_http_api_authorizers(const YamlDocument& doc, const ServerlessVariables& vars,
                                     const std::optional<YAML::Node>& node);

// Names on `route` the authorizer an httpApi event's `authorizer:` gives (a name, or
// {name, scopes}, or {type: aws_iam}); an IAM one is added to `authorizers`. Throws for a name
// provider.httpApi.authorizers does not declare.
void read_serverless_http_api_route_authorizer(const YamlDocument& doc,
                                               const ServerlessVariables& vars,
                                               const YAML::Node& node,
                                               std::vector<AuthorizerConfig>& authorizers,
                                               gateway::Route& route);

} // namespace lambda_local::runtime::config
