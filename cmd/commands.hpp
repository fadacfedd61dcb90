// The subcommands of lambda-local: each registers its options and returns its runner.
#pragma once

#include "runtime/logging_config.hpp"
#include "runtime/outbound_network.hpp"

#include <CLI/CLI.hpp>

#include <functional>

namespace lambda_local::cmd {

// Runs a parsed subcommand and returns the process exit status.
using Runner = std::function<int()>;

Runner add_invoke(CLI::App& app);
Runner add_doctor(CLI::App& app);
Runner add_generate_event(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_package(CLI::App& app);
Runner add_test(CLI::App& app);

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
