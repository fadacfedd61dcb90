// A background `lambda-local serve` for the end-to-end tests.
#include "tests/e2e/serve_process.hpp"

#include "runtime/http/message.hpp"
#include "runtime/util/error.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <regex>

extern char** environ;

namespace lambda_local::e2e {

ServeProcess::ServeProcess(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv = {lambda_local_path(), "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--port", "0"});
    int out[2];
    int err[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    ::posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    ::posix_spawnattr_setpgroup(&attributes, 0);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    std::vector<std::string> env_strings;
    if (options.env) {
        for (const auto& [k, v] : *options.env) {
            env_strings.push_back(k + "=" + v);
        }
    } else {
        for (char** e = environ; *e != nullptr; ++e) {
            env_strings.emplace_back(*e);
        }
    }
    for (const auto& [k, v] : options.extra_env) {
        std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(k + "=", 0) == 0; });
        env_strings.push_back(k + "=" + v);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) {
        envp.push_back(s.data());
    }
    envp.push_back(nullptr);
    std::vector<char*> cargv;
    for (auto& a : argv) {
        cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    int failed =
        ::posix_spawn(&m_pid, argv[0].c_str(), &actions, &attributes, cargv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    ::close(out[1]);
    ::close(err[1]);
    REQUIRE(failed == 0);
    m_reader = std::thread([this, o = out[0], e = err[0]] { read_output(o, e); });
    bool listening = wait_for_log("/2015-03-31/functions/", std::chrono::seconds(30));
    INFO("serve log:\n" << log());
    REQUIRE(listening);
    std::smatch match;
    std::string text = log();
    static const std::regex k_port("on http://127\\.0\\.0\\.1:([0-9]+)");
    REQUIRE(std::regex_search(text, match, k_port));
    m_port = std::stoi(match[1].str());
}

ServeProcess::~ServeProcess() {
    if (!m_stopped) {
        stop(SIGTERM);
    }
    if (m_reader.joinable()) {
        m_reader.join();
    }
}

std::string ServeProcess::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + path;
}

std::string ServeProcess::log() const {
    std::lock_guard lock(m_mutex);
    return m_log;
}

bool ServeProcess::wait_for_log(const std::string& text, std::chrono::milliseconds bound) const {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(m_mutex);
            if (m_log.find(text) != std::string::npos) {
                return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::size_t ServeProcess::wait_for_log_count(const std::string& text, std::size_t count,
                                             std::chrono::milliseconds bound) const {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        std::size_t found = 0;
        {
            std::lock_guard lock(m_mutex);
            for (auto at = m_log.find(text); at != std::string::npos;
                 at = m_log.find(text, at + 1)) {
                ++found;
            }
        }
        if (found >= count || std::chrono::steady_clock::now() >= deadline) {
            return found;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void ServeProcess::read_output(int out_fd, int err_fd) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open = 2;
    char buffer[65536];
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
                continue;
            }
            std::lock_guard lock(m_mutex);
            (i == 0 ? m_out : m_log).append(buffer, static_cast<std::size_t>(n));
        }
    }
}

int ServeProcess::stop(int signal, std::chrono::milliseconds bound) {
    if (m_stopped) {
        return m_exit_code;
    }
    m_stopped = true;
    ::kill(m_pid, signal);
    auto deadline = std::chrono::steady_clock::now() + bound;
    int status = 0;
    for (;;) {
        pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid) {
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-m_pid, SIGKILL);
            ::waitpid(m_pid, &status, 0);
            FAIL("lambda-local serve did not stop within the bound; log:\n" << log());
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (m_reader.joinable()) {
        m_reader.join();
    }
    return m_exit_code;
}

runtime::http::Response serve_request(const ServeProcess& server, std::string_view method,
                                      std::string_view target,
                                      const runtime::http::HeaderList& headers,
                                      std::string_view body, std::chrono::milliseconds timeout) {
    // cpp-httplib, the HTTP client lambda-local's tests and tools use (lambda-local-bootstrap's
    // own small client is only for what runs on Lambda).
    httplib::Client client("127.0.0.1", server.port());
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count() % 1000000;
    if (timeout.count() > 0) {
        client.set_read_timeout(seconds, micros);
        client.set_write_timeout(seconds, micros);
    }
    client.set_keep_alive(false);
    httplib::Request request;
    request.method = std::string(method);
    request.path = std::string(target);
    for (const auto& [name, value] : headers) {
        request.headers.emplace(name, value);
    }
    request.body = std::string(body);
    httplib::Result result = client.send(request);
    if (!result) {
        throw lambda_local::Error("127.0.0.1:" + std::to_string(server.port()) + ": " +
                                  httplib::to_string(result.error()));
    }
    runtime::http::Response response;
    response.status = result->status;
    for (const auto& [name, value] : result->headers) {
        response.headers.emplace_back(name, value);
    }
    response.body = std::move(result->body);
    return response;
}

std::string header_text(const runtime::http::Response& response, std::string_view name) {
    const std::string* value = response.header(name);
    return value != nullptr ? *value : std::string();
}

std::vector<std::string> header_values(const runtime::http::Response& response,
                                       std::string_view name) {
    std::vector<std::string> values;
    for (const auto& [key, value] : response.headers) {
        if (key.size() == name.size() &&
            ::strncasecmp(key.c_str(), name.data(), name.size()) == 0) {
            values.push_back(value);
        }
    }
    return values;
}

ProcessResult as_result(const ServeProcess& serve, int exit_code) {
    ProcessResult result;
    result.argv = {lambda_local_path(), "serve"};
    result.pid = serve.pid();
    result.exit_code = exit_code;
    result.err = serve.log();
    return result;
}

std::string describe(const runtime::http::Response& response) {
    std::string text = "HTTP " + std::to_string(response.status) + "\n";
    for (const auto& [key, value] : response.headers) {
        text += key + ": " + value + "\n";
    }
    return text + "\n" + response.body.substr(0, 4096);
}

std::string python_path() {
    static const std::string path = [] {
        // `env` finds python3 on PATH; sys.executable is the real interpreter behind a shim.
        ProcessResult r =
            run_process({"/usr/bin/env", "python3", "-c", "import sys; print(sys.executable)"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        std::string found = r.out.substr(0, r.out.find('\n'));
        REQUIRE(!found.empty());
        return found;
    }();
    return path;
}

std::string aws_cli_path() {
    static const std::string path = [] {
        std::filesystem::path beside = std::filesystem::path(python_path()).parent_path() / "aws";
        if (std::filesystem::exists(beside)) {
            return beside.string();
        }
        ProcessResult r = run_process({"/bin/sh", "-c", "command -v aws"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        return r.out.substr(0, r.out.find('\n'));
    }();
    return path;
}

EnvList aws_client_env(const std::string& home) {
    const char* path = std::getenv("PATH");
    return {{"PATH", path != nullptr ? path : "/usr/bin:/bin"},
            {"HOME", home},
            {"AWS_ACCESS_KEY_ID", "test"},
            {"AWS_SECRET_ACCESS_KEY", "test"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_CONFIG_FILE", home + "/.aws/config"},
            {"AWS_SHARED_CREDENTIALS_FILE", home + "/.aws/credentials"},
            {"LC_ALL", "C.UTF-8"}};
}

nlohmann::json run_python_json(const std::string& script, const std::vector<std::string>& args,
                               const RunOptions& options) {
    std::vector<std::string> argv = {python_path(), "-c", script};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = run_process(argv, options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return parse_json(r.out);
}

} // namespace lambda_local::e2e
