// Loading configuration files with yaml-cpp, and their "<file>:<line>:" errors.
#include "runtime/config/yaml_document.hpp"

#include "runtime/util/file.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace lambda_local::runtime::config {

YamlDocument::YamlDocument(const std::string& path)
    : YamlDocument(path, read_file(path, path, k_max_config_file)) {}

YamlDocument::YamlDocument(const std::string& path, const std::string& text) : m_path(path) {
    try {
        m_root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw error(e.mark, e.msg);
    }
    if (m_root.IsNull()) {
        throw Error(m_path + ": the file is empty");
    }
}

std::string YamlDocument::where(const YAML::Mark& mark) const {
    if (mark.is_null()) {
        return m_path;
    }
    return m_path + ":" + std::to_string(mark.line + 1);
}

Error YamlDocument::error(const YAML::Mark& mark, const std::string& what) const {
    return Error(where(mark) + ": " + what);
}

std::optional<Entry> find_entry(const YAML::Node& map, std::string_view key) {
    if (!map.IsMap()) {
        return std::nullopt;
    }
    for (const auto& entry : map) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) {
            return Entry{entry.first, entry.second};
        }
    }
    return std::nullopt;
}

std::optional<YAML::Node> find(const YAML::Node& map, std::string_view key) {
    if (std::optional<Entry> entry = find_entry(map, key)) {
        return entry->value;
    }
    return std::nullopt;
}

std::string describe_type(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Scalar:
        return "'" + node.Scalar() + "'";
    default:
        return "nothing";
    }
}

std::optional<long long> parse_integer(std::string_view text) {
    if (text.starts_with('+')) {
        text.remove_prefix(1);
    }
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> parse_number(std::string_view text) {
    if (text.starts_with('+')) {
        text.remove_prefix(1);
    }
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parse_bool(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "true") {
        return true;
    }
    if (lower == "false") {
        return false;
    }
    return std::nullopt;
}

} // namespace lambda_local::runtime::config
