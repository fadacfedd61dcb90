// `lambda-local serve`: the HTTP front (API Gateway and the Invoke API), the pools behind it,
// the watcher that picks up rebuilt libraries, the idle reaper, and the scheduler.
#include "runtime/server/server.hpp"

#include "runtime/gateway/cors.hpp"
#include "runtime/gateway/proxy_event.hpp"
#include "runtime/gateway/proxy_response.hpp"
#include "runtime/http/server.hpp"
#include "runtime/server/async_invoker.hpp"
#include "runtime/server/invoke_api.hpp"
#include "runtime/server/log_pump.hpp"
#include "runtime/server/scheduler.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"

#include <poll.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace lambda_local::runtime::server {

namespace {

using gateway::ApiType;
using gateway::GatewayAnswer;
using gateway::HttpRequest;
using gateway::HttpResponse;

// API Gateway's integration timeouts (lambda-reference.md §3.3).
constexpr std::chrono::milliseconds k_rest_integration_timeout{29000};
constexpr std::chrono::milliseconds k_http_integration_timeout{30000};
// Lambda's synchronous payload limit, which caps an event built from a request.
constexpr std::size_t k_max_event_bytes = 6291456;
// Asynchronous invocations waiting to run, across functions.
constexpr std::size_t k_max_async_queue = 1000;

// What identifies a library file's version: a rebuild changes at least one.
struct FileVersion {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileVersion&) const = default;
};

std::optional<FileVersion> file_version(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return FileVersion{st.st_dev, st.st_ino, st.st_size,
                       std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

HttpRequest gateway_request(const http::Request& request) {
    HttpRequest out;
    out.method = request.method;
    out.path = request.path;
    out.raw_query = request.query;
    out.headers = request.headers;
    out.body = request.body;
    out.source_ip = request.remote_ip.empty() ? "127.0.0.1" : request.remote_ip;
    out.protocol = request.version.empty() ? "HTTP/1.1" : request.version;
    return out;
}

http::Response to_http(HttpResponse response) {
    http::Response out;
    out.status = response.status;
    out.headers = std::move(response.headers);
    out.body = std::move(response.body);
    return out;
}

std::string milliseconds_text(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f ms", ms);
    return text;
}

// "GET /Prod/pets?x=1 200 PetsFunction 1.23 ms": one line per request.
std::string access_line(const std::string& method, const std::string& target, int status,
                        const std::string& function_name, MonotonicClock::time_point begin) {
    double ms = std::chrono::duration<double, std::milli>(MonotonicClock::now() - begin).count();
    return method + " " + target + " " + std::to_string(status) + " " + function_name + " " +
           milliseconds_text(ms);
}

// The file a function's code is loaded from: its library (or its bootstrap).
std::string code_file(const FunctionSpec& spec) {
    return spec.is_bootstrap() ? spec.bootstrap : spec.library;
}

} // namespace

Server::Server(config::Project project, ServeOptions options, int log_fd)
    : m_project(std::move(project)), m_options(std::move(options)) {
    m_logs = std::make_unique<LogPump>(log_fd, m_options.quiet);
    for (const auto& api : m_project.apis) {
        m_routes.add(api.api);
        m_apis[api.api.id] = &api;
    }
    EnvironmentOptions environment;
    environment.worker_path = find_worker_executable();
    environment.sandbox = m_options.sandbox;
    environment.network = m_options.network;
    environment.host = m_options.host_environment;
    int environments = 0;
    for (const auto& function : m_project.functions) {
        PoolSettings settings = m_options.pool;
        if (function.reserved_concurrency) {
            settings.max_concurrency =
                std::min(settings.max_concurrency, std::max(1, *function.reserved_concurrency));
        }
        environments += settings.max_concurrency;
        if (!file_version(code_file(function.spec))) {
            // It may be built while serving: the watcher picks it up.
            m_logs->write_line("lambda-local: warning: " + function.spec.name + ": " +
                               code_file(function.spec) +
                               " does not exist (yet); its invocations fail until it does");
        }
        m_pools[function.spec.name] =
            std::make_unique<FunctionPool>(function.spec, settings, environment, *m_logs);
    }
    if (m_options.threads <= 0) {
        m_options.threads = std::max(64, environments + 16);
    }
    std::vector<ScheduledRule> rules;
    if (m_options.schedules) {
        rules = scheduled_rules(m_project);
    }
    m_region = m_project.functions.empty() ? "us-east-1" : m_project.functions.front().spec.region;
    m_async = std::make_unique<AsyncInvoker>(4, k_max_async_queue);
    m_scheduler = std::make_unique<Scheduler>(
        std::move(rules), [this](const ScheduledRule& rule, const std::string& event) {
            FunctionPool* target = pool(rule.function_name);
            std::string name = rule.config.name;
            bool queued = target != nullptr && m_async->submit([this, target, event, name] {
                InvocationRequest request;
                request.request_id = new_request_id();
                request.event = event;
                m_logs->write_line("lambda-local: schedule " + name + " fired");
                target->invoke(request);
            });
            if (!queued) {
                m_logs->write_line("lambda-local: schedule " + name +
                                   " skipped: too many asynchronous invocations queued");
            }
        });
}

Server::~Server() {
    stop();
}

FunctionPool* Server::pool(const std::string& function_name) {
    auto found = m_pools.find(function_name);
    if (found != m_pools.end()) {
        return found->second.get();
    }
    const config::FunctionConfig* function = m_project.find_function(function_name);
    if (function != nullptr) {
        found = m_pools.find(function->spec.name);
        if (found != m_pools.end()) {
            return found->second.get();
        }
    }
    return nullptr;
}

int Server::port() const {
    return m_http ? m_http->port() : 0;
}

void Server::start() {
    http::ServerOptions options;
    options.host = m_options.host;
    options.port = m_options.port;
    options.threads = m_options.threads;
    options.max_body = 10 * 1024 * 1024;
    ApiType over_limit_type =
        m_project.apis.empty() ? ApiType::Http : m_project.apis.front().api.type;
    options.error_response = [over_limit_type](int status) {
        if (status == 413) {
            return to_http(
                gateway::gateway_answer(over_limit_type, GatewayAnswer::RequestOverGatewayLimit));
        }
        http::Response response;
        response.status = status;
        response.headers = {{"Content-Type", "application/json"}};
        response.body = status == 431 ? R"({"message":"Request Header Fields Too Large"})"
                                      : R"({"message":"Bad Request"})";
        return response;
    };
    m_http = std::make_unique<http::Server>(
        options, [this](const http::Request& request, http::Responder respond) {
            handle(request, respond);
        });
    m_http->start();
    for (auto& [name, function_pool] : m_pools) {
        if (m_options.warm > 0) {
            int warm = function_pool->start_warm(m_options.warm);
            m_logs->write_line("lambda-local: " + name + ": " + std::to_string(warm) +
                               " warm execution environment(s)");
        }
    }
    m_maintainer = std::thread([this] { maintain(); });
    m_scheduler->start();
}

void Server::run_until(int stop_fd) {
    pollfd fd{stop_fd, POLLIN, 0};
    while (::poll(&fd, 1, -1) < 0 && errno == EINTR) {
    }
    m_logs->write_line("lambda-local: stopping: finishing the invocations in progress");
    stop();
}

void Server::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) {
            return;
        }
        m_stopped = true;
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_scheduler) {
        m_scheduler->stop();
    }
    if (m_maintainer.joinable()) {
        m_maintainer.join();
    }
    // The pools first: a request in progress ends (within the grace), then the HTTP server
    // answers it and closes its connection.
    std::vector<std::thread> stopping;
    for (auto& [name, function_pool] : m_pools) {
        FunctionPool* p = function_pool.get();
        auto grace = m_options.shutdown_grace;
        stopping.emplace_back([p, grace] { p->shutdown(grace); });
    }
    for (auto& thread : stopping) {
        thread.join();
    }
    if (m_async) {
        m_async->stop();
    }
    if (m_http) {
        m_http->stop();
    }
}

