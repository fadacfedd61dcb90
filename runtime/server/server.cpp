// `lambda-local serve`: the HTTP front (API Gateway and the Invoke API), the pools behind it,
// the watcher that picks up rebuilt libraries, the idle reaper, and the scheduler.
#include "runtime/server/server.hpp"

#include "runtime/debugger/debug_hints.hpp"
#include "runtime/function/quotas.hpp"
#include "runtime/server/invoke_api.hpp"
#include "runtime/server/jwt_authorizer.hpp"
#include "runtime/server/stream_sinks.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/number_text.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace lambda_local::runtime::server {

namespace {

using gateway::HttpRequest;
using gateway::HttpResponse;

// How often idle environments are looked at for reaping.
constexpr auto k_reap_interval = std::chrono::milliseconds(500);

// What identifies a library file's version: a rebuild changes at least one of these.
std::string file_version(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return "";
    }
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
           std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
}

// The file a function's code is loaded from: its library (or its bootstrap).
std::string code_file(const FunctionSpec& spec) {
    return spec.is_bootstrap() ? spec.bootstrap : spec.library;
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
    return fixed_text(ms, 2) + " ms";
}

// "GET /Prod/pets?x=1 200 PetsFunction 1.23 ms": one line per request.
std::string access_line(const std::string& method, const std::string& target, int status,
                        const std::string& function_name, MonotonicClock::time_point begin) {
    double ms = std::chrono::duration<double, std::milli>(MonotonicClock::now() - begin).count();
    return method + " " + target + " " + std::to_string(status) + " " + function_name + " " +
           milliseconds_text(ms);
}

// The name of the function --debug applies to, "" without --debug. Throws lambda_local::Error
// when --debug-function names no function, or is missing where the project has several.
std::string debugged_function(const config::Project& project, const ServeOptions& options) {
    if (!options.debug_port) {
        return {};
    }
    std::string names;
    for (const auto& function : project.functions) {
        names += (names.empty() ? "" : ", ") + function.spec.name;
    }
    if (options.debug_function.empty()) {
        if (project.functions.size() != 1) {
            throw Error("--debug debugs one function: name it with --debug-function (one of " +
                        names + ")");
        }
        return project.functions.front().spec.name;
    }
    const config::FunctionConfig* function = project.find_function(options.debug_function);
    if (function == nullptr) {
        throw Error("--debug-function " + options.debug_function + ": no such function (" + names +
                    ")");
    }
    return function->spec.name;
}

// The project's function URLs, their AWS_IAM signatures checked with the configured credentials.
std::shared_ptr<const gateway::FunctionUrls> function_urls(const config::Project& project,
                                                           const ServeOptions& options) {
    if (project.function_urls.empty()) {
        return nullptr;
    }
    std::string region =
        project.functions.empty() ? "us-east-1" : project.functions.front().spec.region;
    auth::sigv4::Credentials credentials = options.iam_credentials;
    return std::make_shared<gateway::FunctionUrls>(
        project.function_urls, region,
        [credentials](const HttpRequest& request, std::string_view url_region) {
            return auth::sigv4::verify(request, credentials, url_region, "lambda");
        },
        gateway::iam_caller(credentials.access_key_id, options.iam_account_id));
}

http::LoopServerOptions
http_options(const ServeOptions& options,
             std::function<std::optional<http::Response>(const http::Request&)> too_large) {
    http::LoopServerOptions http;
    http.host = options.host;
    http.port = options.port;
    http.max_body = k_max_gateway_payload;
    http.body_too_large = std::move(too_large);
    http.stop_timeout = options.shutdown_grace + std::chrono::seconds(1);
    return http;
}

} // namespace

