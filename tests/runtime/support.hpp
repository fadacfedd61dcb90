// Shared pieces of the unit tests that run real execution environments: the worker of this
// build, and a temporary file that collects what handlers print.
#pragma once

#include "runtime/execution_environment.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace lambda_local::tests {

// The built sample libraries and runtimes, and the worker of this build tree.
inline const std::string k_samples = LL_SAMPLES_DIR;
inline const std::string k_worker = std::string(LL_BUILD_DIR) + "/lambda-local-worker";

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

} // namespace lambda_local::tests
