// Tests of serverless.yml's layers: the layers section, {Ref: NameLambdaLayer}, ARNs.
#include "runtime/config/serverless_layers.hpp"

#include "runtime/config/serverless.hpp"
#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::config::serverless_layers_tests {
namespace {

using testing::ConfigDir;
using testing::function_named;

Project load_file(const std::string& path, const ProjectOptions& options) {
    return load_serverless(path, options);
}

Project load(const ConfigDir& dir, const std::string& text) {
    return testing::load_text(dir, "serverless.yml", text, load_file);
}

std::string load_error(const ConfigDir& dir, const std::string& text) {
    std::string message = testing::error_of([&] { load(dir, text); });
    std::string prefix = dir.path() + "/";
    return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

// A service whose layers section defines `common-libs` (a folder) and `tools` (a zip), and one
// function `fn` with `function_layers` (indented by 4).
std::string service(const std::string& function_layers, const std::string& provider = "") {
    return "service: shop\n"
           "provider:\n"
           "  name: aws\n" +
           provider +
           "layers:\n"
           "  common-libs:\n"
           "    path: layers/common\n"
           "  tools:\n"
           "    package:\n"
           "      artifact: dist/tools.zip\n"
           "functions:\n"
           "  fn:\n"
           "    handler: libfn.so:handle\n" +
           function_layers;
}

void make_layers(const ConfigDir& dir) {
    dir.write("layers/common/lib/liba.so", "a");
    dir.write("dist/tools.zip", "zip");
}

} // namespace

TEST_SUITE_BEGIN("runtime::config::ServerlessLayers");

TEST_CASE("a layer's logical id is its name made CloudFormation's way, then LambdaLayer") {
    CHECK(serverless_layer_logical_id("sharp") == "SharpLambdaLayer");
    CHECK(serverless_layer_logical_id("my-layer") == "MyDashlayerLambdaLayer");
    CHECK(serverless_layer_logical_id("common_libs") == "CommonUnderscorelibsLambdaLayer");
}

TEST_CASE("a function's layers are Refs of the layers section and ARNs, in order") {
    ConfigDir dir;
    make_layers(dir);
    Project project = load(dir, service("    layers:\n"
                                        "      - {Ref: ToolsLambdaLayer}\n"
                                        "      - arn:aws:lambda:us-east-1:123456789012:layer:x:1\n"
                                        "      - Ref: CommonDashlibsLambdaLayer\n"));
    CHECK(function_named(project, "fn").spec.layers ==
          std::vector<std::string>{dir.path() + "/dist/tools.zip",
                                   "arn:aws:lambda:us-east-1:123456789012:layer:x:1",
                                   dir.path() + "/layers/common"});
}

TEST_CASE("the provider's layers apply to a function without its own") {
    ConfigDir dir;
    make_layers(dir);
    Project project = load(dir, service("", "  layers:\n    - Ref: CommonDashlibsLambdaLayer\n"));
    CHECK(function_named(project, "fn").spec.layers ==
          std::vector<std::string>{dir.path() + "/layers/common"});
}

TEST_CASE("serverless.yml layer errors name the file and the line") {
    ConfigDir dir;
    make_layers(dir);
    SUBCASE("a Ref to no layer") {
        CHECK(load_error(dir, service("    layers:\n      - Ref: NopeLambdaLayer\n")) ==
              "serverless.yml:14: Ref 'NopeLambdaLayer' names no layer of this file's layers: "
              "(CommonDashlibsLambdaLayer, ToolsLambdaLayer)");
    }
    SUBCASE("a plain name") {
        CHECK(load_error(dir, service("    layers:\n      - common-libs\n")) ==
              "serverless.yml:14: layer 'common-libs' is neither {Ref: NameLambdaLayer} nor a "
              "layer ARN");
    }
    SUBCASE("a layer without a path") {
        CHECK(load_error(dir, "service: s\n"
                              "layers:\n"
                              "  empty:\n"
                              "    description: nothing\n"
                              "functions:\n"
                              "  fn:\n"
                              "    handler: libfn.so\n") ==
              "serverless.yml:3: layer 'empty' needs a path (its folder) or a package.artifact "
              "(its .zip)");
    }
    SUBCASE("a path that is not there") {
        CHECK(load_error(dir, "service: s\n"
                              "layers:\n"
                              "  gone:\n"
                              "    path: nowhere\n"
                              "functions:\n"
                              "  fn:\n"
                              "    handler: libfn.so\n") ==
              "serverless.yml:4: layer 'gone': nowhere does not exist (" + dir.path() +
                  "/nowhere)");
    }
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config::serverless_layers_tests
