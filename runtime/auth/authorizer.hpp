// The gateway's JWT authorization step: an HTTP API's JWT authorizer and a REST API's Cognito
// user pool authorizer, from the request's identity header to Allow, 401 or 403.
#pragma once

#include "runtime/auth/claims.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/auth/key_source.hpp"
#include "runtime/http/values.hpp"
#include "runtime/util/clock.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lambda_local::runtime::loop {
class EventLoop;
}

namespace lambda_local::runtime::auth {

// An HTTP API's JWT authorizer (SAM: `Auth.Authorizers.<name>` with `JwtConfiguration` and
// `IdentitySource`; serverless.yml: `provider.httpApi.authorizers.<name>`).
struct JwtAuthorizerConfig {
    std::string issuer;                 // JwtConfiguration.issuer
    std::vector<std::string> audiences; // JwtConfiguration.audience
    // The header of the IdentitySource "$request.header.Authorization" (identity_header()).
    std::string identity_header = "Authorization";
};

// A REST API's COGNITO_USER_POOLS authorizer (SAM: `Auth.Authorizers.<name>.UserPoolArn`;
// serverless.yml: `authorizer: {arn: ..., type: COGNITO_USER_POOLS}`).
struct CognitoAuthorizerConfig {
    std::vector<std::string> user_pool_arns; // one or more pools (ProviderARNs)
    // The header of the identity source "method.request.header.Authorization".
    std::string identity_header = "Authorization";
    // Restricts the app clients (an ID token's `aud`, an access token's `client_id`); empty
    // accepts every client of the pools, as API Gateway does.
    std::vector<std::string> app_client_ids;
};

// The header name of a JWT identity source: "Authorization" for
// "$request.header.Authorization" or "method.request.header.Authorization"; or why it is not
// one (a JWT authorizer reads its token from one header).
std::variant<std::string, std::string> identity_header(std::string_view identity_source);

// What the gateway does with the request.
enum class Decision {
    Allow,        // invoke the integration, with `authorizer` in requestContext.authorizer
    Unauthorized, // 401 {"message":"Unauthorized"}
    Forbidden,    // 403 {"message":"Forbidden"}: a valid token without the route's scopes
};

struct AuthorizerOutcome {
    Decision decision = Decision::Unauthorized;
    // Allow: the value of `requestContext.authorizer`. HTTP API:
    // {"jwt":{"claims":{...},"scopes":[...]|null}}; REST: {"claims":{...}}. Claim values are
    // strings, as API Gateway passes them.
    nlohmann::json authorizer;
    // Unauthorized, Forbidden: why, for the log only (the client gets the fixed body).
    std::string reason;
    // HTTP API refusals: the WWW-Authenticate header API Gateway adds, e.g.
    // `Bearer scope="" error="invalid_token" error_description="the token is expired"`;
    // "" for REST.
    std::string www_authenticate;

    int status() const;       // 200, 401 or 403
    std::string body() const; // the refusal's JSON body; "" for Allow
};

// An HTTP API route's JWT authorization. `done` gets the outcome on the loop's thread (before
// this returns when the keys are cached). `route_scopes` is the route's
// `authorizationScopes`; `now` is read when the keys are at hand.
void authorize_jwt(loop::EventLoop& loop, KeySource& keys, const JwtAuthorizerConfig& config,
                   const http::HeaderList& headers, const std::vector<std::string>& route_scopes,
                   std::function<void(AuthorizerOutcome)> done,
                   std::function<WallClock::time_point()> now = &WallClock::now);

// The same, blocking during a key fetch (for `lambda-local test` and tests).
AuthorizerOutcome authorize_jwt(KeySource& keys, const JwtAuthorizerConfig& config,
                                const http::HeaderList& headers,
                                const std::vector<std::string>& route_scopes,
                                WallClock::time_point now = WallClock::now());

// A REST API method's Cognito user pool authorization: the token's issuer must be one of the
// pools'. Without `method_scopes` the token must be an ID token (`token_use` "id"); with them,
// an access token holding one of them. Every refusal is 401.
void authorize_cognito(loop::EventLoop& loop, KeySource& keys,
                       const CognitoAuthorizerConfig& config, const http::HeaderList& headers,
                       const std::vector<std::string>& method_scopes,
                       std::function<void(AuthorizerOutcome)> done,
                       std::function<WallClock::time_point()> now = &WallClock::now);

AuthorizerOutcome authorize_cognito(KeySource& keys, const CognitoAuthorizerConfig& config,
                                    const http::HeaderList& headers,
                                    const std::vector<std::string>& method_scopes,
                                    WallClock::time_point now = WallClock::now());

} // namespace lambda_local::runtime::auth
