// Resolving a SAM function's Layers to folders, zips and ARNs.
#include "runtime/config/sam_layers.hpp"

#include "runtime/function_spec.hpp"
#include "runtime/layers/layers.hpp"

#include <system_error>

namespace lambda_local::runtime::config {
namespace {

namespace fs = std::filesystem;

// The local folder or zip a layer resource holds, absolute.
std::string layer_content(const Intrinsics& values, const Entry& resource, const std::string& type,
                          const fs::path& template_dir, const YAML::Node& used_at) {
    const YamlDocument& doc = values.document();
    const std::string& id = resource.key.Scalar();
    if (std::optional<YAML::Node> condition = find(resource.value, "Condition")) {
        std::optional<std::string> name = values.text(*condition, "Condition");
        if (name && !values.condition(*name, condition->Mark())) {
            throw doc.error(used_at, "Layers names '" + id + "', which its Condition leaves out");
        }
    }
    const char* key = type == k_serverless_layer_type ? "ContentUri" : "Content";
    std::optional<YAML::Node> properties = find(resource.value, "Properties");
    std::optional<YAML::Node> content =
        properties ? find(*properties, key) : std::optional<YAML::Node>();
    if (content) {
        content = values.select(*content);
    }
    if (!content) {
        throw doc.error(resource.key, "layer '" + id + "' (" + type + ") has no " + key);
    }
    std::optional<std::string> text = content->IsMap() ? std::nullopt : values.text(*content, key);
    if (!text || text->starts_with("s3://") || text->empty()) {
        throw doc.error(*content, std::string(key) + " of layer '" + id +
                                      "' must be a local folder or .zip (lambda-local does not "
                                      "read S3 locations)");
    }
    fs::path path = (template_dir / *text).lexically_normal();
    std::error_code error;
    if (!fs::exists(path, error)) {
        throw doc.error(*content, std::string(key) + " '" + *text + "' of layer '" + id +
                                      "' does not exist (" + path.string() + ")");
    }
    std::string absolute = path.string();
    if (absolute.size() > 1 && absolute.back() == '/') {
        absolute.pop_back();
    }
    return absolute;
}

// One item of Layers: a layer of the template (by its logical id) or an ARN.
std::string layer_item(const Intrinsics& values, const std::string& text, const YAML::Node& at,
                       const fs::path& template_dir) {
    std::string type = values.resource_type(text);
    if (type == k_serverless_layer_type || type == k_lambda_layer_type) {
        return layer_content(values, *values.resource(text), type, template_dir, at);
    }
    if (layers::is_layer_arn(text)) {
        return text;
    }
    throw values.document().error(
        at, "Layers item '" + text + "' is neither a layer of this template (" +
                k_serverless_layer_type + " or " + k_lambda_layer_type + ") nor a layer ARN");
}

} // namespace

std::vector<std::string> read_sam_layers(const Intrinsics& values, const YAML::Node& globals,
                                         const YAML::Node& properties,
                                         const fs::path& template_dir) {
    std::vector<std::string> layers;
    std::optional<YAML::Node> last;
    for (const YAML::Node& source : {globals, properties}) {
        std::optional<YAML::Node> written = find(source, "Layers");
        std::optional<YAML::Node> list = written ? values.select(*written) : std::nullopt;
        if (!list || list->IsNull()) {
            continue;
        }
        last = list;
        if (list->IsSequence()) {
            for (const YAML::Node& item : *list) {
                std::optional<YAML::Node> chosen = values.select(item);
                std::optional<std::string> text =
                    chosen ? values.text(*chosen, "Layers item") : std::nullopt;
                if (text) {
                    layers.push_back(layer_item(values, *text, item, template_dir));
                }
            }
        } else {
            // An intrinsic that gives a list: a List<String> parameter, Fn::Split, ...
            for (const std::string& text : values.list(*list, "Layers")) {
                layers.push_back(layer_item(values, text, *list, template_dir));
            }
        }
    }
    if (layers.size() > k_max_layers) {
        throw values.document().error(*last, "Layers: " + std::to_string(layers.size()) +
                                                 " layers, and Lambda allows at most " +
                                                 std::to_string(k_max_layers));
    }
    return layers;
}

} // namespace lambda_local::runtime::config