Server::Server(loop::EventLoop& loop, config::Project project, ServeOptions options, int log_fd)
    : m_loop(loop), m_project(std::move(project)), m_options(std::move(options)),
      m_log(loop, log_fd, m_options.quiet),
      m_gateway(m_project.apis, function_urls(m_project, m_options)), m_runtime_api(loop),
      m_http(loop.uv(),
             http_options(m_options,
                          [this](const http::Request& head) { return body_too_large(head); }),
             [this](http::Request request, http::Responder responder) {
                 handle(request, std::move(responder));
             }),
      m_async(loop, [this](const std::string& line) { m_log.write_line(line); }), m_settle(loop),
      m_reaper(loop) {
    EnvironmentOptions environment;
    environment.worker_path = find_worker_executable();
    environment.sandbox = m_options.sandbox;
    environment.network = m_options.network;
    environment.host = m_options.host_environment;
    environment.runtime_api = &m_runtime_api;
    environment.stream_limits.bandwidth_rule = m_options.stream_bandwidth_rule;
    std::string debugged = debugged_function(m_project, m_options);
    std::shared_ptr<debugger::DebugPort> debug;
    if (!debugged.empty()) {
        debug = debugger::DebugPort::open(*m_options.debug_port);
    }
    for (const auto& function : m_project.functions) {
        PoolSettings settings = m_options.pool;
        if (function.reserved_concurrency) {
            // Lambda's own limit: past it an invocation is throttled at once (the Invoke API's
            // 429 ReservedFunctionConcurrentInvocationLimitExceeded), not queued; 0 throttles
            // every one. An Event is kept and tried again (AsyncInvoker).
            settings.max_concurrency =
                std::min(settings.max_concurrency, std::max(0, *function.reserved_concurrency));
            settings.max_queued = 0;
        }
        EnvironmentOptions function_environment = environment;
        if (function.spec.name == debugged) {
            // One debugger, one environment: requests wait for it in the queue.
            settings.max_concurrency = 1;
            settings.max_queued = m_options.pool.max_queued;
            function_environment.debug = debug;
            std::string banner = debugger::debug_banner(
                debugger::debug_target(function.spec, environment.worker_path, debug->port));
            banner.pop_back(); // its last newline: write_line adds one
            m_log.write_line(banner);
        }
        if (file_version(code_file(function.spec)).empty()) {
            // It may be built while serving: the watcher picks it up.
            m_log.write_line("lambda-local: warning: " + function.spec.name + ": " +
                             code_file(function.spec) +
                             " does not exist (yet); its invocations fail until it does");
        }
        m_pools[function.spec.name] = std::make_unique<FunctionPool>(loop, function.spec, settings,
                                                                     function_environment, m_log);
    }
    for (const config::FunctionUrlConfig& url : m_project.function_urls) {
        if (url.auth == config::FunctionUrlConfig::AuthType::AwsIam &&
            (m_options.iam_credentials.access_key_id.empty() ||
             m_options.iam_credentials.secret_access_key.empty())) {
            m_log.write_line("lambda-local: warning: the function URL of " + url.function_name +
                             " is AWS_IAM and no credentials are set (AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY, or --access-key-id and --secret-access-key): "
                             "every request to it gets 403");
        }
    }
    std::vector<ScheduledRule> rules;
    if (m_options.schedules) {
        rules = scheduled_rules(m_project);
    }
    m_region = m_project.functions.empty() ? "us-east-1" : m_project.functions.front().spec.region;
    // Authorizers (docs/serve.md): their functions run through the pools like integrations;
    // JWT and Cognito tokens are verified with the issuers' keys (docs/authorizers-jwt.md).
    for (const std::string& option : m_options.jwks_files) {
        auth::IssuerKeyFile file = auth::parse_issuer_key_file(option);
        m_keys.add_local_keys(file.issuer, auth::load_jwks_file(file.path));
    }
    m_authorization = std::make_unique<gateway::Authorization>(
        m_project.apis,
        [this](const std::string& function_name, std::string event,
               std::function<void(const InvocationResult&)> done) {
            invoke_authorizer(function_name, std::move(event), std::move(done));
        },
        [this](const std::string& line) { m_log.write_line(line); },
        [this](const config::AuthorizerConfig& config) -> std::unique_ptr<gateway::Authorizer> {
            return std::make_unique<JwtAuthorizer>(m_loop, m_keys, config);
        });
    for (const std::string& warning : m_authorization->warnings()) {
        m_log.write_line("lambda-local: warning: " + warning);
    }
    m_scheduler = std::make_unique<Scheduler>(
        loop, std::move(rules), [this](const ScheduledRule& rule, const std::string& event) {
            FunctionPool* target = pool(rule.function_name);
            InvocationRequest request;
            request.request_id = new_request_id();
            request.event = event;
            if (target == nullptr || !invoke_async(*target, std::move(request))) {
                m_log.write_line("lambda-local: schedule " + rule.config.name +
                                 " skipped: too many asynchronous invocations queued");
                return;
            }
            m_log.write_line("lambda-local: schedule " + rule.config.name + " fired");
        });
}

Server::~Server() = default;

