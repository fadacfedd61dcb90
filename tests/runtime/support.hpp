// Shared pieces of the unit tests that run real execution environments: the worker of this
// build, and a temporary file that collects what handlers print.
#pragma once

#include "runtime/execution/execution_environment.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/runtime_api/http_host.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace lambda_local::tests {

// The built sample libraries and runtimes, and the worker of this build tree.
inline const std::string k_samples = LL_SAMPLES_DIR;
inline const std::string k_worker = std::string(LL_BUILD_DIR) + "/lambda-local-worker";

// The function `name` of a built sample library: `handler` of k_samples/`library_file`.
inline runtime::FunctionSpec sample_function(const std::string& library_file,
                                             const std::string& handler, const std::string& name) {
    runtime::FunctionSpec spec;
    spec.library = k_samples + "/" + library_file;
    spec.name = name;
    spec.handler = handler;
    spec.code_dir = k_samples;
    return spec;
}

// A temporary file for handlers' stdout and stderr (or a log), read back by the test and
// removed with it.
class OutputFile {
  public:
    OutputFile() {
        char path[] = "/tmp/ll-test-output-XXXXXX";
        m_fd = ::mkstemp(path);
        REQUIRE(m_fd >= 0);
        m_path = path;
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile() {
        ::close(m_fd);
        ::unlink(m_path.c_str());
    }
    int fd() const { return m_fd; }
    std::string text() const {
        std::ifstream in(m_path);
        std::stringstream buffer;
        buffer << in.rdbuf();
        return buffer.str();
    }

  private:
    int m_fd = -1;
    std::string m_path;
};

// Sandboxed environments of this build's worker, their output going to `output_fd`.
inline runtime::EnvironmentOptions environment_options(int output_fd = STDERR_FILENO) {
    REQUIRE_MESSAGE(::access(k_worker.c_str(), X_OK) == 0,
                    "build the worker first: cmake --build build --target lambda-local-worker");
    runtime::EnvironmentOptions options;
    options.worker_path = k_worker;
    options.sandbox = true;
    options.output_fd = output_fd;
    return options;
}

// An execution environment on a loop of its own, each call run until it is done, as the
// `invoke` and `test` commands drive theirs. Custom runtimes get a Runtime API host.
class LoopEnvironment {
  public:
    LoopEnvironment(runtime::FunctionSpec spec, runtime::EnvironmentOptions options)
        : m_host(std::make_unique<runtime::runtime_api::HttpHost>(m_loop)) {
        options.runtime_api = m_host.get();
        m_environment =
            std::make_unique<runtime::ExecutionEnvironment>(m_loop, std::move(spec), options);
    }
    LoopEnvironment(const LoopEnvironment&) = delete;
    LoopEnvironment& operator=(const LoopEnvironment&) = delete;
    ~LoopEnvironment() {
        runtime::shutdown_and_wait(m_loop, *m_environment);
        m_environment.reset();
    }

    runtime::InvocationResult invoke(runtime::InvocationRequest request) {
        return runtime::invoke_and_wait(m_loop, *m_environment, std::move(request));
    }
    // start_now(), run until it is done: true when the environment started.
    bool start_now(runtime::InvocationResult& failure) {
        std::optional<runtime::InvocationResult> result;
        m_environment->start_now([&result](runtime::InvocationResult done) { result = done; });
        m_loop.run_until([&result] { return result.has_value(); });
        REQUIRE(result.has_value());
        failure = *result;
        return result->ok();
    }
    void shutdown() { runtime::shutdown_and_wait(m_loop, *m_environment); }
    bool warm() const { return m_environment->warm(); }
    bool idle_worker_alive() const { return m_environment->idle_worker_alive(); }
    const std::vector<std::string>& sandbox_notes() const { return m_environment->sandbox_notes(); }
    runtime::loop::EventLoop& loop() { return m_loop; }
    runtime::ExecutionEnvironment& environment() { return *m_environment; }

  private:
    runtime::loop::EventLoop m_loop; // first: it goes last
    std::unique_ptr<runtime::runtime_api::HttpHost> m_host;
    std::unique_ptr<runtime::ExecutionEnvironment> m_environment;
};

} // namespace lambda_local::tests
