// Lambda's environment variables (AWS: "Defined runtime environment variables").
#include "runtime/function/lambda_variables.hpp"

#include "runtime/function/quotas.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"

#include <algorithm>
#include <array>

extern char** environ;

namespace lambda_local::runtime {
namespace {

constexpr std::array k_reserved = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

constexpr std::array k_credentials = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                      "AWS_SESSION_TOKEN"};

bool valid_key(std::string_view key) {
    if (key.size() < 2) {
        return false;
    }
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!letter(key[0])) {
        return false;
    }
    for (char c : key) {
        if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') {
            return false;
        }
    }
    return true;
}

} // namespace

HostEnvironment current_host_environment(bool inherit) {
    HostEnvironment host;
    host.inherit = inherit;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto eq = text.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        host.variables.emplace_back(std::string(text.substr(0, eq)),
                                    std::string(text.substr(eq + 1)));
    }
    return host;
}

std::string new_log_stream_name(WallClock::time_point now) {
    return log_stream_date(now) + "/[$LATEST]" + random_hex(32);
}

bool is_reserved_variable(std::string_view name) {
    for (const char* reserved : k_reserved) {
        if (name == reserved) {
            return true;
        }
    }
    return false;
}

bool is_loader_variable(std::string_view name) {
    static constexpr std::array<std::string_view, 13> k_glibc_unsecure = {
        "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN",
        "LOCPATH",    "NIS_PATH",    "NLSPATH",        "RES_OPTIONS", "RESOLV_HOST_CONF",
        "TMPDIR",     "TZDIR",       "MALLOC_TRACE"};
    if (name == "LD_LIBRARY_PATH") {
        return false; // the worker's own libc comes first all the same (its DT_RPATH)
    }
    if (name.substr(0, 3) == "LD_" || name.substr(0, 7) == "MALLOC_") {
        return true;
    }
    return std::find(k_glibc_unsecure.begin(), k_glibc_unsecure.end(), name) !=
           k_glibc_unsecure.end();
}

void validate_function_variables(const EnvVars& variables) {
    std::size_t total = 0;
    for (const auto& [key, value] : variables) {
        if (is_reserved_variable(key)) {
            throw Error("environment variable " + key +
                        " is reserved by Lambda and cannot be set by a function" +
                        (key.rfind("AWS_", 0) == 0 && key.find("KEY") != std::string::npos
                             ? " (set it in the host environment: credentials are passed through)"
                             : ""));
        }
        if (!valid_key(key)) {
            throw Error("environment variable name '" + key +
                        "' is invalid: Lambda requires a letter, then letters, digits or '_' "
                        "(at least 2 characters)");
        }
        total += key.size() + value.size();
    }
    if (total > k_max_variables_bytes) {
        throw Error("the function's environment variables take " + std::to_string(total) +
                    " bytes; Lambda allows 4 KB in all");
    }
}

EnvVars build_lambda_environment(const FunctionSpec& spec, std::string_view log_stream_name,
                                 const HostEnvironment& host, std::string_view runtime_api) {
    EnvVars vars;
    if (host.inherit) {
        vars = host.variables;
    }
    const std::string& root = spec.code_dir;
    set_variable(vars, "_HANDLER", spec.handler_string());
    set_variable(vars, "AWS_REGION", spec.region);
    set_variable(vars, "AWS_DEFAULT_REGION", spec.region);
    set_variable(vars, "AWS_LAMBDA_FUNCTION_NAME", spec.name);
    set_variable(vars, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(spec.memory_mb));
    set_variable(vars, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    set_variable(vars, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    set_variable(vars, "AWS_LAMBDA_LOG_GROUP_NAME", spec.log_group_name());
    set_variable(vars, "AWS_LAMBDA_LOG_STREAM_NAME", std::string(log_stream_name));
    // As Lambda sets them from LoggingConfig: the format always, the application log level
    // with the JSON format (the only one levels apply to).
    set_variable(vars, "AWS_LAMBDA_LOG_FORMAT", std::string(log_format_name(spec.logging.format)));
    if (spec.logging.format == LogFormat::Json) {
        set_variable(vars, "AWS_LAMBDA_LOG_LEVEL",
                     std::string(log_level_name(spec.logging.application_level)));
    }
    set_variable(vars, "LAMBDA_TASK_ROOT", root);
    set_variable(vars, "LAMBDA_RUNTIME_DIR", "/var/runtime");
    if (!runtime_api.empty()) {
        set_variable(vars, "AWS_LAMBDA_RUNTIME_API", std::string(runtime_api));
    }
    set_variable(vars, "LANG", "en_US.UTF-8");
    set_variable(vars, "PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    set_variable(vars, "LD_LIBRARY_PATH",
                 "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:" + root + ":" +
                     root + "/lib:/opt/lib");
    set_variable(vars, "TZ", ":UTC");
    set_variable(vars, "AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
    set_variable(vars, "AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000");
    for (const char* name : k_credentials) {
        for (const auto& [key, value] : host.variables) {
            if (key == name) {
                set_variable(vars, key, value);
            }
        }
    }
    for (const auto& [key, value] : spec.environment) {
        set_variable(vars, key, value);
    }
    return vars;
}

} // namespace lambda_local::runtime