std::optional<http::Response> Server::body_too_large(const http::Request& head) const {
    // Past API Gateway's 10 MB, each service answers with its own words: the Invoke API as for
    // any request over 6 MB, API Gateway with its text.
    if (is_invoke_api_path(head.path) || is_invoke_with_response_stream_path(head.path)) {
        return to_http(request_too_large(head.path, new_request_id()));
    }
    return to_http(m_gateway.over_limit());
}

bool Server::invoke_async(FunctionPool& target, InvocationRequest request) {
    AsyncSettings settings;
    settings.retry_delay = m_options.retry_delay;
    const std::string& name = target.spec().name;
    if (const config::FunctionConfig* function = m_project.find_function(name)) {
        settings.max_retries = function->maximum_retry_attempts.value_or(settings.max_retries);
        if (function->maximum_event_age_s) {
            settings.max_age = std::chrono::seconds(*function->maximum_event_age_s);
        }
    }
    return m_async.invoke(target, name, std::move(request), settings);
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
    return m_http.port();
}

void Server::start(std::function<void()> ready) {
    m_http.listen();
    for (const auto& [name, function_pool] : m_pools) {
        m_seen[name] = file_version(code_file(function_pool->spec()));
    }
    if (m_options.watch) {
        start_watching();
    }
    m_reaper.repeat(k_reap_interval, [this] {
        for (auto& [name, function_pool] : m_pools) {
            function_pool->reap_idle();
        }
    });
    m_scheduler->start();
    if (m_options.warm <= 0) {
        ready();
        return;
    }
    auto waiting = std::make_shared<std::size_t>(m_pools.size());
    auto done = std::make_shared<std::function<void()>>(std::move(ready));
    for (auto& [name, function_pool] : m_pools) {
        std::string function_name = name;
        function_pool->start_warm(m_options.warm, [this, function_name, waiting, done](int warm) {
            m_log.write_line("lambda-local: " + function_name + ": " + std::to_string(warm) +
                             " warm execution environment(s)");
            if (--*waiting == 0 && *done) {
                (*done)();
            }
        });
    }
}

void Server::start_watching() {
    // One watch per directory holding code: a rebuild often replaces the file (a new inode),
    // which a watch on the file itself would lose.
    std::map<std::string, bool> directories;
    for (auto& [name, function_pool] : m_pools) {
        std::filesystem::path file(code_file(function_pool->spec()));
        directories[file.parent_path().string()] = true;
    }
    for (const auto& [directory, unused] : directories) {
        auto watch = std::make_unique<loop::DirectoryWatch>(m_loop);
        bool watching = watch->start(directory, [this](const std::string&) {
            // Writes come in steps: once the files have been still for a while.
            m_settle.start(m_options.watch_settle, [this] { check_code(); });
        });
        if (watching) {
            m_watches.push_back(std::move(watch));
        } else {
            m_log.write_line("lambda-local: warning: cannot watch " + directory +
                             " for rebuilt code: a change there is not picked up");
        }
    }
}

void Server::check_code() {
    for (auto& [name, function_pool] : m_pools) {
        FunctionSpec spec = function_pool->spec();
        std::string now = file_version(code_file(spec));
        if (now == m_seen[name]) {
            continue;
        }
        m_seen[name] = now;
        if (now.empty()) {
            m_log.write_line("lambda-local: " + name + ": " + code_file(spec) +
                             " is gone; the next invocation will fail to load it");
        } else {
            m_log.write_line("lambda-local: " + name + ": " + code_file(spec) +
                             " changed; the next invocations run the new code");
        }
        function_pool->replace_code(std::move(spec));
    }
}

void Server::stop(std::function<void()> stopped) {
    if (m_stopping) {
        return;
    }
    m_stopping = true;
    m_stopped = std::move(stopped);
    m_scheduler->stop();
    m_async.stop();
    m_watches.clear();
    m_settle.stop();
    m_reaper.stop();
    m_stop_parts = 1 + static_cast<int>(m_pools.size());
    // The pools let what runs finish (within the grace), and the server answers it, then
    // closes every connection (within a second past the grace, whatever the clients do).
    for (auto& [name, function_pool] : m_pools) {
        function_pool->shutdown(m_options.shutdown_grace, [this] { stopped_part(); });
    }
    m_http.stop([this] { stopped_part(); });
}

void Server::stopped_part() {
    if (--m_stop_parts == 0 && m_stopped) {
        std::function<void()> stopped = std::exchange(m_stopped, nullptr);
        stopped();
    }
}

void Server::handle(const http::Request& request, http::Responder responder) {
    if (is_invoke_api_path(request.path) || is_invoke_with_response_stream_path(request.path)) {
        handle_invoke_api(request, std::move(responder));
        return;
    }
    handle_gateway(request, std::move(responder));
}

