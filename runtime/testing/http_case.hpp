// An HTTP case through the gateway: the request routed and made into the event the function's
// API sends, and the function's result made into the answer the client gets.
#pragma once

#include "runtime/gateway/http.hpp"
#include "runtime/gateway/routes.hpp"
#include "runtime/invocation.hpp"
#include "runtime/testing/test_file.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// A request made ready for the function, or answered by the gateway itself.
struct PreparedRequest {
    std::optional<gateway::HttpResponse> answer; // set: no route, or the event is too large
    std::string problem; // set: the request reached another function of the template
    std::string event;   // the proxy event, when the function is to be invoked
    gateway::ApiType api_type = gateway::ApiType::Rest;
    gateway::PayloadFormat format = gateway::PayloadFormat::V1;
    std::vector<std::string> binary_media_types;
};

// Routes `request` (its path without the stage) through `setup` and builds the event for the
// route's API type and payload format. Host and X-Forwarded-* headers are added as API Gateway
// adds them, unless the request sets them.
PreparedRequest prepare_request(const HttpSetup& setup, const FunctionSpec& function,
                                const gateway::HttpRequest& request);

// The client's answer for the function's result: the proxy response, or the gateway's own
// answer to a function error, timeout or crash.
gateway::HttpResponse http_answer(const PreparedRequest& prepared, const InvocationResult& result);

} // namespace lambda_local::runtime::testing
