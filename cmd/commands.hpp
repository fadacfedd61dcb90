// The subcommands of lambda-local: each registers its options and returns its runner.
#pragma once

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

} // namespace lambda_local::cmd
