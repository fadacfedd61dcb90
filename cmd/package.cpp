// `lambda-local package`: options of the deployable zip of one handler library.
#include "runtime/deploy/package.hpp"
#include "cmd/commands.hpp"
#include "runtime/function_spec.hpp"

#include <cstdio>
#include <memory>

namespace lambda_local::cmd {

Runner add_package(CLI::App& app) {
    auto options = std::make_shared<runtime::deploy::PackageOptions>();
    auto& o = *options;
    auto* sub = app.add_subcommand(
        "package", "Build the zip that deploys a handler library to AWS Lambda (provided.al2023)");
    sub->add_option("-l,--library", o.library, "The handler library (.so)")->required();
    sub->add_option("-H,--handler", o.handler, "The handler symbol")->capture_default_str();
    sub->add_option("-o,--output", o.output, "The zip to write")->capture_default_str();
    sub->add_option("--target", o.target, "The Lambda runtime: provided.al2023 or provided.al2")
        ->check(CLI::IsMember(runtime::deploy::target_runtime_names()))
        ->capture_default_str();
    sub->add_option("--arch", o.arch,
                    "The function's architecture: x86_64 or arm64 (default: the library's)")
        ->check(CLI::IsMember({"x86_64", "arm64"}));
    sub->add_flag("--force", o.force,
                  "Write the zip even when the library would not load on the target");
    sub->add_option("--function-name", o.function_name,
                    "The name in the printed deploy commands (default: from the library's file "
                    "name)");
    sub->add_option("--bootstrap-from", o.bootstrap,
                    "The bootstrap executable to ship (default: lambda-local-bootstrap beside "
                    "lambda-local)");
    sub->footer("The zip holds bootstrap, the library and, under lib/, the libraries it needs "
                "that the target's base system lacks. Exit status: 0 written, 2 refused (the "
                "library or the bootstrap would not load on the target) or a usage error.");

    return [options]() {
        auto& o = *options;
        if (o.function_name.empty()) {
            o.function_name = runtime::function_name_from_library(o.library);
        }
        runtime::deploy::PackageResult result = runtime::deploy::build_package(o);
        std::string text = runtime::deploy::format_package(o, result);
        std::fputs(text.c_str(), stdout);
        return 0;
    };
}

} // namespace lambda_local::cmd
