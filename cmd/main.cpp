// lambda-local: run AWS Lambda functions (native .so handlers) locally.
#include "cmd/commands.hpp"
#include "runtime/invoke.hpp"
#include "runtime/util/error.hpp"

#include <csignal>
#include <cstdio>
#include <exception>

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
    cmd::Runner invoke = cmd::add_invoke(app);
    cmd::Runner serve = cmd::add_serve(app);
    cmd::Runner doctor = cmd::add_doctor(app);
    cmd::Runner generate_event = cmd::add_generate_event(app);
    cmd::Runner package = cmd::add_package(app);
    cmd::Runner test = cmd::add_test(app);
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
        if (app.got_subcommand("invoke")) {
            return invoke();
        }
        if (app.got_subcommand("serve")) {
            return serve();
        }
        if (app.got_subcommand("generate-event")) {
            return generate_event();
        }
        if (app.got_subcommand("package")) {
            return package();
        }
        if (app.got_subcommand("test")) {
            return test();
        }
        return doctor();
    } catch (const Error& e) {
        std::fprintf(stderr, "lambda-local: error: %s\n", e.what());
        return runtime::k_exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambda-local: error: internal: %s\n", e.what());
        return runtime::k_exit_usage;
    }
}
