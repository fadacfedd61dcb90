// The `invoke` command's work: resolve the function, run it once, print as Lambda logs.
#include "runtime/invoke/invoke_once.hpp"

#include "runtime/invoke/stdout_sink.hpp"

#include "runtime/config/project.hpp"
#include "runtime/debugger/debug_hints.hpp"
#include "runtime/execution/execution_environment.hpp"
#include "runtime/function/env_files.hpp"
#include "runtime/function/lambda_variables.hpp"
#include "runtime/logs/log_result.hpp"
#include "runtime/logs/output_relay.hpp"
#include "runtime/logs/platform_log.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/interrupt.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <memory>

namespace lambda_local::runtime {
namespace {

// What `aws lambda invoke --log-type Tail` prints, on one line: {"StatusCode":200,
// ["FunctionError":"Unhandled",] "LogResult":"<base64>","ExecutedVersion":"$LATEST"}.
std::string log_result_line(const InvocationResult& result, std::string_view log) {
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["StatusCode"] = 200;
    if (!result.ok()) {
        line["FunctionError"] = "Unhandled";
    }
    line["LogResult"] = log_result(log);
    line["ExecutedVersion"] = "$LATEST";
    return line.dump() + "\n";
}

void merge(EnvVars& into, const EnvVars& from) {
    for (const auto& [key, value] : from) {
        bool replaced = false;
        for (auto& [existing, old] : into) {
            if (existing == key) {
                old = value;
                replaced = true;
            }
        }
        if (!replaced) {
            into.emplace_back(key, value);
        }
    }
}

std::string absolute_path(const std::string& path) {
    return std::filesystem::absolute(path).lexically_normal().string();
}

// The function that -l/--library (or --bootstrap) and the flags describe.
FunctionSpec flags_function(const InvokeOptions& options) {
    if (!options.project_file.empty()) {
        throw Error("-l/--library (or --bootstrap) and --template name two different "
                    "functions: give one");
    }
    if (!options.function_ref.empty()) {
        throw Error("a function name ('" + options.function_ref +
                    "') selects a function of a template or serverless.yml; with "
                    "-l/--library, name the function with --function-name");
    }
    if (!options.parameter_overrides.empty() || !options.stage.empty()) {
        throw Error("--parameter-overrides and --stage apply to a template or serverless.yml, "
                    "not to -l/--library");
    }
    FunctionSpec spec = options.function;
    for (std::string& layer : spec.layers) {
        if (!layers::is_layer_arn(layer)) {
            layer = absolute_path(layer);
        }
    }
    // The code's directory: the library's, or a custom runtime's (a layer may hold its
    // bootstrap: /opt/bootstrap).
    std::string code_dir;
    if (spec.is_bootstrap()) {
        code_dir = bootstrap_code_dir(spec.bootstrap);
        spec.bootstrap = bootstrap_executable(spec.bootstrap, !spec.layers.empty());
    } else {
        spec.library = absolute_path(spec.library);
        code_dir = std::filesystem::path(spec.library).parent_path().string();
    }
    spec.code_dir = spec.code_dir.empty() ? code_dir : absolute_path(spec.code_dir);
    if (!options.function_name_given) {
        spec.name = spec.is_bootstrap() ? function_name_from_directory(code_dir)
                                        : function_name_from_library(spec.library);
    }
    return spec;
}

// The function of a project file, with the settings the command line gave over its own.
config::FunctionConfig project_function(const InvokeOptions& options) {
    std::string file = options.project_file;
    if (file.empty()) {
        file = config::find_project_file(".");
    }
    if (file.empty()) {
        throw Error(options.function_ref.empty()
                        ? "no function given: name its library with -l/--library PATH (or a "
                          "custom runtime with --bootstrap DIR), or a template with --template "
                          "FILE (there is no template.yaml, template.yml, serverless.yml or "
                          "serverless.yaml here)"
                        : "no template.yaml, template.yml, serverless.yml or serverless.yaml "
                          "here to find function '" +
                              options.function_ref + "' in: name one with --template FILE");
    }
    config::ProjectOptions project_options;
    project_options.parameter_overrides =
        config::parse_parameter_overrides(options.parameter_overrides);
    if (!options.stage.empty()) {
        project_options.opt["stage"] = options.stage;
    }
    if (options.given.region) {
        project_options.opt["region"] = options.function.region;
    }
    config::Project project = config::load_project(file, project_options);
    config::FunctionConfig function = config::select_function(project, options.function_ref);
    FunctionSpec& spec = function.spec;
    const FunctionSpec& flags = options.function;
    if (options.function_name_given) {
        spec.name = flags.name;
    }
    if (options.given.timeout) {
        spec.timeout_s = flags.timeout_s;
    }
    if (options.given.memory) {
        spec.memory_mb = flags.memory_mb;
    }
    if (options.given.tmp) {
        spec.tmp_mb = flags.tmp_mb;
    }
    if (options.given.region) {
        spec.region = flags.region;
    }
    if (options.given.handler) {
        spec.handler = flags.handler;
    }
    if (options.given.abi) {
        spec.abi = flags.abi;
    }
    if (options.given.code_dir) {
        spec.code_dir = absolute_path(flags.code_dir);
    }
    return function;
}

// Runs one invocation in a fresh environment on `loop`: the log on stderr, the payload on
// stdout; returns the exit status.
int invoke_once(loop::EventLoop& loop, const FunctionSpec& spec,
                EnvironmentOptions environment_options, std::string event,
                const InvokeOptions& options) {
    // The function's output is read and written on as lines: the JSON format's level filter
    // and the log LogResult carries need its lines, and a line the function did not end is
    // ended before END, as Lambda's log has it (docs/logging.md).
    OutputRelay relay(spec.logging, STDERR_FILENO);
    environment_options.output_fd = relay.write_fd();
    ExecutionEnvironment environment(loop, spec, std::move(environment_options));
    const PlatformLog platform(spec);
    auto platform_lines = [&](const std::string& own, const std::string& lines) {
        relay.own(own);
        relay.platform(lines, !options.quiet);
    };

    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = std::move(event);
    // A function that streams its response writes it to stdout as it goes, as
    // InvokeWithResponseStream delivers it (docs/streaming.md).
    auto sink = std::make_shared<FdResponseSink>(loop, STDOUT_FILENO);
    request.stream = sink;
    platform_lines({}, platform.start(request.request_id, !environment.warm()));
    InvocationResult result = invoke_and_wait(loop, environment, request);
    // What the function streamed is all out before anything else is said.
    loop.run_until([&sink] { return sink->idle(); });
    if (result.status == InvocationStatus::Cancelled) {
        write_all(STDERR_FILENO, "lambda-local: interrupted\n");
        return k_exit_interrupted;
    }
    std::string notes;
    for (const auto& note : environment.sandbox_notes()) {
        notes += "lambda-local: warning: sandbox: " + note + "\n";
    }
    if (options.quiet) {
        notes.clear();
    }
    platform_lines(notes, platform.end(request.request_id, result));
    std::string log = relay.log();
    if (!result.streamed) {
        write_all(STDOUT_FILENO, result.payload);
    } else if (!result.ok()) {
        // stdout has the bytes streamed before the error: Lambda's error goes to stderr.
        write_all(STDERR_FILENO, result.payload + "\n");
    }
    shutdown_and_wait(loop, environment);
    relay.finish();
    if (options.log_result) {
        write_all(STDERR_FILENO, log_result_line(result, log));
    }
    return result.ok() ? k_exit_success : k_exit_function_error;
}

} // namespace

FunctionSpec resolve_function(const InvokeOptions& options) {
    FunctionSpec spec;
    std::string env_vars_section; // the --env-vars object that applies to this function
    if (!options.function.library.empty() || options.function.is_bootstrap()) {
        spec = flags_function(options);
        env_vars_section = spec.name;
    } else {
        if (!options.function.layers.empty()) {
            throw Error("--layer applies to -l/--library and --bootstrap: a template's or "
                        "serverless.yml's function names its own layers (Layers, layers)");
        }
        config::FunctionConfig function = project_function(options);
        spec = std::move(function.spec);
        env_vars_section = function.logical_id;
    }
    validate(spec);
    spec.logging = apply_overrides(spec.logging, options.logging);
    EnvVars variables = spec.environment;
    if (!options.env_file.empty()) {
        merge(variables, read_dotenv_file(options.env_file));
    }
    if (!options.env_vars_file.empty()) {
        merge(variables, read_sam_env_vars_file(options.env_vars_file, env_vars_section));
    }
    for (const auto& assignment : options.env) {
        merge(variables, {parse_env_assignment(assignment)});
    }
    validate_function_variables(variables);
    spec.environment = std::move(variables);
    layers::prepare_layers(spec, options.layer_options);
    return spec;
}

int run_invoke(const InvokeOptions& options) {
    FunctionSpec spec = resolve_function(options);
    if (spec.is_bootstrap() && !options.runtime_api) {
        throw runtime_api::NeedsRuntimeApi();
    }
    std::string event = load_event(options.event, std::cin);

    loop::EventLoop loop;
    std::unique_ptr<runtime_api::Host> host;
    if (spec.is_bootstrap()) {
        host = options.runtime_api(loop);
    }
    EnvironmentOptions environment_options;
    environment_options.worker_path = find_worker_executable();
    environment_options.sandbox = options.sandbox;
    environment_options.network = options.network;
    environment_options.host = current_host_environment(options.inherit_env);
    environment_options.cancel_fd = interrupt_fd();
    environment_options.runtime_api = host.get();
    environment_options.stream_limits.bandwidth_rule = !options.no_stream_limit;
    if (options.debug_port) {
        environment_options.debug = debugger::DebugPort::open(*options.debug_port);
        write_all(STDERR_FILENO,
                  debugger::debug_banner(debugger::debug_target(
                      spec, environment_options.worker_path, environment_options.debug->port)));
    }
    return invoke_once(loop, spec, std::move(environment_options), std::move(event), options);
}

} // namespace lambda_local::runtime
