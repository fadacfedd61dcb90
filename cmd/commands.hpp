// The subcommands of lambda-local: each registers its options and returns its runner.
#pragma once

#include "runtime/outbound_network.hpp"
#include "runtime/runtime_api/server.hpp"

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

// What serves custom runtimes their Runtime API: an HTTP server on the command's loop in
// lambda-local-serve; nothing in lambda-local, which hands such commands over to it.
runtime::runtime_api::HostFactory runtime_api_host_factory();

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

} // namespace lambda_local::cmd
