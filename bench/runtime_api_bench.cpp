// Warm invocation latency: the same echo through the Runtime API (a C++ `bootstrap`) and through
// the native loader (a .so), each in one execution environment invoked N times. Not a test:
// it prints numbers. See bench/README.md.
//
//   runtime_api_bench BUILD_DIR [N] [--no-sandbox]
#include "runtime/execution/execution_environment.hpp"
#include "runtime/util/ids.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace lambda_local;
using namespace lambda_local::runtime;

struct Figures {
    double cold_ms = 0;
    double median_us = 0;
    double p99_us = 0;
    double mean_us = 0;
    double min_us = 0;
};

// Invokes `spec` once cold, then `runs` times warm; every invocation must succeed.
bool measure(const FunctionSpec& spec, const EnvironmentOptions& options, int runs,
             Figures& figures) {
    ExecutionEnvironment environment(spec, options);
    InvocationRequest request;
    request.event = R"({"hello":"world"})";
    std::vector<double> micros;
    micros.reserve(static_cast<std::size_t>(runs));
    for (int i = 0; i <= runs; ++i) {
        request.request_id = new_request_id();
        auto begin = std::chrono::steady_clock::now();
        InvocationResult result = environment.invoke(request);
        double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - begin)
                .count();
        if (!result.ok()) {
            std::fprintf(stderr, "runtime_api_bench: %s failed: %s\n", spec.name.c_str(),
                         result.payload.c_str());
            return false;
        }
        if (i == 0) {
            figures.cold_ms = us / 1000.0;
        } else {
            micros.push_back(us);
        }
    }
    std::sort(micros.begin(), micros.end());
    figures.median_us = micros[micros.size() / 2];
    figures.p99_us = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
    double total = 0;
    for (double us : micros) {
        total += us;
    }
    figures.mean_us = total / static_cast<double>(micros.size());
    figures.min_us = micros.front();
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: runtime_api_bench BUILD_DIR [N] [--no-sandbox]\n");
        return 2;
    }
    const std::string build = argv[1];
    int runs = argc > 2 && std::strcmp(argv[2], "--no-sandbox") != 0 ? std::atoi(argv[2]) : 2000;
    bool sandbox = true;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--no-sandbox") == 0) {
            sandbox = false;
        }
    }
    if (runs < 1) {
        std::fprintf(stderr, "runtime_api_bench: N must be a positive number\n");
        return 2;
    }
    EnvironmentOptions options;
    options.worker_path = build + "/lambda-local-worker";
    options.sandbox = sandbox;
    // The runtimes' own output is not part of the figures.
    int quiet = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    options.output_fd = quiet >= 0 ? quiet : STDERR_FILENO;

    FunctionSpec native;
    native.name = "echo_cpp";
    native.library = build + "/samples/libecho_cpp.so";
    native.handler = "handle";
    native.code_dir = build + "/samples";

    FunctionSpec bootstrap;
    bootstrap.name = "bootstrap-cpp";
    bootstrap.code_dir = build + "/samples/bootstrap-cpp";
    bootstrap.bootstrap = bootstrap.code_dir + "/bootstrap";
    bootstrap.handler.clear();

    std::printf("%d warm invocations per row after one cold start, %s\n", runs,
                sandbox ? "sandboxed" : "--no-sandbox");
    std::printf("%-36s %10s %10s %10s %10s %10s\n", "function", "cold ms", "median us", "p99 us",
                "mean us", "min us");
    Figures loader;
    Figures runtime_api;
    try {
        if (!measure(native, options, runs, loader) ||
            !measure(bootstrap, options, runs, runtime_api)) {
            return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "runtime_api_bench: %s\n", e.what());
        return 1;
    }
    auto row = [](const char* name, const Figures& f) {
        std::printf("%-36s %10.2f %10.1f %10.1f %10.1f %10.1f\n", name, f.cold_ms, f.median_us,
                    f.p99_us, f.mean_us, f.min_us);
    };
    row("native loader (libecho_cpp.so)", loader);
    row("Runtime API (bootstrap-cpp)", runtime_api);
    std::printf("median Runtime API / native loader: %.1fx\n",
                runtime_api.median_us / loader.median_us);
    return 0;
}
