// `lambda-local invoke`: one function, one invocation, as Lambda would run it.
#pragma once

#include "runtime/event.hpp"
#include "runtime/function_spec.hpp"

#include <string>
#include <vector>

namespace lambda_local::runtime {

// Exit statuses of `lambda-local invoke` (docs/commands.md).
inline constexpr int k_exit_success = 0;
inline constexpr int k_exit_function_error = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_interrupted = 130;

// Everything `invoke` is told, before it is resolved into a FunctionSpec.
struct InvokeOptions {
    FunctionSpec function; // library, handler, limits as given
    bool function_name_given = false;
    std::string env_vars_file;    // SAM's JSON shape
    std::string env_file;         // dotenv
    std::vector<std::string> env; // KEY=VALUE, in order
    bool inherit_env = false;
    EventSource event;
    bool quiet = false; // only the handler's own output on stderr
    bool sandbox = true;
};

// The function to run: absolute paths, a name, and its variables merged from the
// env file, the env-vars file and --env (later ones win). Throws lambda_local::Error.
FunctionSpec resolve_function(const InvokeOptions& options);

// Runs the invocation: START, the handler's output, END and REPORT on stderr, the
// payload (or Lambda's error JSON) on stdout. Returns the exit status.
int run_invoke(const InvokeOptions& options);

} // namespace lambda_local::runtime
