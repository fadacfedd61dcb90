// The `invoke` command's work: resolve the function, run it once, print as Lambda logs.
#include "runtime/invoke.hpp"

#include "runtime/env_files.hpp"
#include "runtime/environment.hpp"
#include "runtime/execution_environment.hpp"
#include "runtime/report.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/interrupt.hpp"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>

namespace lambda_local::runtime {
namespace {

void write_all(int fd, const std::string& text) {
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, data, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
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

} // namespace

FunctionSpec resolve_function(const InvokeOptions& options) {
    FunctionSpec spec = options.function;
    if (spec.library.empty()) {
        throw Error("no function given: name its library with -l/--library PATH");
    }
    std::filesystem::path library = std::filesystem::absolute(spec.library).lexically_normal();
    spec.library = library.string();
    if (spec.code_dir.empty()) {
        spec.code_dir = library.parent_path().string();
    } else {
        spec.code_dir = std::filesystem::absolute(spec.code_dir).lexically_normal().string();
    }
    if (!options.function_name_given) {
        spec.name = function_name_from_library(spec.library);
    }
    validate(spec);
    EnvVars variables = spec.environment;
    if (!options.env_file.empty()) {
        merge(variables, read_dotenv_file(options.env_file));
    }
    if (!options.env_vars_file.empty()) {
        merge(variables, read_sam_env_vars_file(options.env_vars_file, spec.name));
    }
    for (const auto& assignment : options.env) {
        merge(variables, {parse_env_assignment(assignment)});
    }
    validate_function_variables(variables);
    spec.environment = std::move(variables);
    return spec;
}

int run_invoke(const InvokeOptions& options) {
    FunctionSpec spec = resolve_function(options);
    std::string event = load_event(options.event, std::cin);

    EnvironmentOptions environment_options;
    environment_options.worker_path = find_worker_executable();
    environment_options.sandbox = options.sandbox;
    environment_options.host = current_host_environment(options.inherit_env);
    environment_options.cancel_fd = interrupt_fd();
    ExecutionEnvironment environment(spec, std::move(environment_options));

    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = std::move(event);
    if (!options.quiet) {
        write_all(STDERR_FILENO, start_line(request.request_id));
    }
    InvocationResult result = environment.invoke(request);
    if (result.status == InvocationStatus::Cancelled) {
        write_all(STDERR_FILENO, "lambda-local: interrupted\n");
        return k_exit_interrupted;
    }
    if (!options.quiet) {
        std::string log;
        for (const auto& note : environment.sandbox_notes()) {
            log += "lambda-local: warning: sandbox: " + note + "\n";
        }
        for (const auto& line : result.log_lines) {
            log += line + "\n";
        }
        ReportFigures figures;
        figures.duration_ms = result.duration_ms;
        figures.memory_size_mb = spec.memory_mb;
        figures.max_memory_used_mb = result.max_memory_used_mb;
        figures.init_duration_ms = result.init_duration_ms;
        log += end_line(request.request_id);
        log += report_line(request.request_id, figures);
        write_all(STDERR_FILENO, log);
    }
    write_all(STDOUT_FILENO, result.payload);
    environment.shutdown();
    return result.ok() ? k_exit_success : k_exit_function_error;
}

} // namespace lambda_local::runtime
