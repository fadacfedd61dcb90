// `lambda-local serve`: API Gateway and the Lambda Invoke API on one local HTTP server, in
// front of a pool of execution environments per function.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/environment.hpp"
#include "runtime/gateway/proxy_event.hpp"
#include "runtime/server/function_pool.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lambda_local::runtime::http {
class Responder;
class Server;
struct Request;
struct Response;
} // namespace lambda_local::runtime::http

namespace lambda_local::runtime::server {

class AsyncInvoker;
class LogPump;
class Scheduler;

// Everything `serve` is told besides the project.
struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 3000;   // 0: an ephemeral port (tests)
    PoolSettings pool; // per function; a function's reserved concurrency lowers the limit
    int warm = 0;      // environments started per function before serving
    bool sandbox = true;
    NetworkMode network = NetworkMode::Host;
    HostEnvironment host_environment;
    bool schedules = true; // fire the project's scheduled rules
    bool watch = true;     // pick up rebuilt libraries
    bool quiet = false;    // no function output in the log (access lines stay)
    int threads = 0;       // connection threads; 0: enough for every environment, at least 64
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
    std::chrono::milliseconds watch_interval{std::chrono::milliseconds(500)};
};

// The server: built from a project, started, stopped. Thread-safe where it says so.
class Server {
  public:
    Server(config::Project project, ServeOptions options, int log_fd);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    // Listens, starts the --warm environments, the watcher and the scheduler. Throws
    // lambda_local::Error (a port in use, a worker that cannot be found).
    void start();
    // The port listened on.
    int port() const;
    // Blocks until `stop_fd` is readable (SIGINT/SIGTERM), then stops.
    void run_until(int stop_fd);
    // Stops accepting, lets invocations in progress finish (within shutdown_grace), and ends
    // every environment. Idempotent.
    void stop();

  private:
    void handle(const http::Request& request, const http::Responder& respond);
    // Answers through `respond`, from the function's environment thread once invoked.
    void handle_gateway(const http::Request& request, const http::Responder& respond);
    http::Response handle_invoke_api(const http::Request& request);
    // The gateway's answer to a function's result (§3): the proxy response, or its own error.
    gateway::HttpResponse function_response(gateway::ApiType api_type,
                                            const gateway::ProxyIntegration& integration,
                                            const InvocationResult& result,
                                            const std::string& function_name);
    // Adds the API's CORS headers to an answer.
    static void add_cors(const config::ApiConfig& api, const gateway::HttpRequest& request,
                         gateway::HttpResponse& response);
    void maintain(); // the watcher and reaper thread
    FunctionPool* pool(const std::string& function_name);

    config::Project m_project;
    ServeOptions m_options;
    std::string m_region; // of the Invoke API and the scheduled events: the first function's
    std::unique_ptr<LogPump> m_logs;
    gateway::RouteTable m_routes;
    std::map<std::string, const config::ApiConfig*> m_apis;       // by api id
    std::map<std::string, std::unique_ptr<FunctionPool>> m_pools; // by function name
    std::unique_ptr<http::Server> m_http;
    std::unique_ptr<AsyncInvoker> m_async;
    std::unique_ptr<Scheduler> m_scheduler;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_stopped = false;
    std::thread m_maintainer;
};

} // namespace lambda_local::runtime::server