void Server::maintain() {
    std::map<std::string, std::optional<FileVersion>> seen;
    std::map<std::string, std::optional<FileVersion>> pending; // changed, waiting to settle
    for (auto& [name, function_pool] : m_pools) {
        seen[name] = file_version(code_file(function_pool->spec()));
    }
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, m_options.watch_interval, [this] { return m_stopping; })) {
        lock.unlock();
        for (auto& [name, function_pool] : m_pools) {
            function_pool->reap_idle();
            if (!m_options.watch) {
                continue;
            }
            FunctionSpec spec = function_pool->spec();
            std::optional<FileVersion> now = file_version(code_file(spec));
            if (now == seen[name]) {
                pending.erase(name);
                continue;
            }
            // A rebuild writes the file in steps: act once it is the same on two looks.
            auto waiting = pending.find(name);
            if (waiting == pending.end() || waiting->second != now) {
                pending[name] = now;
                continue;
            }
            pending.erase(name);
            seen[name] = now;
            if (!now) {
                m_logs->write_line("lambda-local: " + name + ": " + code_file(spec) +
                                   " is gone; the next invocation will fail to load it");
            } else {
                m_logs->write_line("lambda-local: " + name + ": " + code_file(spec) +
                                   " changed; the next invocations run the new code");
            }
            function_pool->replace_code(std::move(spec));
        }
        lock.lock();
    }
}

