// Running a command for the end-to-end tests: pipes, a time bound, and what it printed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lambda_local::e2e {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// How to run a command.
struct RunOptions {
    std::optional<std::string> stdin_data;  // bytes for standard input; none: /dev/null
    std::optional<EnvList> env;             // the complete environment; none: this process's
    EnvList extra_env;                      // set on top of that environment (replacing a key)
    std::chrono::milliseconds bound{60000}; // past it the command is killed and the test FAILs
    // Sends `signal` to the command once its stderr contains this text (empty: never).
    std::string signal_when_stderr_contains;
    int signal = SIGINT;
    // Called once, while the command runs, when its stdout first contains this text (empty:
    // never): a test acts on what the command has already written (streaming).
    std::string when_stdout_contains;
    std::function<void()> on_stdout;
};

// What a command did.
struct ProcessResult {
    std::vector<std::string> argv;
    pid_t pid = -1;
    int exit_code = -1; // the exit status, or -N when killed by signal N
    std::string out;
    std::string err;
    std::chrono::duration<double> elapsed{};
    bool signal_sent = false;
};

// Runs `argv` (argv[0] a path) with posix_spawn in its own process group, reads stdout and
// stderr concurrently, and waits for it. FAILs the current test (after killing the process
// group) if it does not finish within `options.bound`.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// The lambda-local executable of the build tree.
std::string lambda_local_path();

// Runs lambda-local with these arguments.
ProcessResult lambda_local(const std::vector<std::string>& args, const RunOptions& options = {});

// A few lines describing a run, for INFO() in failing checks.
std::string describe(const ProcessResult& result);

} // namespace lambda_local::e2e
