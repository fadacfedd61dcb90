// The HTTP response API Gateway sends for a function's result, and its own answers (§3).
#pragma once

#include "runtime/gateway/api.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lambda_local::runtime::gateway {

// The situations in which API Gateway answers a request itself (docs/serve.md, the gateway's own
// answers).
enum class GatewayAnswer {
    NoRoute,                 // REST 403 "Missing Authentication Token"; HTTP 404 "Not Found"
    FunctionFailed,          // function error, crash, Lambda timeout, oversized or malformed result
    IntegrationTimeout,      // REST 504 (29 s by default); HTTP 503 (30 s)
    RequestTooLarge,         // the event is over Lambda's 6 MB synchronous payload limit: 413
    RequestOverGatewayLimit, // the body is over API Gateway's own 10 MB limit: 413
    Throttled,               // the function's concurrency and queue are full: 429
};

// The response API Gateway of `api_type` sends for `answer`.
HttpResponse gateway_answer(ApiType api_type, GatewayAnswer answer);

// Why a function's result is not a valid proxy response (what AWS logs as "Malformed Lambda
// proxy response"), for the emulator's log.
struct MalformedResponse {
    std::string reason; // "statusCode is not an integer from 100 to 599"
};

// Reads a function's result `payload` as a proxy response of `format` (docs/serve.md). A REST
// API always reads 1.0. `binary_media_types` are a REST API's; an HTTP API has none. `accept` is
// the client's Accept header: a REST API decodes an isBase64Encoded body only when the first
// media type in it matches one of binary_media_types (AWS: "Content type conversions in API
// Gateway"), and otherwise sends the base64 text as it is; an HTTP API always decodes.
std::variant<HttpResponse, MalformedResponse>
read_function_response(ApiType api_type, PayloadFormat format, std::string_view payload,
                       const std::vector<std::string>& binary_media_types,
                       std::string_view accept = "");

// The response the client gets for a function's result: read_function_response's, or
// FunctionFailed's answer (REST 502, HTTP 500) when the result is malformed.
HttpResponse response_from_function(ApiType api_type, PayloadFormat format,
                                    std::string_view payload,
                                    const std::vector<std::string>& binary_media_types,
                                    std::string_view accept = "");

// The first media type of an Accept header, without its parameters: "image/webp" for
// "image/webp,image/*,*/*;q=0.8"; "" when there is none.
std::string first_accept_type(std::string_view accept);

} // namespace lambda_local::runtime::gateway