void Server::handle(const http::Request& request, const http::Responder& respond) {
    if (is_invoke_api_path(request.path)) {
        respond(handle_invoke_api(request));
        return;
    }
    handle_gateway(request, respond);
}

http::Response Server::handle_invoke_api(const http::Request& http_request) {
    auto begin = MonotonicClock::now();
    std::string request_id = new_request_id();
    HttpRequest request = gateway_request(http_request);
    std::string function_name = "-";
    auto answer = [&](HttpResponse response) {
        m_logs->write_line(access_line(request.method, http_request.target, response.status,
                                       function_name, begin));
        return to_http(std::move(response));
    };
    if (request.method != "POST") {
        return answer(service_error(ServiceError::ResourceNotFoundException,
                                    "The resource you requested does not exist.", request_id));
    }
    auto parsed = parse_invoke_request(request, m_region, request_id);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) {
        return answer(std::move(*error));
    }
    InvokeApiRequest& invoke = std::get<InvokeApiRequest>(parsed);
    FunctionPool* target = pool(invoke.function_name);
    if (target == nullptr) {
        return answer(
            function_not_found(invoke.function_name, m_region, request_id, invoke.qualifier));
    }
    function_name = target->spec().name;
    InvocationRequest invocation;
    invocation.request_id = request_id;
    invocation.event = invoke.payload;
    invocation.client_context = invoke.client_context;
    const config::FunctionConfig* function = m_project.find_function(function_name);
    ThrottleReason reason = function != nullptr && function->reserved_concurrency
                                ? ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded
                                : ThrottleReason::ConcurrentInvocationLimitExceeded;
    switch (invoke.invocation_type) {
    case InvocationType::DryRun:
        return answer(invoke_response(invoke, {}, request_id, ""));
    case InvocationType::Event: {
        bool queued = m_async->submit([target, invocation] { target->invoke(invocation); });
        if (!queued) {
            return answer(too_many_requests(request_id, reason));
        }
        return answer(invoke_response(invoke, {}, request_id, ""));
    }
    case InvocationType::RequestResponse:
        break;
    }
    InvocationControls controls;
    controls.capture_log = invoke.log_tail;
    controls.after = [&](const InvocationResult& result) {
        // A function error is still a 200 of the Invoke API, with X-Amz-Function-Error.
        return access_line(request.method, http_request.target, 200, function_name, begin) +
               (result.ok() ? "" : " (function error " + result.error_type + ")");
    };
    auto outcome = target->invoke(invocation, controls);
    if (std::holds_alternative<Throttled>(outcome)) {
        return answer(too_many_requests(request_id, reason));
    }
    const PoolInvocation& done = std::get<PoolInvocation>(outcome);
    return to_http(invoke_response(invoke, done.result, request_id, done.log));
}

