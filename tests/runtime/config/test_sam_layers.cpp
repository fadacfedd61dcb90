// Tests of SAM templates' layers: Layers on functions and in Globals, the two layer resource
// types, ARNs, and errors at their lines.
#include "runtime/config/sam_layers.hpp"

#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::config::sam_layers_tests {
namespace {

using testing::ConfigDir;
using testing::function_named;

Project load(const ConfigDir& dir, const std::string& text) {
    return testing::load_text(dir, "template.yaml", text, testing::load_sam);
}

// The error of loading `text` as <dir>/template.yaml, without the directory.
std::string load_error(const ConfigDir& dir, const std::string& text) {
    std::string message = testing::error_of([&] { load(dir, text); });
    std::string prefix = dir.path() + "/";
    return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

// Two layer resources (a folder and a zip) beside one function `Fn` with `layers`.
std::string template_with(const std::string& layers, const std::string& globals = "") {
    return globals +
           "Resources:\n"
           "  Fn:\n"
           "    Type: AWS::Serverless::Function\n"
           "    Properties:\n"
           "      Handler: libfn.so:handle\n" +
           layers +
           "  SharedLayer:\n"
           "    Type: AWS::Serverless::LayerVersion\n"
           "    Properties:\n"
           "      ContentUri: layers/shared/\n"
           "  ZippedLayer:\n"
           "    Type: AWS::Lambda::LayerVersion\n"
           "    Properties:\n"
           "      Content: dist/zipped.zip\n";
}

void make_layers(const ConfigDir& dir) {
    dir.write("layers/shared/lib/libx.so", "x");
    dir.write("dist/zipped.zip", "zip");
}

} // namespace

TEST_SUITE_BEGIN("runtime::config::SamLayers");

TEST_CASE("a function's Layers name layer resources of the template, in order") {
    ConfigDir dir;
    make_layers(dir);
    Project project = load(dir, template_with("      Layers:\n"
                                              "        - !Ref ZippedLayer\n"
                                              "        - Ref: SharedLayer\n"));
    CHECK(function_named(project, "Fn").spec.layers ==
          std::vector<std::string>{dir.path() + "/dist/zipped.zip", dir.path() + "/layers/shared"});
}

TEST_CASE("Globals' Layers come before the function's own") {
    ConfigDir dir;
    make_layers(dir);
    Project project = load(dir, template_with("      Layers: [!Ref ZippedLayer]\n",
                                              "Globals:\n"
                                              "  Function:\n"
                                              "    Layers:\n"
                                              "      - !Ref SharedLayer\n"));
    CHECK(function_named(project, "Fn").spec.layers ==
          std::vector<std::string>{dir.path() + "/layers/shared", dir.path() + "/dist/zipped.zip"});
}

TEST_CASE("a layer ARN is kept, for --layer-map, also from a parameter") {
    ConfigDir dir;
    make_layers(dir);
    Project project = load(dir, "Parameters:\n"
                                "  SdkLayer:\n"
                                "    Type: String\n"
                                "    Default: arn:aws:lambda:us-east-1:123456789012:layer:sdk:4\n" +
                                    template_with("      Layers:\n"
                                                  "        - !Ref SdkLayer\n"
                                                  "        - !Sub arn:aws:lambda:${AWS::Region}:"
                                                  "111122223333:layer:tools:2\n"));
    CHECK(function_named(project, "Fn").spec.layers ==
          std::vector<std::string>{"arn:aws:lambda:us-east-1:123456789012:layer:sdk:4",
                                   "arn:aws:lambda:us-east-1:111122223333:layer:tools:2"});
}

TEST_CASE("a provided runtime without a bootstrap in its code runs a layer's /opt/bootstrap") {
    ConfigDir dir;
    make_layers(dir);
    Project project = load(dir, "Resources:\n"
                                "  Fn:\n"
                                "    Type: AWS::Serverless::Function\n"
                                "    Properties:\n"
                                "      Handler: index.handler\n"
                                "      Runtime: provided.al2023\n"
                                "      Layers: [!Ref SharedLayer]\n"
                                "  SharedLayer:\n"
                                "    Type: AWS::Serverless::LayerVersion\n"
                                "    Properties:\n"
                                "      ContentUri: layers/shared\n");
    const FunctionSpec& spec = function_named(project, "Fn").spec;
    CHECK(spec.bootstrap == "/opt/bootstrap");
    CHECK(spec.handler == "index.handler");
    CHECK(spec.code_dir == dir.path());
}

TEST_CASE("layer errors name the file and the line") {
    ConfigDir dir;
    make_layers(dir);
    SUBCASE("an S3 ContentUri") {
        CHECK(load_error(dir, "Resources:\n"
                              "  Fn:\n"
                              "    Type: AWS::Serverless::Function\n"
                              "    Properties:\n"
                              "      Handler: libfn.so:handle\n"
                              "      Layers: [!Ref S3Layer]\n"
                              "  S3Layer:\n"
                              "    Type: AWS::Serverless::LayerVersion\n"
                              "    Properties:\n"
                              "      ContentUri:\n"
                              "        Bucket: b\n"
                              "        Key: k\n") ==
              "template.yaml:11: ContentUri of layer 'S3Layer' must be a local folder or .zip "
              "(lambda-local does not read S3 locations)");
    }
    SUBCASE("a folder that is not there") {
        CHECK(load_error(dir, "Resources:\n"
                              "  Fn:\n"
                              "    Type: AWS::Serverless::Function\n"
                              "    Properties:\n"
                              "      Handler: libfn.so:handle\n"
                              "      Layers: [!Ref Gone]\n"
                              "  Gone:\n"
                              "    Type: AWS::Serverless::LayerVersion\n"
                              "    Properties:\n"
                              "      ContentUri: layers/gone\n") ==
              "template.yaml:10: ContentUri 'layers/gone' of layer 'Gone' does not exist (" +
                  dir.path() + "/layers/gone)");
    }
    SUBCASE("neither a layer nor an ARN") {
        CHECK(load_error(dir, template_with("      Layers:\n"
                                            "        - Fn\n")) ==
              "template.yaml:7: Layers item 'Fn' is neither a layer of this template "
              "(AWS::Serverless::LayerVersion or AWS::Lambda::LayerVersion) nor a layer ARN");
    }
    SUBCASE("more than five") {
        CHECK(load_error(dir, template_with("      Layers: [!Ref SharedLayer, !Ref SharedLayer, "
                                            "!Ref SharedLayer, !Ref SharedLayer, !Ref "
                                            "SharedLayer, !Ref SharedLayer]\n")) ==
              "template.yaml:6: Layers: 6 layers, and Lambda allows at most 5");
    }
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config::sam_layers_tests
