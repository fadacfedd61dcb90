// `lambda-local test`: run the cases of test files against their functions, as CI does.
#include "cmd/commands.hpp"
#include "runtime/testing/command.hpp"

#include <iostream>
#include <memory>

namespace lambda_local::cmd {

Runner add_test(CLI::App& app) {
    auto options = std::make_shared<runtime::testing::TestCommandOptions>();
    auto& o = *options;
    auto* sub = app.add_subcommand(
        "test", "Run the cases of test files (*.test.yaml, *.test.yml, *.test.json) against "
                "their functions");
    auto* paths = sub->add_option("paths", o.paths,
                                  "Test files, or folders searched recursively (default: .)");
    sub->add_option("-j,--jobs", o.jobs, "Files run at the same time")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub->add_flag("-u,--update", o.update_snapshots,
                  "Record the answers of 'snapshot: true' cases in <name>.snap.json files");
    sub->add_option("--junit", o.junit_path, "Write JUnit XML to FILE")->type_name("FILE");
    sub->add_option("-k,--filter", o.filter,
                    "Run only the cases whose name matches PATTERN (a regular expression)")
        ->type_name("PATTERN");
    auto* no_sandbox =
        sub->add_flag("--no-sandbox")
            ->description(
                "Run the handlers as plain processes: no namespaces, sandbox user or cgroup");
    add_network_option(sub, o.network);
    add_debug_option(sub, o.debug_port);
    add_layer_options(sub, nullptr, o.layer_options);
    add_logging_options(sub, o.logging);
    auto* quiet =
        sub->add_flag("-q,--quiet")->description("Show only failing cases and the summary");
    auto* verbose = sub->add_flag("-v,--verbose")->description("Show every case's log");
    quiet->excludes(verbose);
    sub->footer("Exit status: 0 every case passed, 1 a case failed, 2 a broken test file (named "
                "with its line) or a usage error, 130 interrupted. Format: docs/testing.md.");

    return [options, paths, no_sandbox, quiet, verbose]() {
        auto& o = *options;
        if (paths->count() == 0) {
            o.paths = {"."};
        }
        o.sandbox = no_sandbox->count() == 0;
        o.detail = quiet->count() > 0     ? runtime::testing::Detail::Quiet
                   : verbose->count() > 0 ? runtime::testing::Detail::Verbose
                                          : runtime::testing::Detail::Normal;
        o.runtime_api = runtime_api_host_factory();
        o.token_authorizers = token_authorizers();
        return runtime::testing::run_test_command(o, std::cout, std::cerr);
    };
}

} // namespace lambda_local::cmd