void Server::handle_gateway(const http::Request& http_request, const http::Responder& respond) {
    auto begin = MonotonicClock::now();
    HttpRequest request = gateway_request(http_request);
    std::string function_name = "-";
    auto answer = [&](HttpResponse response) {
        m_logs->write_line(access_line(request.method, http_request.target, response.status,
                                       function_name, begin));
        return to_http(std::move(response));
    };

    // A CORS preflight is answered by the gateway of an API with CORS configured.
    if (gateway::is_preflight(request)) {
        const std::string* wanted =
            http::find_header(request.headers, "Access-Control-Request-Method");
        gateway::RouteResult target = m_routes.match(wanted ? *wanted : "GET", request.path);
        if (auto* match = std::get_if<gateway::RouteMatch>(&target)) {
            const config::ApiConfig* api = m_apis[match->route->api_id];
            if (api != nullptr && api->cors) {
                std::vector<std::string> methods;
                for (const auto& route : api->api.routes) {
                    methods.push_back(route.method);
                }
                respond(answer(gateway::preflight_response(*api->cors, request, methods)));
                return;
            }
        }
    }

    gateway::RouteResult matched = m_routes.match(request);
    if (auto* miss = std::get_if<gateway::RouteMiss>(&matched)) {
        respond(answer(gateway::miss_response(*miss)));
        return;
    }
    const gateway::RouteMatch& match = std::get<gateway::RouteMatch>(matched);
    const gateway::Route& route = *match.route;
    const config::ApiConfig* api = m_apis[route.api_id];
    ApiType api_type = route.api_type;
    function_name = route.function_name;
    auto finish = [&](HttpResponse response) {
        if (api != nullptr && api->cors) {
            add_cors(*api, request, response);
        }
        return answer(std::move(response));
    };
    FunctionPool* target = pool(route.function_name);
    if (target == nullptr) {
        respond(finish(gateway::gateway_answer(api_type, GatewayAnswer::FunctionFailed)));
        return;
    }

    gateway::ProxyIntegration integration;
    integration.api_type = api_type;
    integration.format = route.payload_format.value_or(
        api_type == ApiType::Rest ? gateway::PayloadFormat::V1 : gateway::PayloadFormat::V2);
    integration.resource_path = std::string(match.resource);
    integration.route_key = std::string(match.route_key);
    integration.path_parameters = match.path_parameters;
    integration.stage = std::string(match.stage);
    integration.path = match.path;
    integration.stage_path = match.stage_path;
    integration.api_id = route.api_id;
    if (api != nullptr) {
        integration.binary_media_types = api->binary_media_types;
        if (!api->stage_variables.empty()) {
            nlohmann::json variables = nlohmann::json::object();
            for (const auto& [key, value] : api->stage_variables) {
                variables[key] = value;
            }
            integration.stage_variables = std::move(variables);
        }
    }
    const std::string* host = http::find_header(request.headers, "Host");
    integration.domain_name = host != nullptr ? *host : m_options.host;
    // What API Gateway adds in front of the function.
    if (http::find_header(request.headers, "X-Forwarded-For") == nullptr) {
        request.headers.emplace_back("X-Forwarded-For", request.source_ip);
    }
    if (http::find_header(request.headers, "X-Forwarded-Port") == nullptr) {
        request.headers.emplace_back("X-Forwarded-Port", std::to_string(port()));
    }
    if (http::find_header(request.headers, "X-Forwarded-Proto") == nullptr) {
        request.headers.emplace_back("X-Forwarded-Proto", "http");
    }

    gateway::RequestStamp stamp = gateway::new_request_stamp(api_type);
    InvocationRequest invocation;
    invocation.request_id = new_request_id();
    invocation.event = gateway::proxy_event(request, integration, stamp);
    if (invocation.event.size() > k_max_event_bytes) {
        respond(finish(gateway::gateway_answer(api_type, GatewayAnswer::RequestTooLarge)));
        return;
    }
    // The rest happens on the environment's thread: the answer is made, and the access line
    // written, before END and REPORT are logged; then the response is sent from there.
    struct Call {
        HttpRequest request;
        gateway::ProxyIntegration integration;
        std::string target;
        std::string function_name;
        const config::ApiConfig* api;
        MonotonicClock::time_point begin;
        HttpResponse response;
        http::Responder respond;
    };
    auto call =
        std::make_shared<Call>(Call{std::move(request), std::move(integration), http_request.target,
                                    function_name, api, begin, HttpResponse{}, respond});
    InvocationControls controls;
    controls.give_up_after = route.integration_timeout.value_or(
        api_type == ApiType::Rest ? k_rest_integration_timeout : k_http_integration_timeout);
    controls.after = [this, call](const InvocationResult& result) {
        call->response = function_response(call->integration.api_type, call->integration, result,
                                           call->function_name);
        if (call->api != nullptr && call->api->cors) {
            add_cors(*call->api, call->request, call->response);
        }
        return access_line(call->request.method, call->target, call->response.status,
                           call->function_name, call->begin);
    };
    target->submit(std::move(invocation), std::move(controls),
                   [this, call](std::variant<PoolInvocation, Throttled> outcome) {
                       if (std::holds_alternative<Throttled>(outcome)) {
                           call->response = gateway::gateway_answer(call->integration.api_type,
                                                                    GatewayAnswer::Throttled);
                           if (call->api != nullptr && call->api->cors) {
                               add_cors(*call->api, call->request, call->response);
                           }
                           m_logs->write_line(access_line(call->request.method, call->target,
                                                          call->response.status,
                                                          call->function_name, call->begin));
                       }
                       call->respond(to_http(std::move(call->response)));
                   });
}

void Server::add_cors(const config::ApiConfig& api, const HttpRequest& request,
                      HttpResponse& response) {
    if (api.cors) {
        gateway::add_cors_headers(*api.cors, request, response);
    }
}

HttpResponse Server::function_response(gateway::ApiType api_type,
                                       const gateway::ProxyIntegration& integration,
                                       const InvocationResult& result,
                                       const std::string& function_name) {
    if (result.status == InvocationStatus::Cancelled) {
        return gateway::gateway_answer(api_type, GatewayAnswer::IntegrationTimeout);
    }
    if (!result.ok()) {
        return gateway::gateway_answer(api_type, GatewayAnswer::FunctionFailed);
    }
    auto response = gateway::read_function_response(api_type, integration.format, result.payload,
                                                    integration.binary_media_types);
    if (auto* malformed = std::get_if<gateway::MalformedResponse>(&response)) {
        m_logs->write_line("lambda-local: " + function_name +
                           ": malformed Lambda proxy response: " + malformed->reason);
        return gateway::gateway_answer(api_type, GatewayAnswer::FunctionFailed);
    }
    return std::move(std::get<HttpResponse>(response));
}

} // namespace lambda_local::runtime::server
