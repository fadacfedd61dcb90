// The authorizers of an API as the configuration files declare them (docs/serve.md,
// authorizers): Lambda authorizers, which `serve` runs, and the kinds it parses for others.
#pragma once

#include "runtime/gateway/api.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::config {

// What kind of authorizer an API names.
enum class AuthorizerKind {
    LambdaToken,      // REST TOKEN: one header's value, checked by a function
    LambdaRequest,    // REST REQUEST, or an HTTP API's Lambda authorizer
    Jwt,              // HTTP API JWT authorizer (issuer, audiences)
    CognitoUserPools, // REST COGNITO_USER_POOLS (a JWT from a user pool)
    Iam,              // AWS_IAM: SigV4 by IAM, which lambda-local cannot emulate
};

// "TOKEN", "REQUEST", "JWT", "COGNITO_USER_POOLS", "AWS_IAM": for messages.
std::string_view authorizer_kind_name(AuthorizerKind kind);

// How a route names IAM authorization instead of an authorizer.
inline constexpr std::string_view k_iam_authorizer = "AWS_IAM";

// API Gateway's limits on an authorizer's result cache, in seconds.
inline constexpr int k_max_authorizer_ttl_s = 3600;
inline constexpr int k_default_rest_authorizer_ttl_s = 300;
inline constexpr int k_default_http_authorizer_ttl_s = 0;

// One authorizer of an API.
struct AuthorizerConfig {
    std::string name; // as the file names it ("MyAuthorizer", "customAuthorizer")
    AuthorizerKind kind = AuthorizerKind::LambdaToken;
    // The function as written: an ARN (SAM's FunctionArn), or a function's name or logical id
    // (serverless.yml); "" for JWT, Cognito and IAM.
    std::string function_ref;
    // The project's function that function_ref names (its Lambda name); "" when it names none,
    // which `serve` warns about and answers 500 for.
    std::string function_name;
    // In the API's own syntax: "method.request.header.Authorization" (REST),
    // "$request.header.Authorization" (HTTP API); in order.
    std::vector<std::string> identity_sources;
    std::string validation_expression; // TOKEN and Cognito: a regex the token must match
    int ttl_seconds = k_default_rest_authorizer_ttl_s; // 0: no caching
    // HTTP API Lambda authorizers: the event's payload format, and simple responses.
    gateway::PayloadFormat payload_format = gateway::PayloadFormat::V2;
    bool simple_responses = false;
    // JWT (HTTP API): the issuer and the audiences the token must have.
    std::string issuer;
    std::vector<std::string> audiences;
    // Cognito (REST): the user pools whose tokens are accepted.
    std::vector<std::string> user_pool_arns;
    std::string where; // "template.yaml:12": where it is declared, for messages
};

// The Lambda function name an authorizer's function ARN names: from
// "arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]", or from API Gateway's
// invocation URI "arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<that ARN>/
// invocations"; nothing for anything else.
std::optional<std::string> function_name_of_arn(std::string_view arn);

// What is wrong with an authorizer's settings, or "": a TTL outside 0..3600, a REST REQUEST
// or HTTP API Lambda authorizer caching without identity sources, an identity source of the
// wrong syntax, a validation expression that is not a regex, simple responses on payload 1.0.
std::string authorizer_problem(const AuthorizerConfig& authorizer, gateway::ApiType api_type);

} // namespace lambda_local::runtime::config
