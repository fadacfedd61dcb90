// Lambda authorizers as API Gateway calls them: the event a function gets, what its output
// means for one request, and the gateway's answers when it refuses (AWS: "Input to an API
// Gateway Lambda authorizer", "Output from an API Gateway Lambda authorizer", "Working with
// AWS Lambda authorizers for HTTP APIs", "Gateway response types").
#pragma once

#include "runtime/config/authorizer_config.hpp"
#include "runtime/execution/invocation.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/gateway/proxy_event.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::gateway {

// Method ARNs longer than this get 414 without calling the authorizer.
inline constexpr std::size_t k_max_method_arn = 1600;

// How an authorization ends.
enum class AuthorizationOutcome {
    Allowed,
    Unauthorized, // 401: an identity source missing or empty, a token that fails the
                  // validation expression, or the authorizer failed with "Unauthorized"
    Forbidden,    // 403: no Allow statement matches (REST), or denied (HTTP API)
    ExplicitDeny, // 403: a Deny statement matches (REST's own body; an HTTP API's 403)
    Failed,       // 500: the authorizer failed, timed out, or its output is malformed
    UriTooLong,   // 414: the method ARN is over 1600 bytes
};

// What an authorizer decided, and what the integration's event gets from it.
struct AuthorizationVerdict {
    AuthorizationOutcome outcome = AuthorizationOutcome::Failed;
    // Allowed: requestContext.authorizer of the event (REST: principalId and the context;
    // HTTP API: {"lambda": context}).
    nlohmann::json authorizer;
    std::string reason;  // for the log: why it was refused
    bool cached = false; // decided from a cached output, without calling the function
    // Refusals: headers the gateway's answer carries besides its own (an HTTP API JWT
    // authorizer's www-authenticate).
    HeaderList headers;
};

// The gateway's answer to a refusal of an API of `api_type` (no CORS headers).
HttpResponse authorization_answer(ApiType api_type, AuthorizationOutcome outcome);

// "arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path without its first
// slash>": the methodArn (REST) or routeArn (HTTP API) of a request.
std::string execute_api_arn(std::string_view region, std::string_view account,
                            std::string_view api_id, std::string_view stage,
                            std::string_view method, std::string_view path);

// What a Lambda authorizer's event is made of.
struct AuthorizerInput {
    const HttpRequest* request = nullptr;    // with API Gateway's headers added
    const ProxyIntegration* proxy = nullptr; // the route, stage, ids, stage variables
    RequestStamp stamp;                      // the request's id and time
    std::string method_arn;                  // execute_api_arn of the request
    std::vector<std::string> identity;       // the identity source values, in order
};

// The event JSON text for `authorizer` (REST TOKEN, REST REQUEST, HTTP API payload 1.0 or 2.0).
std::string lambda_authorizer_event(const config::AuthorizerConfig& authorizer, ApiType api_type,
                                    const AuthorizerInput& input);

// The verdict of an authorizer function's output, for the request of `method_arn`: a policy
// evaluated (evaluate_policy), or a simple response; a malformed one is Failed.
AuthorizationVerdict read_authorizer_output(const config::AuthorizerConfig& authorizer,
                                            ApiType api_type, const nlohmann::json& output,
                                            std::string_view method_arn);

// The verdict of an invocation that did not succeed: "Unauthorized" as the error message is
// Unauthorized, anything else Failed.
AuthorizationVerdict failed_authorizer(const InvocationResult& result);

} // namespace lambda_local::runtime::gateway
