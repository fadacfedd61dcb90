// The subcommands of lambda-local: each registers its options and returns its runner.
#pragma once

#include "runtime/debugger/debug_port.hpp"
#include "runtime/execution/outbound_network.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/logs/logging_config.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/testing/case_authorizers.hpp"
#include "runtime/util/error.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::cmd {

// Runs a parsed subcommand and returns the process exit status.
using Runner = std::function<int()>;

Runner add_invoke(CLI::App& app);
Runner add_doctor(CLI::App& app);
Runner add_generate_event(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_package(CLI::App& app);
Runner add_test(CLI::App& app);

// What serves custom runtimes their Runtime API: an HTTP server on the command's loop in
// lambda-local-serve; nothing in lambda-local, which hands such commands over to it.
runtime::runtime_api::HostFactory runtime_api_host_factory();

// What verifies the tokens of JWT and Cognito authorizers in `lambda-local test`: runtime/auth
// in lambda-local-serve; nothing in lambda-local, which does not link libcrypto and hands such
// test runs over to lambda-local-serve.
runtime::testing::TokenAuthorizers token_authorizers();

// Replaces this process with lambda-local-serve (beside this executable, or in
// ../libexec/lambda-local/) running the same command line. Returns only when it cannot.
void run_in_serve_executable(char** argv);

// `--network host|isolated`, for the commands that start execution environments.
inline CLI::Option* add_network_option(CLI::App* sub, runtime::NetworkMode& mode) {
    return sub
        ->add_option_function<std::string>(
            "--network",
            [&mode](const std::string& value) { runtime::parse_network_mode(value, mode); },
            "host (default): the host's network, its loopback included; isolated: each "
            "environment its own network namespace, outbound traffic through pasta (passt), "
            "the host's loopback out of reach")
        ->check(CLI::IsMember({"host", "isolated"}))
        ->type_name("MODE");
}

// `--debug [PORT]`: the handler process under gdbserver, reached on 127.0.0.1:PORT (default
// 1234, 0 any free port), stopped before the function's init (docs/debugging.md).
inline CLI::Option* add_debug_option(CLI::App* sub, std::optional<int>& port) {
    return sub
        ->add_option_function<std::string>(
            "--debug",
            [&port](const std::string& value) {
                if (value.empty()) {
                    port = runtime::debugger::k_default_debug_port;
                    return;
                }
                std::size_t used = 0;
                int number = -1;
                try {
                    number = std::stoi(value, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                if (used != value.size() || number < 0 || number > 65535) {
                    throw CLI::ValidationError(
                        "--debug", "PORT must be a number from 0 to 65535, not '" + value +
                                       "' (put a function's name before --debug, or write "
                                       "--debug=PORT)");
                }
                port = number;
            },
            "Run the handler process under gdbserver, stopped before its init, for a debugger "
            "on 127.0.0.1:PORT (default 1234); its timeout is suspended while one is attached")
        ->expected(0, 1)
        ->type_name("[PORT]");
}

// `--layer DIR|ZIP` (repeatable, into `layers`) unless `layers` is null, and `--layer-map
// ARN=PATH` (repeatable), for the commands that start execution environments.
inline void add_layer_options(CLI::App* sub, std::vector<std::string>* layers,
                              runtime::layers::LayerOptions& options) {
    if (layers != nullptr) {
        sub->add_option("--layer", *layers,
                        "A layer laid into /opt: a folder or a .zip of its content, or a layer "
                        "ARN mapped with --layer-map (repeatable, in order, at most 5)")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
            ->type_name("DIR|ZIP");
    }
    sub->add_option_function<std::vector<std::string>>(
           "--layer-map",
           [&options](const std::vector<std::string>& values) {
               for (const std::string& value : values) {
                   try {
                       runtime::layers::add_layer_mapping(options, value);
                   } catch (const Error& e) {
                       throw CLI::ValidationError(e.what());
                   }
               }
           },
           "Use a local folder or .zip for a published layer: ARN=PATH (repeatable; an ARN "
           "without its version maps every version)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("ARN=PATH");
}

// --log-format, --log-level and --system-log-level: a function's LoggingConfig, replaced.
inline void add_logging_options(CLI::App* sub, runtime::LoggingOverrides& overrides) {
    sub->add_option_function<std::string>(
           "--log-format",
           [&overrides](const std::string& value) {
               overrides.format = runtime::parse_log_format(value);
           },
           "Text (default) or JSON: Lambda's log format, LoggingConfig.LogFormat")
        ->check(CLI::IsMember({"Text", "JSON"}, CLI::ignore_case))
        ->type_name("FORMAT");
    sub->add_option_function<std::string>(
           "--log-level",
           [&overrides](const std::string& value) {
               overrides.application_level = runtime::parse_application_log_level(value);
           },
           "With JSON: the function's lines below this level are dropped, TRACE, DEBUG, INFO "
           "(default), WARN, ERROR or FATAL (ApplicationLogLevel)")
        ->check(
            CLI::IsMember({"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}, CLI::ignore_case))
        ->type_name("LEVEL");
    sub->add_option_function<std::string>(
           "--system-log-level",
           [&overrides](const std::string& value) {
               overrides.system_level = runtime::parse_system_log_level(value);
           },
           "With JSON: the platform's records below this level are dropped, DEBUG, INFO "
           "(default) or WARN (SystemLogLevel)")
        ->check(CLI::IsMember({"DEBUG", "INFO", "WARN"}, CLI::ignore_case))
        ->type_name("LEVEL");
}

} // namespace lambda_local::cmd