void Server::handle_invoke_api(const http::Request& http_request, http::Responder responder) {
    auto begin = MonotonicClock::now();
    std::string request_id = new_request_id();
    HttpRequest request = gateway_request(http_request);
    std::string target_text = http_request.target;
    auto answer = [this, begin, responder, method = request.method,
                   target_text](HttpResponse response, const std::string& function_name) mutable {
        m_log.write_line(access_line(method, target_text, response.status, function_name, begin));
        responder.respond(to_http(std::move(response)));
    };
    if (request.method != "POST") {
        answer(service_error(ServiceError::ResourceNotFoundException,
                             "The resource you requested does not exist.", request_id),
               "-");
        return;
    }
    auto parsed = parse_invoke_request(request, m_region, request_id);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) {
        answer(std::move(*error), "-");
        return;
    }
    InvokeApiRequest invoke = std::move(std::get<InvokeApiRequest>(parsed));
    FunctionPool* target = pool(invoke.function_name);
    if (target == nullptr) {
        answer(function_not_found(invoke.function_name, m_region, request_id, invoke.qualifier),
               "-");
        return;
    }
    std::string function_name = target->spec().name;
    InvocationRequest invocation;
    invocation.request_id = request_id;
    invocation.event = invoke.payload;
    if (invoke.invocation_type != InvocationType::Event) {
        // "Lambda passes the ClientContext object to your function for synchronous
        // invocations only" (API_Invoke): an Event's is checked, then dropped.
        invocation.client_context = invoke.client_context;
    }
    // The ARN as invoked, its qualifier kept: the context's invoked_function_arn says whether
    // the caller named a version (the function's own name, whatever name found it).
    invocation.invoked_function_arn = target->spec().arn();
    if (!invoke.qualifier.empty()) {
        invocation.invoked_function_arn += ":" + invoke.qualifier;
    }
    const config::FunctionConfig* function = m_project.find_function(function_name);
    ThrottleReason reason = function != nullptr && function->reserved_concurrency
                                ? ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded
                                : ThrottleReason::ConcurrentInvocationLimitExceeded;
    switch (invoke.invocation_type) {
    case InvocationType::DryRun:
        answer(invoke_response(invoke, {}, request_id, ""), function_name);
        return;
    case InvocationType::Event: {
        // Queued, and retried as Lambda retries it (AsyncInvoker); refused only when the
        // queue of every function's events is full.
        if (!invoke_async(*target, std::move(invocation))) {
            answer(too_many_requests(request_id, reason), function_name);
            return;
        }
        answer(invoke_response(invoke, {}, request_id, ""), function_name);
        return;
    }
    case InvocationType::RequestResponse:
        break;
    }
    if (is_invoke_with_response_stream_path(request.path)) {
        invoke_with_response_stream(*target, std::move(invocation), invoke, reason,
                                    std::move(responder), target_text, begin);
        return;
    }
    InvocationControls controls;
    controls.capture_log = invoke.log_tail;
    controls.after = [begin, method = request.method, target_text,
                      function_name](const InvocationResult& result) {
        // A function error is still a 200 of the Invoke API, with X-Amz-Function-Error.
        return access_line(method, target_text, 200, function_name, begin) +
               (result.ok() ? "" : " (function error " + result.error_type + ")");
    };
    target->submit(std::move(invocation), std::move(controls),
                   [invoke, request_id, reason, answer, responder,
                    function_name](std::variant<PoolInvocation, Throttled> outcome) mutable {
                       if (std::holds_alternative<Throttled>(outcome)) {
                           answer(too_many_requests(request_id, reason), function_name);
                           return;
                       }
                       const PoolInvocation& done = std::get<PoolInvocation>(outcome);
                       responder.respond(
                           to_http(invoke_response(invoke, done.result, request_id, done.log)));
                   });
}

