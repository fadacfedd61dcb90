// The `test` command's work: discovery, loading, the run, the reports, the exit status.
#include "runtime/testing/command.hpp"

#include "runtime/debugger/debug_hints.hpp"
#include "runtime/execution/execution_environment.hpp"
#include "runtime/function/lambda_variables.hpp"
#include "runtime/testing/discovery.hpp"
#include "runtime/testing/junit.hpp"
#include "runtime/testing/runner.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/interrupt.hpp"

#include <algorithm>

namespace lambda_local::runtime::testing {

int run_test_command(const TestCommandOptions& options, std::ostream& out, std::ostream& err) {
    RunOptions run_options;
    run_options.jobs = options.jobs;
    run_options.update_snapshots = options.update_snapshots;
    if (!options.filter.empty()) {
        try {
            run_options.filter = std::regex(options.filter, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            throw Error("--filter '" + options.filter +
                        "' is not a valid regular expression: " + e.what());
        }
    }
    if (options.jobs == 0) {
        throw Error("-j must be at least 1");
    }

    const std::vector<std::string> paths = find_test_files(options.paths);
    std::vector<TestFile> files;
    std::size_t broken = 0;
    for (const std::string& path : paths) {
        try {
            TestFile file = load_test_file(path);
            try {
                layers::prepare_layers(file.function, options.layer_options);
                if (file.http && file.runs_authorizers) {
                    for (FunctionSpec& authorizer : file.http->authorizer_functions) {
                        layers::prepare_layers(authorizer, options.layer_options);
                    }
                }
            } catch (const Error& e) {
                throw Error(path + ": " + e.what());
            }
            files.push_back(std::move(file));
        } catch (const Error& e) {
            err << "lambda-local: error: " << e.what() << "\n";
            ++broken;
        }
    }
    if (broken > 0) {
        err.flush();
        return k_exit_broken;
    }
    for (TestFile& file : files) {
        if (!file.own_logging) {
            try {
                file.function.logging = apply_overrides(file.function.logging, options.logging);
            } catch (const Error& e) {
                throw Error(file.path + ": " + e.what());
            }
        }
    }
    std::size_t selected = 0;
    for (const TestFile& file : files) {
        for (const TestCase& test : file.cases) {
            selected += is_selected(run_options, test) ? 1 : 0;
        }
    }
    if (selected == 0) {
        throw Error("no case matches --filter '" + options.filter + "'");
    }

    // Files of custom runtimes need the Runtime API, and JWT authorizers the token
    // verification (libcrypto): the executable without an HTTP stack hands the whole command
    // over to the one with both (before anything ran).
    for (const TestFile& file : files) {
        bool custom_runtime = file.function.is_bootstrap();
        if (file.http && file.runs_authorizers) {
            for (const FunctionSpec& authorizer : file.http->authorizer_functions) {
                custom_runtime = custom_runtime || authorizer.is_bootstrap();
            }
        }
        if ((custom_runtime && !options.runtime_api) ||
            (needs_token_authorizers(file) && !options.token_authorizers)) {
            throw runtime_api::NeedsRuntimeApi();
        }
    }
    run_options.runtime_api = options.runtime_api;
    run_options.token_authorizers = options.token_authorizers;
    run_options.environment.worker_path = find_worker_executable();
    run_options.environment.sandbox = options.sandbox;
    run_options.environment.network = options.network;
    run_options.environment.host = current_host_environment(false);
    run_options.environment.cancel_fd = interrupt_fd();
    if (options.debug_port) {
        // One debugger at a time: the files' environments one after another.
        run_options.jobs = 1;
        run_options.environment.debug = debugger::DebugPort::open(*options.debug_port);
        std::vector<std::string> shown;
        for (const TestFile& file : files) {
            if (std::find(shown.begin(), shown.end(), file.function.name) != shown.end()) {
                continue;
            }
            shown.push_back(file.function.name);
            err << debugger::debug_banner(
                debugger::debug_target(file.function, run_options.environment.worker_path,
                                       run_options.environment.debug->port));
        }
        err.flush();
    }

    std::vector<std::string> names;
    for (const TestFile& file : files) {
        names.push_back(file.path);
    }
    ConsoleReporter reporter(out, err, options.detail, names);
    const RunResult run = run_test_files(files, run_options, reporter);
    if (run.interrupted) {
        reporter.finish(run);
        err << "lambda-local: interrupted\n";
        err.flush();
        return k_exit_test_interrupted;
    }
    if (!options.junit_path.empty()) {
        try {
            write_junit(options.junit_path, run);
        } catch (const Error&) {
            reporter.finish(run);
            throw;
        }
    }
    reporter.finish(run);
    return all_passed(run) ? k_exit_all_passed : k_exit_some_failed;
}

} // namespace lambda_local::runtime::testing
