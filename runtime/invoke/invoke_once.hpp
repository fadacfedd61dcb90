// `lambda-local invoke`: one function, one invocation, as Lambda would run it.
#pragma once

#include "runtime/execution/outbound_network.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/invoke/event_file.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/runtime_api/server.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime {

// Exit statuses of `lambda-local invoke` (docs/commands.md).
inline constexpr int k_exit_success = 0;
inline constexpr int k_exit_function_error = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_interrupted = 130;

// Which of the function's settings the command line gave: they override a project's values.
struct GivenSettings {
    bool timeout = false;
    bool memory = false;
    bool tmp = false;
    bool region = false;
    bool handler = false;
    bool abi = false;
    bool code_dir = false;
};

// Everything `invoke` is told, before it is resolved into a FunctionSpec.
struct InvokeOptions {
    FunctionSpec function; // library, handler, limits as given
    bool function_name_given = false;
    GivenSettings given;
    // Without a library: a function of a project file (template.yaml, serverless.yml), named
    // by its name or logical id ("" for a project's only function).
    std::string function_ref;
    std::string project_file;        // --template/--config; "" looks in the working directory
    std::string parameter_overrides; // SAM's "Key=Value Key2=Value2"
    std::string stage;               // serverless ${opt:stage} (--region gives ${opt:region})
    std::string env_vars_file;       // SAM's JSON shape
    std::string env_file;            // dotenv
    std::vector<std::string> env;    // KEY=VALUE, in order
    bool inherit_env = false;
    EventSource event;
    layers::LayerOptions layer_options; // --layer-map; the cache
    bool quiet = false;                 // only the handler's own output on stderr
    LoggingOverrides logging;           // --log-format, --log-level, --system-log-level
    // --log-result: stderr ends with what `aws lambda invoke --log-type Tail` prints.
    bool log_result = false;
    bool sandbox = true;
    // --no-stream-limit: a streamed response goes at full speed past its first 6 MB.
    bool no_stream_limit = false;
    NetworkMode network = NetworkMode::Host;
    std::optional<int> debug_port; // --debug [PORT] (docs/debugging.md)
    // Serves a custom runtime its Runtime API (empty: runtime_api::NeedsRuntimeApi is thrown).
    runtime_api::HostFactory runtime_api;
};

// The function to run: from the library and flags, or from a project file (the one given, else
// template.yaml, template.yml, serverless.yml or serverless.yaml in the working directory) with
// the flags given on the command line overriding its settings. Absolute paths, a name, and its
// variables: the project's, then the env file, the env-vars file (its section for the
// function's logical id) and --env (later ones win). Its layers (--layer, or the project's)
// are prepared: zips extracted, ARNs mapped, Lambda's limits checked (layers.hpp). Throws
// lambda_local::Error.
FunctionSpec resolve_function(const InvokeOptions& options);

// Runs the invocation: START, the handler's output, END and REPORT on stderr, the
// payload (or Lambda's error JSON) on stdout. Returns the exit status.
int run_invoke(const InvokeOptions& options);

} // namespace lambda_local::runtime
