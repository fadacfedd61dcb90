// An HTTP case through the gateway: the request routed and made into the event the function's
// API sends, and the function's result made into the answer the client gets.
#pragma once

#include "runtime/execution/invocation.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/gateway/integration.hpp"
#include "runtime/gateway/routes.hpp"
#include "runtime/testing/test_file.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// A request made ready for the function, or answered by the gateway itself.
struct PreparedRequest {
    gateway::Integration integration; // its `answer` set: no route, or the event is too large
    std::string problem;              // set: the request reached another function of the template
    // `authorization: run`: the route's authorizer decides next (apply_verdict), before the
    // event is built.
    bool needs_authorizer = false;
    std::optional<gateway::HttpResponse> answer() const { return integration.answer; }
};

// Routes `request` (its path without the stage) through `setup`'s gateway (the one `serve`
// uses) and builds the event, as the function's API on AWS would (https, port 443, the API's
// own domain name). With `authorization`, the route's authorizer (or, when the route has
// none, a TOKEN authorizer on a REST API, a simple-response or policy one on an HTTP API)
// answers with the output or error given: a refusal is the gateway's answer (401, 403, 500),
// an Allow puts its context in requestContext.authorizer. With `authorization: run` the
// route must have an authorizer (else `problem` says so): `needs_authorizer` is set, and the
// caller runs it and gives its verdict to apply_verdict. Without `authorization`, a route's
// authorizer is passed by.
PreparedRequest prepare_request(const HttpSetup& setup, const FunctionSpec& function,
                                const gateway::HttpRequest& request,
                                const std::optional<CaseAuthorization>& authorization = {});

// What an authorizer's `verdict` makes of `prepared`, as in `serve`: an Allow builds the event
// with requestContext.authorizer; a refusal sets the gateway's answer (with the verdict's
// headers and the API's CORS headers).
void apply_verdict(const HttpSetup& setup, PreparedRequest& prepared,
                   gateway::AuthorizationVerdict verdict);

// The client's answer for the function's result: the proxy response, or the gateway's own
// answer to a function error, timeout or crash.
gateway::HttpResponse http_answer(const HttpSetup& setup, const PreparedRequest& prepared,
                                  const InvocationResult& result);

} // namespace lambda_local::runtime::testing
