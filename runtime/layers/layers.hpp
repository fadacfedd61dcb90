// A function's layers: from what its configuration names (folders, zips, ARNs) to the folders
// an execution environment lays into /opt, within Lambda's limits.
#pragma once

#include "runtime/function_spec.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace lambda_local::runtime::layers {

// How layers are found on this machine.
struct LayerOptions {
    // A published layer's ARN → a local folder or .zip of its content (--layer-map). A key
    // without the version (arn:...:layer:name) stands for every version.
    std::map<std::string, std::string, std::less<>> arn_map;
    // Where zip layers are extracted; "" means LayerCache::default_root().
    std::string cache_dir;
};

// Whether a layer, as configured, is a published layer's ARN ("arn:aws:lambda:...:layer:...")
// rather than a local path.
bool is_layer_arn(std::string_view text);

// Adds one `--layer-map ARN=PATH` to `options` (PATH made absolute). Throws
// lambda_local::Error for another shape or an ARN that names no layer.
void add_layer_mapping(LayerOptions& options, std::string_view text);

// Turns spec.layers (each a folder, a .zip or an ARN, as configured) into the folders laid
// into /opt, in the same order: an ARN through options.arn_map, a zip extracted into the layer
// cache (once per content, bounded by the limit below), a folder as it is. Checks Lambda's
// limits: at most 5 layers, and the code directory and the layers at most 250 MB unzipped
// together, before anything is extracted past it. Throws lambda_local::Error "function
// '<name>': ..." for a missing folder or zip, an unmapped ARN, a limit passed or a zip refused
// (layer_cache.hpp). A function without layers is left as it is.
void prepare_layers(FunctionSpec& spec, const LayerOptions& options);

// The bytes of the regular files under `dir` (symbolic links are not followed), counting
// stops once past `stop_after`. Throws lambda_local::Error for folders nested more than 256
// deep.
std::uint64_t directory_size(const std::string& dir, std::uint64_t stop_after);

// The test seam for how the worker lays layers (docs/sandbox.md): the value of
// $LAMBDA_LOCAL_LAYER_MOUNT, "" when unset.
std::string layer_mount_override();

} // namespace lambda_local::runtime::layers
