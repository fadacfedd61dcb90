// The Lambda Invoke API (POST /2015-03-31/functions/{FunctionName}/invocations, and
// InvokeWithResponseStream's /2021-11-15/functions/{FunctionName}/response-streaming-invocations)
// as pure functions: reading a request, Lambda's service errors, and the answer to an invocation.
#pragma once

#include "runtime/execution/invocation.hpp"
#include "runtime/function/quotas.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/logs/log_result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace lambda_local::runtime::server {

// X-Amz-Invocation-Type.
enum class InvocationType {
    RequestResponse, // synchronous: 200 with the function's response
    Event,           // asynchronous: 202, queued
    DryRun,          // checks the request only: 204
};

// An Invoke request, checked: what the server needs to run it.
struct InvokeApiRequest {
    std::string function_name; // the plain name, from a name, an ARN or "account:name"
    std::string qualifier;     // "$LATEST" when one was given (the only one there is), else ""
    InvocationType invocation_type = InvocationType::RequestResponse;
    bool log_tail = false;      // X-Amz-Log-Type: Tail
    std::string client_context; // the decoded JSON object of X-Amz-Client-Context, or ""
    std::string payload;        // the event, JSON text; "{}" for an empty body (as Lambda does)
};

// Whether `path` (as sent, percent-encoded) is /2015-03-31/functions/{FunctionName}/invocations.
bool is_invoke_api_path(std::string_view path);

// Whether `path` is /2021-11-15/functions/{FunctionName}/response-streaming-invocations
// (InvokeWithResponseStream; docs/streaming.md).
bool is_invoke_with_response_stream_path(std::string_view path);

// Reads an Invoke request whose path is_invoke_api_path (or an InvokeWithResponseStream request,
// whose path is_invoke_with_response_stream_path: the same checks, without the Event type), for
// functions served in `region`: the request, or the service error Lambda would answer (every one in
// one table in invoke_api.cpp). The checks, in order: the request size (413), the members'
// constraints (ValidationException 400, all problems in one message, as AWS words them), a
// qualifier in the name that differs from ?Qualifier= (InvalidParameterValueException 400), an ARN
// of another region or account or a qualifier other than $LATEST (ResourceNotFoundException 404),
// X-Amz-Client-Context (InvalidRequestContentException 400), an Event payload over 1 MB (413),
// a payload that is not JSON (InvalidRequestContentException 400). An empty or blank body is
// the event {}. Whether the function exists is the caller's to check (function_not_found).
// A path that is not the Invoke API's gets 404 ResourceNotFoundException.
std::variant<InvokeApiRequest, gateway::HttpResponse>
parse_invoke_request(const gateway::HttpRequest& request, std::string_view region,
                     std::string_view request_id);

// The errors of Lambda's Invoke API; each has one row (status, x-amzn-ErrorType, body shape) in
// the table in invoke_api.cpp.
enum class ServiceError {
    ValidationException,            // 400: a member breaks its constraints
    InvalidParameterValueException, // 400: a member's value is wrong
    InvalidRequestContentException, // 400: the body or a header cannot be read
    ResourceNotFoundException,      // 404: no such function or qualifier
    RequestTooLarge,                // 413 RequestEntityTooLargeException: the request is over 6 MB
    EventPayloadTooLarge,           // 413 RequestEntityTooLargeException: an Event over 1 MB
    UnsupportedMediaTypeException,  // 415
    TooManyRequestsException,       // 429: throttled (too_many_requests adds the Reason)
    ServiceException,               // 500: the service failed
};

// A service error: its status, `Content-Type: application/json`, `x-amzn-ErrorType: <type>`,
// `x-amzn-RequestId`, and the JSON body AWS sends for that type: {"Type":"User","Message":"..."}
// or {"Type":"User","message":"..."} as the type's model spells it.
gateway::HttpResponse service_error(ServiceError error, std::string_view message,
                                    std::string_view request_id);

// 413 RequestEntityTooLargeException for a request to `path` (the Invoke API's, or
// InvokeWithResponseStream's) over the synchronous limit, as parse_invoke_request answers it; for
// the front door's answer to a body past what it reads at all.
gateway::HttpResponse request_too_large(std::string_view path, std::string_view request_id);

// 404 ResourceNotFoundException for a function that is not served:
// "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope[:<qualifier>]".
gateway::HttpResponse function_not_found(std::string_view name, std::string_view region,
                                         std::string_view request_id,
                                         std::string_view qualifier = "");

// Why an invocation was throttled (the Reason of TooManyRequestsException).
enum class ThrottleReason {
    ConcurrentInvocationLimitExceeded,                 // the account's (here: the server's) limit
    ReservedFunctionConcurrentInvocationLimitExceeded, // the function's reserved concurrency
};

// 429 TooManyRequestsException, with AWS's body for a throttled invoke:
// {"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User",
//  "message":"Rate Exceeded."}.
gateway::HttpResponse too_many_requests(
    std::string_view request_id,
    ThrottleReason reason = ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded);

// The answer to an invocation that ran (RequestResponse) or was accepted (Event, DryRun):
// RequestResponse: 200, the payload, Content-Type: application/json, x-amzn-RequestId,
//   X-Amz-Function-Error: Unhandled when the result is not ok (the payload is then already
//   Lambda's error JSON), X-Amz-Executed-Version: $LATEST, and with log_tail
//   X-Amz-Log-Result: log_result(log_text) (log_result.hpp).
// Event: 202, empty. DryRun: 204, empty. Both with x-amzn-RequestId; `result` and `log_text`
// are not read.
gateway::HttpResponse invoke_response(const InvokeApiRequest& request,
                                      const InvocationResult& result, std::string_view request_id,
                                      std::string_view log_text);

} // namespace lambda_local::runtime::server
