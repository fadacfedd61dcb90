// `lambda-local test`: find test files, load them, run their cases, report, and say how it went.
#pragma once

#include "runtime/execution/outbound_network.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/logs/logging_config.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/testing/case_authorizers.hpp"
#include "runtime/testing/console_reporter.hpp"

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// Exit statuses of `lambda-local test` (docs/commands.md).
inline constexpr int k_exit_all_passed = 0;
inline constexpr int k_exit_some_failed = 1;
inline constexpr int k_exit_broken = 2; // a broken test file, or a usage error
inline constexpr int k_exit_test_interrupted = 130;

// Everything `lambda-local test` is told.
struct TestCommandOptions {
    std::vector<std::string> paths{"."}; // files and folders
    std::size_t jobs = 1;
    bool update_snapshots = false;
    std::string junit_path; // "" writes no JUnit XML
    std::string filter;     // an ECMAScript pattern searched in case names; "" runs all
    bool sandbox = true;
    NetworkMode network = NetworkMode::Host; // a file's `network:` wins
    runtime_api::HostFactory runtime_api;    // for custom runtimes (see NeedsRuntimeApi)
    TokenAuthorizers token_authorizers;      // for JWT authorizers (see NeedsRuntimeApi)
    layers::LayerOptions layer_options;      // --layer-map; the cache
    LoggingOverrides logging; // --log-format, ...: for the files that set none of their own
    Detail detail = Detail::Normal;
    // --debug [PORT]: every file's environment starts under gdbserver and waits for a debugger
    // before its init; the files run one at a time (docs/debugging.md).
    std::optional<int> debug_port;
};

// Runs the command: case lines and the summary on `out`; sandbox warnings and every broken
// test file ("lambda-local: error: <file>:<line>: <problem>") on `err`. Returns the exit
// status. Throws lambda_local::Error for a usage error (a missing path, a bad --filter,
// no test files, no case matching the filter).
int run_test_command(const TestCommandOptions& options, std::ostream& out, std::ostream& err);

} // namespace lambda_local::runtime::testing
