// Routing an HTTP case's request and building its event, then the gateway's answer.
#include "runtime/testing/http_case.hpp"

#include "runtime/event.hpp"
#include "runtime/gateway/proxy_event.hpp"
#include "runtime/gateway/proxy_response.hpp"

#include <strings.h>

#include <variant>

namespace lambda_local::runtime::testing {
namespace {

bool has_header(const gateway::HeaderList& headers, const char* name) {
    for (const auto& [key, value] : headers) {
        if (::strcasecmp(key.c_str(), name) == 0) {
            return true;
        }
    }
    return false;
}

const config::ApiConfig* api_of(const HttpSetup& setup, const std::string& api_id) {
    for (const config::ApiConfig& api : setup.apis) {
        if (api.api.id == api_id) {
            return &api;
        }
    }
    return nullptr;
}

} // namespace

PreparedRequest prepare_request(const HttpSetup& setup, const FunctionSpec& function,
                                const gateway::HttpRequest& request) {
    PreparedRequest prepared;
    gateway::HttpRequest sent = request;
    if (setup.stage != gateway::k_default_stage) {
        sent.path = "/" + setup.stage + request.path;
    }
    const gateway::RouteResult routed = setup.routes->match(sent);
    if (const auto* miss = std::get_if<gateway::RouteMiss>(&routed)) {
        prepared.api_type = miss->api_type;
        prepared.answer = gateway::miss_response(*miss);
        return prepared;
    }
    const gateway::RouteMatch& match = std::get<gateway::RouteMatch>(routed);
    const gateway::Route& route = *match.route;
    if (route.function_name != function.name) {
        prepared.problem = "the request reached route '" + std::string(match.route_key) +
                           "' of function '" + route.function_name + "', not '" + function.name +
                           "'";
        return prepared;
    }
    const config::ApiConfig* api = api_of(setup, route.api_id);
    prepared.api_type = route.api_type;
    prepared.format = route.payload_format.value_or(gateway::PayloadFormat::V1);
    if (api != nullptr && route.api_type == gateway::ApiType::Rest) {
        prepared.binary_media_types = api->binary_media_types;
    }

    gateway::ProxyIntegration integration;
    integration.api_type = route.api_type;
    integration.format = prepared.format;
    integration.resource_path = std::string(match.resource);
    integration.route_key = std::string(match.route_key);
    integration.path_parameters = match.path_parameters;
    integration.stage = std::string(match.stage);
    integration.path = match.path;
    integration.stage_path = match.stage_path;
    integration.binary_media_types = prepared.binary_media_types;
    integration.api_id = route.api_id;
    integration.domain_name = route.api_id + ".execute-api." + function.region + ".amazonaws.com";
    if (api != nullptr && !api->stage_variables.empty()) {
        integration.stage_variables = nlohmann::json(api->stage_variables);
    }
    if (!has_header(sent.headers, "Host")) {
        sent.headers.emplace_back("Host", integration.domain_name);
    }
    if (!has_header(sent.headers, "X-Forwarded-For")) {
        sent.headers.emplace_back("X-Forwarded-For", sent.source_ip);
    }
    if (!has_header(sent.headers, "X-Forwarded-Port")) {
        sent.headers.emplace_back("X-Forwarded-Port", "443");
    }
    if (!has_header(sent.headers, "X-Forwarded-Proto")) {
        sent.headers.emplace_back("X-Forwarded-Proto", "https");
    }
    prepared.event =
        gateway::proxy_event(sent, integration, gateway::new_request_stamp(route.api_type));
    if (prepared.event.size() > k_max_request_payload) {
        prepared.answer =
            gateway::gateway_answer(route.api_type, gateway::GatewayAnswer::RequestTooLarge);
    }
    return prepared;
}

gateway::HttpResponse http_answer(const PreparedRequest& prepared, const InvocationResult& result) {
    if (prepared.answer) {
        return *prepared.answer;
    }
    if (!result.ok()) {
        return gateway::gateway_answer(prepared.api_type, gateway::GatewayAnswer::FunctionFailed);
    }
    return gateway::response_from_function(prepared.api_type, prepared.format, result.payload,
                                           prepared.binary_media_types);
}

} // namespace lambda_local::runtime::testing
