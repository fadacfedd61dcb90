// lambda-local: run AWS Lambda functions (native .so handlers) locally.
#include "cmd/commands.hpp"
#include "runtime/invoke.hpp"
#include "runtime/util/error.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    using namespace lambda_local;
    // A closed stdout or stderr (`| head`) must not kill lambda-local before it
    // has ended its execution environments.
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"lambda-local: run AWS Lambda functions (native .so handlers) locally, "
                 "in a sandboxed execution environment",
                 "lambda-local"};
    app.set_version_flag("--version", LAMBDA_LOCAL_VERSION);
    app.require_subcommand(1);
    // The subcommands. Building CLI11's options costs start-up time (part of every cold
    // `invoke`): when argv names a subcommand, only that one is registered.
    struct Subcommand {
        const char* name;
        cmd::Runner (*add)(CLI::App&);
    };
    const Subcommand subcommands[] = {
        {"invoke", cmd::add_invoke},   {"serve", cmd::add_serve},
        {"test", cmd::add_test},       {"generate-event", cmd::add_generate_event},
        {"package", cmd::add_package}, {"doctor", cmd::add_doctor},
    };
    const Subcommand* named = nullptr;
    for (const auto& subcommand : subcommands) {
        if (argc > 1 && std::strcmp(argv[1], subcommand.name) == 0) {
            named = &subcommand;
        }
    }
    std::vector<std::pair<std::string, cmd::Runner>> runners;
    for (const auto& subcommand : subcommands) {
        if (named == nullptr || named == &subcommand) {
            runners.emplace_back(subcommand.name, subcommand.add(app));
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "lambda-local: error: %s\nRun 'lambda-local --help' for usage.\n",
                     e.what());
        return runtime::k_exit_usage;
    }
    try {
        for (auto& [name, run] : runners) {
            if (app.got_subcommand(name)) {
                return run();
            }
        }
        return runtime::k_exit_usage;
    } catch (const runtime::runtime_api::NeedsRuntimeApi&) {
#if LL_SERVES_HTTP
        std::fprintf(stderr, "lambda-local: error: internal: no Runtime API host\n");
        return runtime::k_exit_usage;
#else
        // serve, or a custom runtime: the executable with an HTTP stack runs the command.
        try {
            cmd::run_in_serve_executable(argv);
        } catch (const Error& e) {
            std::fprintf(stderr, "lambda-local: error: %s\n", e.what());
        }
        return runtime::k_exit_usage;
#endif
    } catch (const Error& e) {
        std::fprintf(stderr, "lambda-local: error: %s\n", e.what());
        return runtime::k_exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambda-local: error: internal: %s\n", e.what());
        return runtime::k_exit_usage;
    }
}
