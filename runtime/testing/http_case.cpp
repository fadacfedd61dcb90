// Routing an HTTP case's request and building its event, then the gateway's answer.
#include "runtime/testing/http_case.hpp"

namespace lambda_local::runtime::testing {

PreparedRequest prepare_request(const HttpSetup& setup, const FunctionSpec& function,
                                const gateway::HttpRequest& request) {
    PreparedRequest prepared;
    gateway::HttpRequest sent = request;
    if (setup.stage != gateway::k_default_stage) {
        sent.path = "/" + setup.stage + request.path;
    }
    gateway::FrontDoor front;
    front.region = function.region;
    prepared.integration = setup.gateway->prepare(std::move(sent), front);
    const gateway::Integration& integration = prepared.integration;
    if (!integration.answer && integration.function_name != function.name) {
        prepared.problem = "the request reached route '" + integration.route_key +
                           "' of function '" + integration.function_name + "', not '" +
                           function.name + "'";
    }
    return prepared;
}

gateway::HttpResponse http_answer(const HttpSetup& setup, const PreparedRequest& prepared,
                                  const InvocationResult& result) {
    return setup.gateway->answer(prepared.integration, result);
}

} // namespace lambda_local::runtime::testing
