// serverless.yml layers: their logical ids, their content, and the references to them.
#include "runtime/config/serverless_layers.hpp"

#include "runtime/function_spec.hpp"
#include "runtime/layers/layers.hpp"

#include <cctype>
#include <system_error>

namespace lambda_local::runtime::config {
namespace {

namespace fs = std::filesystem;

} // namespace

std::string serverless_layer_logical_id(std::string_view name) {
    std::string id;
    for (char c : name) {
        id += c == '-'   ? std::string("Dash")
              : c == '_' ? std::string("Underscore")
                         : std::string(1, c);
    }
    if (!id.empty()) {
        id[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(id[0])));
    }
    return id + "LambdaLayer";
}

ServerlessLayers::ServerlessLayers(const YamlDocument& doc, const ServerlessVariables& vars,
                                   const YAML::Node& root, const fs::path& dir)
    : m_doc(doc), m_vars(vars) {
    std::optional<YAML::Node> section = find(m_vars.select(root), "layers");
    if (!section || m_vars.select(*section).IsNull()) {
        return;
    }
    YAML::Node layers = m_vars.select(*section);
    if (!layers.IsMap()) {
        throw m_doc.error(layers,
                          "layers must be a mapping of layer names, not " + describe_type(layers));
    }
    for (const auto& item : layers) {
        const std::string name = item.first.Scalar();
        YAML::Node body = m_vars.select(item.second);
        std::optional<YAML::Node> path = find(body, "path");
        std::optional<YAML::Node> package = find(body, "package");
        std::optional<YAML::Node> artifact =
            package ? find(m_vars.select(*package), "artifact") : std::nullopt;
        const std::optional<YAML::Node>& chosen = artifact ? artifact : path;
        std::optional<std::string> text =
            chosen ? m_vars.text(*chosen, artifact ? "artifact" : "path") : std::nullopt;
        if (!text || text->empty()) {
            throw m_doc.error(item.first, "layer '" + name +
                                              "' needs a path (its folder) or a "
                                              "package.artifact (its .zip)");
        }
        fs::path content = (dir / *text).lexically_normal();
        std::error_code error;
        if (!fs::exists(content, error)) {
            throw m_doc.error(*chosen, "layer '" + name + "': " + *text + " does not exist (" +
                                           content.string() + ")");
        }
        std::string absolute = content.string();
        if (absolute.size() > 1 && absolute.back() == '/') {
            absolute.pop_back();
        }
        m_paths[serverless_layer_logical_id(name)] = absolute;
    }
}

std::vector<std::string> ServerlessLayers::resolve(const YAML::Node& written) const {
    YAML::Node list = m_vars.select(written);
    if (list.IsNull()) {
        return {};
    }
    if (!list.IsSequence()) {
        throw m_doc.error(list, "layers must be a list ({Ref: NameLambdaLayer} or layer ARNs), "
                                "not " +
                                    describe_type(list));
    }
    std::vector<std::string> layers;
    for (const YAML::Node& written_item : list) {
        YAML::Node item = m_vars.select(written_item);
        std::optional<std::string> id;
        if (item.IsMap()) {
            std::optional<YAML::Node> ref = item.size() == 1 ? find(item, "Ref") : std::nullopt;
            if (!ref) {
                throw m_doc.error(item, "a layer must be {Ref: NameLambdaLayer} or a layer ARN");
            }
            id = m_vars.text(*ref, "Ref");
        } else if (item.Tag() == "!Ref") {
            id = item.Scalar();
        }
        if (id) {
            auto found = m_paths.find(*id);
            if (found == m_paths.end()) {
                std::string known;
                for (const auto& [logical_id, path] : m_paths) {
                    known += (known.empty() ? "" : ", ") + logical_id;
                }
                throw m_doc.error(item, "Ref '" + *id +
                                            "' names no layer of this file's layers: (" +
                                            (known.empty() ? std::string("none") : known) + ")");
            }
            layers.push_back(found->second);
            continue;
        }
        std::string text = m_vars.text(item, "layer").value_or("");
        if (!layers::is_layer_arn(text)) {
            throw m_doc.error(item, "layer '" + text +
                                        "' is neither {Ref: NameLambdaLayer} nor a layer ARN");
        }
        layers.push_back(text);
    }
    if (layers.size() > k_max_layers) {
        throw m_doc.error(list, "layers: " + std::to_string(layers.size()) +
                                    " layers, and Lambda allows at most " +
                                    std::to_string(k_max_layers));
    }
    return layers;
}

} // namespace lambda_local::runtime::config
