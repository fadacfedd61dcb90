// A `lambda-local serve` running in the background for the end-to-end tests: started on a free
// port, its log collected, stopped with SIGTERM by the test.
#pragma once

#include "runtime/http/message.hpp"
#include "tests/e2e/process.hpp"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lambda_local::e2e {

// Starts `lambda-local serve <args> --port 0` and waits (bounded) for it to listen. REQUIREs
// that it does. The destructor stops it (SIGKILL to its process group if it does not stop).
class ServeProcess {
  public:
    explicit ServeProcess(const std::vector<std::string>& args, const RunOptions& options = {});
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;
    ~ServeProcess();

    int port() const { return m_port; }
    std::string url(const std::string& path = "") const;
    pid_t pid() const { return m_pid; }
    // The log (stderr) so far.
    std::string log() const;
    // Waits (bounded) until the log contains `text`; false when it did not appear in time.
    bool wait_for_log(const std::string& text,
                      std::chrono::milliseconds bound = std::chrono::seconds(20)) const;
    // Waits (bounded) until the log holds `text` at least `count` times (the log is written by
    // a thread of the server, after the answers); returns how many times it holds it then.
    std::size_t
    wait_for_log_count(const std::string& text, std::size_t count,
                       std::chrono::milliseconds bound = std::chrono::seconds(20)) const;
    // Sends `signal` and waits (bounded, then SIGKILL and FAIL) for the server to exit;
    // returns its exit code (-N for a signal). Idempotent.
    int stop(int signal = SIGTERM, std::chrono::milliseconds bound = std::chrono::seconds(30));

  private:
    void read_output(int out_fd, int err_fd);
    pid_t m_pid = -1;
    int m_port = 0;
    int m_exit_code = -1;
    bool m_stopped = false;
    mutable std::mutex m_mutex;
    std::string m_log;
    std::string m_out;
    std::thread m_reader;
};

// A ProcessResult naming a stopped server (its pid, exit code and log), for LeftoverWatch.
ProcessResult as_result(const ServeProcess& serve, int exit_code);

// One request to the server over a fresh connection, bounded by `timeout`. Throws
// lambda_local::Error when the server cannot be reached or its answer cannot be read.
runtime::http::Response serve_request(const ServeProcess& server, std::string_view method,
                                      std::string_view target,
                                      const runtime::http::HeaderList& headers = {},
                                      std::string_view body = {},
                                      std::chrono::milliseconds timeout = std::chrono::seconds(40));

// The first value of a response header (name case-insensitive), or "" when it has none.
std::string header_text(const runtime::http::Response& response, std::string_view name);
// Every value of a response header (name case-insensitive), in order.
std::vector<std::string> header_values(const runtime::http::Response& response,
                                       std::string_view name);
// A response as text (status, headers, body), for INFO() in failing checks.
std::string describe(const runtime::http::Response& response);

// The Python 3 on PATH (the one with `requests` and `boto3`), resolved past pyenv's shims.
std::string python_path();
// The `aws` CLI installed beside that Python, or else the one on PATH.
std::string aws_cli_path();
// The environment for AWS clients of a local server: fake credentials, us-east-1, no instance
// metadata, and HOME in `home` so that no user configuration is read.
EnvList aws_client_env(const std::string& home);
// Runs `python3 -c <script> <args...>`; REQUIREs exit status 0 and returns the JSON it printed.
nlohmann::json run_python_json(const std::string& script, const std::vector<std::string>& args,
                               const RunOptions& options = {});

} // namespace lambda_local::e2e
