// The `Auth` of SAM's AWS::Serverless::Api and AWS::Serverless::HttpApi, and of their events:
// the API's authorizers, its DefaultAuthorizer, and the authorizer each route uses.
#pragma once

#include "runtime/config/authorizer_config.hpp"
#include "runtime/config/intrinsics.hpp"
#include "runtime/gateway/routes.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::config {

// An API's authorizers as its Auth declares them.
struct SamApiAuth {
    std::vector<AuthorizerConfig> authorizers;
    std::string default_authorizer; // "" for none; may be "AWS_IAM"
};

// Reads an API's `Auth` (absent: no authorizers): `Authorizers` (Lambda: FunctionArn,
// FunctionPayloadType, Identity; Cognito: UserPoolArn; HTTP API JWT: IdentitySource,
// JwtConfiguration) and `DefaultAuthorizer`. Throws lambda_local::Error at the line of what
// is wrong.
SamApiAuth read_sam_api_auth(const Intrinsics& values, const std::optional<YAML::Node>& auth,
                             gateway::ApiType api_type);

// Sets `route`'s authorizer from its event's `Auth` (`Authorizer: NAME|NONE|AWS_IAM`,
// `AuthorizationScopes`), else the API's DefaultAuthorizer. AWS_IAM adds an IAM authorizer to
// `api`. Throws lambda_local::Error for a name the API does not declare.
void apply_sam_event_auth(const Intrinsics& values, const std::optional<YAML::Node>& event_auth,
                          const YAML::Node& event_key, SamApiAuth& api, gateway::Route& route);

// Sets each authorizer's function_name from its function_ref (an ARN, a Lambda name or a
// logical id) where the project has that function; leaves "" elsewhere.
void resolve_authorizer_functions(Project& project);

} // namespace lambda_local::runtime::config
