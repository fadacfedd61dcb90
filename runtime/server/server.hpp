// `lambda-local serve`: API Gateway and the Lambda Invoke API on one local HTTP server, in
// front of a pool of execution environments per function, all on one event loop.
#pragma once

#include "runtime/auth/key_source.hpp"
#include "runtime/auth/sigv4.hpp"
#include "runtime/config/project.hpp"
#include "runtime/function/lambda_variables.hpp"
#include "runtime/gateway/authorization.hpp"
#include "runtime/gateway/function_url.hpp"
#include "runtime/gateway/integration.hpp"
#include "runtime/http/loop_server.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/runtime_api/http_host.hpp"
#include "runtime/server/async_invoker.hpp"
#include "runtime/server/function_pool.hpp"
#include "runtime/server/invoke_api.hpp"
#include "runtime/server/scheduler.hpp"
#include "runtime/server/serve_log.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::server {

// Everything `serve` is told besides the project.
struct ServeOptions {
    std::string host = "127.0.0.1";
    // --jwks ISSUER=FILE: JWT and Cognito authorizers take the issuer's keys from FILE, never
    // from the network (docs/authorizers-jwt.md).
    std::vector<std::string> jwks_files;
    int port = 3000;   // 0: an ephemeral port (tests)
    PoolSettings pool; // per function; a function's reserved concurrency lowers the limit
    int warm = 0;      // environments started per function before serving
    bool sandbox = true;
    NetworkMode network = NetworkMode::Host;
    HostEnvironment host_environment;
    bool schedules = true; // fire the project's scheduled rules
    bool watch = true;     // pick up rebuilt libraries
    bool quiet = false;    // no function output in the log (access lines stay)
    // --debug [PORT] and --debug-function NAME: that function's environments (one at a time)
    // start under gdbserver, each waiting for a debugger before its init (docs/debugging.md).
    // The function may be left "" when the project has only one.
    std::optional<int> debug_port;
    std::string debug_function;
    // On SIGINT/SIGTERM, invocations in progress may finish within this; then they are ended
    // and every connection is closed within a second more.
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
    // A rebuilt library is picked up once its file has not changed for this long.
    std::chrono::milliseconds watch_settle{std::chrono::milliseconds(300)};
    // Function URLs with AuthType AWS_IAM: the credentials requests must be signed with, and
    // the account their caller is reported in (docs/serve.md, "Function URLs").
    auth::sigv4::Credentials iam_credentials;
    std::string iam_account_id = "123456789012";
    // Lambda's bandwidth rule for streamed responses (the first 6 MB at full speed, then
    // 2 MB/s); --no-stream-limit lifts it (docs/streaming.md).
    bool stream_bandwidth_rule = true;
    // The wait before an asynchronous invocation's first retry after an error (Lambda's: one
    // minute; the second waits twice it). `--retry-delay`.
    std::chrono::milliseconds retry_delay{std::chrono::minutes(1)};
};

// The server: built from a project, started, stopped, all on `loop`'s thread.
class Server {
  public:
    Server(loop::EventLoop& loop, config::Project project, ServeOptions options, int log_fd);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    // Destroy it once the loop has stopped running.
    ~Server();

    // Listens, then starts the --warm environments, the watcher, the idle reaper and the
    // scheduler (`ready` once the warm environments are up). Throws lambda_local::Error (a port
    // in use, a worker that cannot be found).
    void start(std::function<void()> ready);
    // The port listened on.
    int port() const;
    // Stops accepting, lets invocations in progress finish (within shutdown_grace; then they
    // end Cancelled), ends every environment, answers what is left and closes every
    // connection; `stopped` once all that is done. Later calls do nothing.
    void stop(std::function<void()> stopped);

  private:
    void handle(const http::Request& request, http::Responder responder);
    void handle_gateway(const http::Request& request, http::Responder responder);
    void handle_invoke_api(const http::Request& request, http::Responder responder);
    // InvokeWithResponseStream of a checked request (RequestResponse): an event stream.
    void invoke_with_response_stream(FunctionPool& target, InvocationRequest invocation,
                                     const InvokeApiRequest& invoke, ThrottleReason reason,
                                     http::Responder responder, const std::string& target_text,
                                     MonotonicClock::time_point begin);
    // The integration's function, for a prepared (and authorized) request.
    void invoke_integration(std::shared_ptr<gateway::Integration> integration,
                            http::Responder responder, const std::string& target_text,
                            MonotonicClock::time_point begin);
    // The same for an integration that streams (Integration::stream).
    void invoke_streaming_integration(std::shared_ptr<gateway::Integration> integration,
                                      FunctionPool& target, http::Responder responder,
                                      const std::string& target_text,
                                      MonotonicClock::time_point begin);
    // Authorizers: invokes an authorizer's function through its pool.
    void invoke_authorizer(const std::string& function_name, std::string event,
                           std::function<void(const InvocationResult&)> done);
    FunctionPool* pool(const std::string& function_name);
    // The answer to a request whose body is over the front door's 10 MB (LoopServerOptions).
    std::optional<http::Response> body_too_large(const http::Request& head) const;
    // Queues an asynchronous invocation (an Event, a scheduled rule) of `function`'s pool;
    // false when too many are pending.
    bool invoke_async(FunctionPool& target, InvocationRequest request);
    // Picks up rebuilt code: a directory watch per code directory, a settle timer.
    void start_watching();
    void check_code();
    void stopped_part();

    loop::EventLoop& m_loop;
    config::Project m_project;
    ServeOptions m_options;
    std::string m_region; // of the Invoke API and the scheduled events: the first function's
    ServeLog m_log;
    gateway::Gateway m_gateway;
    runtime_api::HttpHost m_runtime_api;
    http::LoopServer m_http;
    std::map<std::string, std::unique_ptr<FunctionPool>> m_pools; // by function name
    AsyncInvoker m_async;                                         // after the pools: it goes first
    std::unique_ptr<Scheduler> m_scheduler;
    auth::KeySource m_keys; // JWT and Cognito authorizers' keys: before m_authorization
    std::unique_ptr<gateway::Authorization> m_authorization;
    std::vector<std::unique_ptr<loop::DirectoryWatch>> m_watches;
    std::map<std::string, std::string> m_seen; // function → its code file's version
    loop::Timer m_settle;
    loop::Timer m_reaper;
    bool m_stopping = false;
    int m_stop_parts = 0; // the HTTP server and each pool, until they have stopped
    std::function<void()> m_stopped;
};

} // namespace lambda_local::runtime::server