void Server::handle_gateway(const http::Request& http_request, http::Responder responder) {
    auto begin = MonotonicClock::now();
    gateway::FrontDoor front;
    front.domain_name = m_options.host;
    front.port = std::to_string(port());
    front.scheme = "http";
    front.region = m_region;
    auto integration = std::make_shared<gateway::Integration>(
        m_gateway.prepare(gateway_request(http_request), front));
    std::string target_text = http_request.target;
    std::string method = http_request.method;
    if (integration->answer) {
        if (!integration->note.empty()) {
            m_log.write_line("lambda-local: " + integration->function_name + ": " +
                             integration->note);
        }
        HttpResponse response = *integration->answer;
        m_log.write_line(access_line(
            method, target_text, response.status,
            integration->function_name.empty() ? "-" : integration->function_name, begin));
        responder.respond(to_http(std::move(response)));
        return;
    }
    if (integration->authorizer != nullptr) {
        m_authorization->authorize(
            *integration, [this, integration, responder, method, target_text,
                           begin](gateway::AuthorizationVerdict verdict) mutable {
                if (verdict.outcome == gateway::AuthorizationOutcome::Allowed) {
                    m_gateway.authorized(*integration, std::move(verdict.authorizer));
                    invoke_integration(integration, std::move(responder), target_text, begin);
                    return;
                }
                HttpResponse response = m_gateway.refused(*integration, verdict);
                m_log.write_line("lambda-local: authorizer " + integration->authorizer->name +
                                 ": " + std::to_string(response.status) + ": " + verdict.reason);
                m_log.write_line(access_line(method, target_text, response.status,
                                             integration->function_name, begin));
                responder.respond(to_http(std::move(response)));
            });
        return;
    }
    invoke_integration(integration, std::move(responder), target_text, begin);
}

void Server::invoke_authorizer(const std::string& function_name, std::string event,
                               std::function<void(const InvocationResult&)> done) {
    FunctionPool* target = pool(function_name);
    if (target == nullptr) {
        InvocationResult failed;
        failed.status = InvocationStatus::Crashed;
        done(failed);
        return;
    }
    InvocationRequest invocation;
    invocation.request_id = new_request_id();
    invocation.event = std::move(event);
    target->submit(std::move(invocation), {},
                   [done = std::move(done)](std::variant<PoolInvocation, Throttled> outcome) {
                       if (auto* ran = std::get_if<PoolInvocation>(&outcome)) {
                           done(ran->result);
                           return;
                       }
                       InvocationResult throttled; // the authorizer's own 429: a failure
                       throttled.status = InvocationStatus::Crashed;
                       throttled.error_type = "TooManyRequestsException";
                       done(throttled);
                   });
}

void Server::invoke_integration(std::shared_ptr<gateway::Integration> integration,
                                http::Responder responder, const std::string& target_text,
                                MonotonicClock::time_point begin) {
    const std::string method = integration->request.method;
    if (integration->answer) {
        HttpResponse response = *integration->answer;
        m_log.write_line(
            access_line(method, target_text, response.status, integration->function_name, begin));
        responder.respond(to_http(std::move(response)));
        return;
    }
    const std::string& function_name = integration->function_name;
    FunctionPool* target = pool(function_name);
    if (target == nullptr) {
        InvocationResult failed;
        failed.status = InvocationStatus::Crashed;
        HttpResponse response = m_gateway.answer(*integration, failed);
        m_log.write_line(access_line(method, target_text, response.status, function_name, begin));
        responder.respond(to_http(std::move(response)));
        return;
    }
    if (integration->stream) {
        invoke_streaming_integration(integration, *target, std::move(responder), target_text,
                                     begin);
        return;
    }
    InvocationRequest invocation;
    invocation.request_id = new_request_id();
    invocation.event = integration->event;
    // The answer is made, and the access line written, before END and REPORT are logged.
    auto response = std::make_shared<HttpResponse>();
    InvocationControls controls;
    controls.give_up_after = integration->timeout;
    controls.after = [this, integration, response, method, target_text,
                      begin](const InvocationResult& result) {
        std::string malformed;
        *response = m_gateway.answer(*integration, result, &malformed);
        if (!malformed.empty()) {
            m_log.write_line("lambda-local: " + integration->function_name +
                             ": malformed Lambda proxy response: " + malformed);
        }
        return access_line(method, target_text, response->status, integration->function_name,
                           begin);
    };
    target->submit(std::move(invocation), std::move(controls),
                   [this, integration, response, responder, method, target_text,
                    begin](std::variant<PoolInvocation, Throttled> outcome) mutable {
                       if (std::holds_alternative<Throttled>(outcome)) {
                           *response = m_gateway.throttled(*integration);
                           m_log.write_line(access_line(method, target_text, response->status,
                                                        integration->function_name, begin));
                       }
                       responder.respond(to_http(std::move(*response)));
                   });
}

