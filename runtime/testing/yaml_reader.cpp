// Typed reads of a test file's YAML nodes, with errors that name the file and line.
#include "runtime/testing/yaml_reader.hpp"

#include "runtime/invoke/event_file.hpp"
#include "runtime/util/error.hpp"

#include <cmath>
#include <cstdlib>

namespace lambda_local::runtime::testing {
namespace {

std::string joined(std::initializer_list<std::string_view> names) {
    std::string out;
    for (std::string_view name : names) {
        out += (out.empty() ? "" : ", ") + std::string(name);
    }
    return out;
}

std::string kind_of(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Null:
        return "empty";
    case YAML::NodeType::Scalar:
        return "'" + node.Scalar() + "'";
    default:
        return "missing";
    }
}

} // namespace

const YamlEntry* find_entry(const YamlEntries& entries, std::string_view name) {
    for (const YamlEntry& entry : entries) {
        if (entry.name == name) {
            return &entry;
        }
    }
    return nullptr;
}

std::string YamlReader::where(const YAML::Node& node) const {
    if (!node.IsDefined() || node.Mark().is_null()) {
        return m_file;
    }
    return m_file + ":" + std::to_string(node.Mark().line + 1);
}

void YamlReader::fail(const YAML::Node& node, const std::string& problem) const {
    throw Error(where(node) + ": " + problem);
}

YamlEntries YamlReader::mapping(const YAML::Node& node, std::string_view what,
                                std::initializer_list<std::string_view> known) const {
    if (!node.IsMap()) {
        fail(node, std::string(what) + " must be a mapping, not " + kind_of(node));
    }
    YamlEntries entries;
    for (const auto& item : node) {
        const YAML::Node& key = item.first;
        if (!key.IsScalar()) {
            fail(key, std::string(what) + ": a key must be a plain name");
        }
        const std::string& name = key.Scalar();
        bool is_known = false;
        for (std::string_view k : known) {
            is_known = is_known || k == name;
        }
        if (!is_known) {
            fail(key, "unknown key '" + name + "' in " + std::string(what) + " (expected one of " +
                          joined(known) + ")");
        }
        if (find_entry(entries, name) != nullptr) {
            fail(key, "key '" + name + "' appears twice in " + std::string(what));
        }
        entries.push_back({name, key, item.second});
    }
    return entries;
}

YamlEntries YamlReader::mapping(const YamlEntry& entry,
                                std::initializer_list<std::string_view> known) const {
    if (!entry.value.IsMap()) {
        fail(entry, entry.name + " must be a mapping, not " + kind_of(entry.value));
    }
    return mapping(entry.value, entry.name, known);
}

std::vector<YAML::Node> YamlReader::sequence(const YamlEntry& entry) const {
    if (!entry.value.IsSequence()) {
        fail(entry, entry.name + " must be a list, not " + kind_of(entry.value));
    }
    std::vector<YAML::Node> items;
    for (const auto& item : entry.value) {
        items.push_back(item);
    }
    return items;
}

std::string YamlReader::scalar(const YAML::Node& node, const YAML::Node& at,
                               std::string_view what) const {
    if (!node.IsScalar()) {
        fail(at, std::string(what) + " must be a string, not " + kind_of(node));
    }
    return node.Scalar();
}

std::string YamlReader::string(const YamlEntry& entry) const {
    return scalar(entry.value, entry.key, entry.name);
}

std::string YamlReader::string(const YAML::Node& node, std::string_view what) const {
    return scalar(node, node, what);
}

std::vector<std::string> YamlReader::strings(const YamlEntry& entry) const {
    std::vector<std::string> out;
    if (entry.value.IsSequence()) {
        for (const auto& item : entry.value) {
            out.push_back(scalar(item, item, entry.name + " item"));
        }
        return out;
    }
    out.push_back(string(entry));
    return out;
}

double YamlReader::number(const YamlEntry& entry) const {
    std::string text = string(entry);
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
        fail(entry, entry.name + " must be a number, not '" + text + "'");
    }
    return value;
}

long long YamlReader::integer(const YamlEntry& entry) const {
    std::string text = string(entry);
    char* end = nullptr;
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end != text.c_str() + text.size()) {
        fail(entry, entry.name + " must be a whole number, not '" + text + "'");
    }
    return value;
}

bool YamlReader::boolean(const YamlEntry& entry) const {
    std::string text = string(entry);
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    fail(entry, entry.name + " must be true or false, not '" + text + "'");
}

nlohmann::ordered_json YamlReader::json(const YamlEntry& entry) const {
    nlohmann::ordered_json value;
    try {
        value = yaml_to_json(entry.value);
    } catch (const Error& e) {
        fail(entry, entry.name + ": " + e.what());
    }
    // JSON text is UTF-8: a value that is not would throw later, when it is sent or shown.
    try {
        (void)value.dump();
    } catch (const nlohmann::ordered_json::type_error&) {
        fail(entry, entry.name + ": not valid UTF-8");
    }
    return value;
}

} // namespace lambda_local::runtime::testing
