// Routing an HTTP case's request and building its event, then the gateway's answer.
#include "runtime/testing/http_case.hpp"

#include "runtime/gateway/lambda_authorizer.hpp"

namespace lambda_local::runtime::testing {
namespace {

// The verdict of an authorization a case gives, for the prepared `integration`.
gateway::AuthorizationVerdict given_verdict(const gateway::Integration& integration,
                                            const CaseAuthorization& given) {
    const gateway::ProxyIntegration& proxy = integration.proxy;
    if (given.error) {
        InvocationResult failed;
        failed.status = InvocationStatus::FunctionError;
        failed.error_type = "Error";
        failed.payload =
            nlohmann::json{{"errorType", "Error"}, {"errorMessage", *given.error}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace);
        return gateway::failed_authorizer(failed);
    }
    config::AuthorizerConfig authorizer;
    if (integration.authorizer != nullptr) {
        authorizer = *integration.authorizer;
    } else {
        authorizer.kind = config::AuthorizerKind::LambdaRequest;
        authorizer.simple_responses = proxy.api_type == gateway::ApiType::Http &&
                                      given.output->is_object() &&
                                      given.output->contains("isAuthorized");
    }
    std::string method_arn =
        gateway::execute_api_arn(integration.region, proxy.account_id, proxy.api_id, proxy.stage,
                                 integration.request.method, proxy.path);
    return gateway::read_authorizer_output(authorizer, proxy.api_type, *given.output, method_arn);
}

} // namespace

PreparedRequest prepare_request(const HttpSetup& setup, const FunctionSpec& function,
                                const gateway::HttpRequest& request,
                                const std::optional<CaseAuthorization>& authorization) {
    PreparedRequest prepared;
    gateway::HttpRequest sent = request;
    if (setup.stage != gateway::k_default_stage) {
        sent.path = "/" + setup.stage + request.path;
    }
    gateway::FrontDoor front;
    front.region = function.region;
    prepared.integration = setup.gateway->prepare(std::move(sent), front);
    gateway::Integration& integration = prepared.integration;
    if (!integration.answer && integration.function_name != function.name) {
        prepared.problem = "the request reached route '" + integration.route_key +
                           "' of function '" + integration.function_name + "', not '" +
                           function.name + "'";
        return prepared;
    }
    if (integration.answer) {
        return prepared;
    }
    if (!authorization) {
        if (integration.authorizer != nullptr) {
            setup.gateway->authorized(integration, nlohmann::json()); // passed by
        }
        return prepared;
    }
    if (authorization->run) {
        if (integration.authorizer == nullptr) {
            prepared.problem =
                "authorization: run, but route '" + integration.route_key + "' has no authorizer";
            return prepared;
        }
        prepared.needs_authorizer = true;
        return prepared;
    }
    apply_verdict(setup, prepared, given_verdict(integration, *authorization));
    return prepared;
}

void apply_verdict(const HttpSetup& setup, PreparedRequest& prepared,
                   gateway::AuthorizationVerdict verdict) {
    gateway::Integration& integration = prepared.integration;
    prepared.needs_authorizer = false;
    if (verdict.outcome == gateway::AuthorizationOutcome::Allowed) {
        setup.gateway->authorized(integration, std::move(verdict.authorizer));
    } else {
        integration.answer = setup.gateway->refused(integration, verdict);
    }
}

gateway::HttpResponse http_answer(const HttpSetup& setup, const PreparedRequest& prepared,
                                  const InvocationResult& result) {
    return setup.gateway->answer(prepared.integration, result);
}

} // namespace lambda_local::runtime::testing
