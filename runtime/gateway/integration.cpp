// Routing a request into an event, and a function's result into the client's answer.
#include "runtime/gateway/integration.hpp"

#include "runtime/gateway/cors.hpp"
#include "runtime/gateway/function_url.hpp"
#include "runtime/gateway/proxy_response.hpp"
#include "runtime/invoke/event_file.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/number_text.hpp"

#include <strings.h>

#include <variant>

namespace lambda_local::runtime::gateway {
namespace {

// API Gateway's integration timeouts (docs/serve.md, the gateway's own answers).
constexpr std::chrono::milliseconds k_rest_integration_timeout{29000};
constexpr std::chrono::milliseconds k_http_integration_timeout{30000};

// The value of header `name` in `headers`, or nullptr (names in any case).
std::string* header_value(HeaderList& headers, const char* name) {
    for (auto& [key, value] : headers) {
        if (::strcasecmp(key.c_str(), name) == 0) {
            return &value;
        }
    }
    return nullptr;
}

const std::string* header_value(const HeaderList& headers, const char* name) {
    return header_value(const_cast<HeaderList&>(headers), name);
}

// An X-Ray trace header as API Gateway adds one: "Root=1-<8 hex time>-<24 hex>".
std::string new_trace_header() {
    return "Root=1-" + hex_text(static_cast<unsigned long long>(epoch_ms() / 1000), 8) + "-" +
           random_hex(24);
}

} // namespace

void add_forwarding_headers(HttpRequest& request, const FrontDoor& front) {
    if (std::string* forwarded = header_value(request.headers, "X-Forwarded-For")) {
        *forwarded += ", " + request.source_ip; // the client's own list, appended to
    } else {
        request.headers.emplace_back("X-Forwarded-For", request.source_ip);
    }
    if (header_value(request.headers, "X-Forwarded-Port") == nullptr) {
        request.headers.emplace_back("X-Forwarded-Port", front.port);
    }
    if (header_value(request.headers, "X-Forwarded-Proto") == nullptr) {
        request.headers.emplace_back("X-Forwarded-Proto", front.scheme);
    }
    if (header_value(request.headers, "X-Amzn-Trace-Id") == nullptr) {
        request.headers.emplace_back("X-Amzn-Trace-Id", new_trace_header());
    }
}

Gateway::Gateway(const std::vector<config::ApiConfig>& apis,
                 std::shared_ptr<const FunctionUrls> function_urls)
    : m_apis(apis), m_function_urls(std::move(function_urls)) {
    for (const config::ApiConfig& api : m_apis) {
        m_routes.add(api.api);
    }
}

Integration Gateway::prepare(HttpRequest request, const FrontDoor& front) const {
    if (m_function_urls != nullptr) {
        if (auto target = m_function_urls->match(request)) {
            return m_function_urls->prepare(std::move(request), *target, front);
        }
    }
    Integration integration;
    // A CORS preflight is answered by the gateway of an API with CORS configured.
    if (is_preflight(request)) {
        const std::string* wanted = header_value(request.headers, "Access-Control-Request-Method");
        RouteResult target = m_routes.match(wanted ? *wanted : "GET", request.path);
        if (auto* match = std::get_if<RouteMatch>(&target)) {
            for (const config::ApiConfig& api : m_apis) {
                if (api.api.id == match->route->api_id && api.cors) {
                    std::vector<std::string> methods;
                    for (const auto& route : api.api.routes) {
                        methods.push_back(route.method);
                    }
                    integration.answer = preflight_response(*api.cors, request, methods);
                    return integration;
                }
            }
        }
    }
    RouteResult matched = m_routes.match(request);
    if (auto* miss = std::get_if<RouteMiss>(&matched)) {
        integration.proxy.api_type = miss->api_type;
        integration.stamp = new_request_stamp(miss->api_type);
        HttpResponse answer = miss_response(*miss);
        add_response_headers(integration, answer);
        integration.answer = std::move(answer);
        return integration;
    }
    const RouteMatch& match = std::get<RouteMatch>(matched);
    const Route& route = *match.route;
    for (const config::ApiConfig& api : m_apis) {
        if (api.api.id == route.api_id) {
            integration.api = &api;
        }
    }
    integration.route = &route;
    integration.region = front.region;
    integration.function_name = route.function_name;
    integration.route_key = std::string(match.route_key);
    integration.timeout = route.integration_timeout.value_or(
        route.api_type == ApiType::Rest ? k_rest_integration_timeout : k_http_integration_timeout);
    integration.stream = route.stream && route.api_type == ApiType::Rest;

    ProxyIntegration& proxy = integration.proxy;
    proxy.api_type = route.api_type;
    proxy.format = route.payload_format.value_or(
        route.api_type == ApiType::Rest ? PayloadFormat::V1 : PayloadFormat::V2);
    proxy.resource_path = std::string(match.resource);
    proxy.route_key = std::string(match.route_key);
    proxy.path_parameters = match.path_parameters;
    proxy.stage = std::string(match.stage);
    proxy.path = match.path;
    proxy.stage_path = match.stage_path;
    proxy.decoded_path = route.api_type == ApiType::Http;
    proxy.api_id = route.api_id;
    if (integration.api != nullptr) {
        if (route.api_type == ApiType::Rest) {
            proxy.binary_media_types = integration.api->binary_media_types;
        }
        if (!integration.api->stage_variables.empty()) {
            nlohmann::json variables = nlohmann::json::object();
            for (const auto& [key, value] : integration.api->stage_variables) {
                variables[key] = value;
            }
            proxy.stage_variables = std::move(variables);
        }
    }
    // What API Gateway adds in front of the function.
    std::string own_domain = route.api_id + ".execute-api." + front.region + ".amazonaws.com";
    const std::string* host = header_value(request.headers, "Host");
    proxy.domain_name = host != nullptr             ? *host
                        : front.domain_name.empty() ? own_domain
                                                    : front.domain_name;
    if (host == nullptr) {
        request.headers.emplace_back("Host", proxy.domain_name);
    }
    add_forwarding_headers(request, front);
    integration.stamp = new_request_stamp(route.api_type);
    integration.request = std::move(request);
    if (!route.authorizer.empty()) {
        if (integration.api != nullptr) {
            for (const config::AuthorizerConfig& authorizer : integration.api->authorizers) {
                if (authorizer.name == route.authorizer) {
                    integration.authorizer = &authorizer;
                }
            }
        }
        if (integration.authorizer == nullptr) {
            // The loaders check the names: only a hand-made project gets here.
            integration.answer = refused(integration, AuthorizationOutcome::Failed);
        }
        return integration;
    }
    build_event(integration);
    return integration;
}

void Gateway::build_event(Integration& integration) const {
    integration.event = proxy_event(integration.request, integration.proxy, integration.stamp);
    if (integration.event.size() > k_max_request_payload) {
        HttpResponse too_large =
            gateway_answer(integration.proxy.api_type, GatewayAnswer::RequestTooLarge);
        add_response_headers(integration, too_large);
        integration.answer = std::move(too_large);
    }
}

void Gateway::authorized(Integration& integration, nlohmann::json authorizer) const {
    integration.proxy.authorizer = std::move(authorizer);
    build_event(integration);
}

HttpResponse Gateway::refused(const Integration& integration, AuthorizationOutcome outcome) const {
    HttpResponse response = authorization_answer(integration.proxy.api_type, outcome);
    add_response_headers(integration, response);
    return response;
}

HttpResponse Gateway::refused(const Integration& integration,
                              const AuthorizationVerdict& verdict) const {
    HttpResponse response = refused(integration, verdict.outcome);
    response.headers.insert(response.headers.end(), verdict.headers.begin(), verdict.headers.end());
    return response;
}

void Gateway::add_response_headers(const Integration& integration, HttpResponse& response) const {
    if (integration.api != nullptr && integration.api->cors) {
        add_cors_headers(*integration.api->cors, integration.request, response);
    }
    const RequestStamp& stamp = integration.stamp;
    if (stamp.request_id.empty()) {
        return;
    }
    if (integration.proxy.api_type == ApiType::Rest) {
        response.headers.emplace_back("x-amzn-RequestId", stamp.request_id);
        response.headers.emplace_back("x-amz-apigw-id", stamp.extended_request_id.empty()
                                                            ? stamp.request_id
                                                            : stamp.extended_request_id);
    } else {
        response.headers.emplace_back("apigw-requestid", stamp.request_id);
    }
}

HttpResponse Gateway::answer(const Integration& integration, const InvocationResult& result,
                             std::string* malformed) const {
    if (integration.answer) {
        return *integration.answer;
    }
    if (integration.function_url != nullptr && m_function_urls != nullptr) {
        return m_function_urls->answer(integration, result, malformed);
    }
    ApiType api_type = integration.proxy.api_type;
    HttpResponse response;
    if (result.status == InvocationStatus::Cancelled) {
        response = gateway_answer(api_type, GatewayAnswer::IntegrationTimeout);
    } else if (!result.ok()) {
        response = gateway_answer(api_type, GatewayAnswer::FunctionFailed);
    } else {
        const std::string* accept = header_value(integration.request.headers, "Accept");
        auto read = read_function_response(api_type, integration.proxy.format, result.payload,
                                           integration.proxy.binary_media_types,
                                           accept != nullptr ? *accept : std::string());
        if (auto* bad = std::get_if<MalformedResponse>(&read)) {
            if (malformed != nullptr) {
                *malformed = bad->reason;
            }
            response = gateway_answer(api_type, GatewayAnswer::FunctionFailed);
        } else {
            response = std::move(std::get<HttpResponse>(read));
        }
    }
    add_response_headers(integration, response);
    return response;
}

HttpResponse Gateway::throttled(const Integration& integration) const {
    if (integration.function_url != nullptr && m_function_urls != nullptr) {
        return m_function_urls->throttled(integration);
    }
    HttpResponse response = gateway_answer(integration.proxy.api_type, GatewayAnswer::Throttled);
    add_response_headers(integration, response);
    return response;
}

HeaderList Gateway::response_headers(const Integration& integration) const {
    HttpResponse response;
    if (integration.function_url != nullptr) {
        if (integration.function_url->cors) {
            add_cors_headers(*integration.function_url->cors, integration.request, response);
        }
    } else {
        add_response_headers(integration, response);
    }
    return response.headers;
}

HttpResponse Gateway::over_limit() const {
    ApiType api_type = m_apis.empty() ? ApiType::Http : m_apis.front().api.type;
    return gateway_answer(api_type, GatewayAnswer::RequestOverGatewayLimit);
}

} // namespace lambda_local::runtime::gateway
