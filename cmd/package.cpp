// `lambda-local package`: options of the deployable zip of a handler library, or of a layer.
#include "runtime/deploy/package.hpp"
#include "cmd/commands.hpp"
#include "runtime/deploy/layer_package.hpp"
#include "runtime/function_spec.hpp"
#include "runtime/util/error.hpp"

#include <cstdio>
#include <memory>

namespace lambda_local::cmd {

Runner add_package(CLI::App& app) {
    auto options = std::make_shared<runtime::deploy::PackageOptions>();
    auto layer = std::make_shared<runtime::deploy::LayerPackageOptions>();
    auto& o = *options;
    auto* sub = app.add_subcommand(
        "package", "Build the zip that deploys a handler library to AWS Lambda (provided.al2023), "
                   "or a layer's zip (--layer)");
    auto* library = sub->add_option("-l,--library", o.library, "The handler library (.so)");
    auto* layer_option =
        sub->add_option("--layer", layer->folder,
                        "Package this folder as a layer instead: its files go into /opt (lib/, "
                        "bin/, bootstrap, ...); every ELF file in it is checked")
            ->type_name("DIR")
            ->excludes(library);
    sub->add_option("--layer-name", layer->layer_name,
                    "With --layer: the name in the printed publish commands (default: the "
                    "folder's name)")
        ->needs(layer_option);
    sub->add_option("-H,--handler", o.handler, "The handler symbol")
        ->capture_default_str()
        ->excludes(layer_option);
    auto* output = sub->add_option("-o,--output", o.output,
                                   "The zip to write (default: function.zip, or layer.zip with "
                                   "--layer)");
    sub->add_option("--target", o.target, "The Lambda runtime: provided.al2023 or provided.al2")
        ->check(CLI::IsMember(runtime::deploy::target_runtime_names()))
        ->capture_default_str();
    sub->add_option("--arch", o.arch,
                    "The function's architecture: x86_64 or arm64 (default: the library's, or the "
                    "layer's ELF files')")
        ->check(CLI::IsMember({"x86_64", "arm64"}));
    sub->add_flag("--force", o.force,
                  "Write the zip even when the code would not load on the target");
    sub->add_option("--function-name", o.function_name,
                    "The name in the printed deploy commands (default: from the library's file "
                    "name)")
        ->excludes(layer_option);
    sub->add_option("--bootstrap-from", o.bootstrap,
                    "The bootstrap executable to ship (default: lambda-local-bootstrap beside "
                    "lambda-local)")
        ->excludes(layer_option);
    sub->footer("The zip holds bootstrap, the library and, under lib/, the libraries it needs "
                "that the target's base system lacks; with --layer, the folder's files. Exit "
                "status: 0 written, 2 refused (the code would not load on the target) or a usage "
                "error.");

    return [options, layer, layer_option, output]() {
        auto& o = *options;
        if (layer_option->count() > 0) {
            auto& l = *layer;
            l.target = o.target;
            l.arch = o.arch;
            l.force = o.force;
            if (output->count() > 0) {
                l.output = o.output;
            }
            runtime::deploy::LayerPackageResult result = runtime::deploy::build_layer_package(l);
            std::string text = runtime::deploy::format_layer_package(l, result);
            std::fputs(text.c_str(), stdout);
            return 0;
        }
        if (o.library.empty()) {
            throw Error("package needs -l/--library (a handler library) or --layer DIR (a layer)");
        }
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