void Server::invoke_with_response_stream(FunctionPool& target, InvocationRequest invocation,
                                         const InvokeApiRequest& invoke, ThrottleReason reason,
                                         http::Responder responder, const std::string& target_text,
                                         MonotonicClock::time_point begin) {
    const std::string request_id = invocation.request_id;
    const std::string function_name = target.spec().name;
    auto sink = InvokeStreamSink::create(
        responder, {{"x-amzn-RequestId", request_id}, {"X-Amz-Executed-Version", "$LATEST"}});
    invocation.stream = sink;
    InvocationControls controls;
    controls.capture_log = invoke.log_tail;
    controls.after = [begin, target_text, function_name, sink](const InvocationResult& result) {
        // An error is reported in the stream's InvokeComplete: the request itself is a 200.
        return access_line("POST", target_text, 200, function_name, begin) +
               (result.ok() ? "" : " (function error " + result.error_type + ")") +
               (result.streamed ? " (streamed " + std::to_string(result.streamed_bytes) + " B" +
                                      (sink->gone() ? ", client gone)" : ")")
                                : "");
    };
    target.submit(std::move(invocation), std::move(controls),
                  [this, sink, request_id, reason, log_tail = invoke.log_tail, target_text, begin,
                   function_name](std::variant<PoolInvocation, Throttled> outcome) {
                      if (std::holds_alternative<Throttled>(outcome)) {
                          HttpResponse throttled = too_many_requests(request_id, reason);
                          m_log.write_line(access_line("POST", target_text, throttled.status,
                                                       function_name, begin));
                          sink->refuse(to_http(std::move(throttled)));
                          return;
                      }
                      const PoolInvocation& done = std::get<PoolInvocation>(outcome);
                      sink->complete(done.result, log_tail ? log_result(done.log) : "");
                  });
}

void Server::invoke_streaming_integration(std::shared_ptr<gateway::Integration> integration,
                                          FunctionPool& target, http::Responder responder,
                                          const std::string& target_text,
                                          MonotonicClock::time_point begin) {
    const std::string method = integration->request.method;
    InvocationResult failed;
    failed.status = InvocationStatus::FunctionError;
    auto sink = HttpStreamSink::create(responder, m_gateway.response_headers(*integration),
                                       to_http(m_gateway.answer(*integration, failed)));
    InvocationRequest invocation;
    invocation.request_id = new_request_id();
    invocation.event = integration->event;
    invocation.stream = sink;
    InvocationControls controls;
    controls.give_up_after = integration->timeout;
    // The stream ends, and the access line is written, before END and REPORT are logged.
    controls.after = [this, integration, sink, method, target_text,
                      begin](const InvocationResult& result) {
        std::string note;
        HttpResponse unstarted;
        if (!result.ok()) {
            unstarted = m_gateway.answer(*integration, result);
        } else if (!result.streamed) {
            // A function that does not stream: its whole response as one piece.
            unstarted = gateway::unstreamed_response(result.payload);
            for (auto& header : m_gateway.response_headers(*integration)) {
                unstarted.headers.push_back(std::move(header));
            }
        } else {
            // It streamed in the HTTP integration form and ended before its prelude did.
            InvocationResult bad;
            bad.status = InvocationStatus::FunctionError;
            unstarted = m_gateway.answer(*integration, bad);
            if (sink->reading_prelude()) {
                note = "the stream ended before its prelude's delimiter";
            }
        }
        bool started = sink->started();
        sink->complete(result, to_http(std::move(unstarted)));
        if (!sink->malformed().empty()) {
            note = sink->malformed();
        }
        if (!note.empty()) {
            m_log.write_line("lambda-local: " + integration->function_name +
                             ": malformed streamed response: " + note);
        }
        std::string line =
            access_line(method, target_text, sink->status(), integration->function_name, begin);
        if (result.streamed) {
            line += " (streamed " + std::to_string(result.streamed_bytes) + " B";
            if (started && !result.ok()) {
                line += ", aborted: " +
                        (result.error_type.empty() ? std::string("error") : result.error_type);
            }
            line += sink->gone() ? ", client gone)" : ")";
        }
        return line;
    };
    target.submit(std::move(invocation), std::move(controls),
                  [this, integration, sink, method, target_text,
                   begin](std::variant<PoolInvocation, Throttled> outcome) {
                      if (std::holds_alternative<Throttled>(outcome)) {
                          HttpResponse throttled = m_gateway.throttled(*integration);
                          m_log.write_line(access_line(method, target_text, throttled.status,
                                                       integration->function_name, begin));
                          sink->complete({}, to_http(std::move(throttled)));
                      }
                  });
}

} // namespace lambda_local::runtime::server
