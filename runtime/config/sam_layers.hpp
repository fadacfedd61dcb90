// The layers of a SAM template's functions: Layers, and the layer resources it names.
#pragma once

#include "runtime/config/intrinsics.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace lambda_local::runtime::config {

// SAM's two layer resource types.
inline constexpr const char* k_serverless_layer_type = "AWS::Serverless::LayerVersion";
inline constexpr const char* k_lambda_layer_type = "AWS::Lambda::LayerVersion";

// A function's layers: Globals.Function.Layers, then the function's own Layers (SAM prepends a
// global list). Each item is a !Ref (or Ref:) of an AWS::Serverless::LayerVersion of the
// template, whose ContentUri is a folder or a .zip relative to the template; of an
// AWS::Lambda::LayerVersion, whose Content is one (as `sam build` reads it); or a layer ARN,
// kept as it is. Throws lambda_local::Error at the line: an S3 location, a missing folder or
// zip, a name that is neither a layer of the template nor an ARN, more than 5 layers.
std::vector<std::string> read_sam_layers(const Intrinsics& values, const YAML::Node& globals,
                                         const YAML::Node& properties,
                                         const std::filesystem::path& template_dir);

} // namespace lambda_local::runtime::config
