// The layers of a serverless.yml: the top-level `layers:` section and functions' `layers:`.
#pragma once

#include "runtime/config/serverless_variables.hpp"
#include "runtime/config/yaml_document.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::config {

// The CloudFormation logical id the Serverless Framework gives a layer of `layers:`:
// "my-layer" → "MyDashlayerLambdaLayer", "common_libs" → "CommonUnderscorelibsLambdaLayer".
std::string serverless_layer_logical_id(std::string_view name);

// The layers a serverless.yml defines, and a function's list resolved against them.
class ServerlessLayers {
  public:
    // Reads the top-level `layers:` of `root`: each `<name>: {path: DIR}` (a folder relative to
    // `dir`), or with `package: {artifact: ZIP}`. Throws lambda_local::Error at the line for a
    // layer without either, or one that does not exist.
    ServerlessLayers(const YamlDocument& doc, const ServerlessVariables& vars,
                     const YAML::Node& root, const std::filesystem::path& dir);

    // A function's `layers:` (or, without one, the provider's): each `{Ref: <id>LambdaLayer}`
    // of a layer above, or a layer ARN. Throws lambda_local::Error at the line for anything
    // else, or more than 5.
    std::vector<std::string> resolve(const YAML::Node& list) const;

  private:
    const YamlDocument& m_doc;
    const ServerlessVariables& m_vars;
    std::map<std::string, std::string, std::less<>> m_paths; // logical id → folder or zip
};

} // namespace lambda_local::runtime::config
