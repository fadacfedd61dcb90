// Reading a test file's YAML: typed values, known keys, and errors that name the file and line.
#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime::testing {

// One key of a mapping with its value. Problems with the value are reported at the key's
// line: an empty value (`key:`) has no line of its own.
struct YamlEntry {
    std::string name;
    YAML::Node key;
    YAML::Node value;
};

// The entries of a mapping, in the order written.
using YamlEntries = std::vector<YamlEntry>;

// The entry named `name`, or nullptr.
const YamlEntry* find_entry(const YamlEntries& entries, std::string_view name);

// Reads the nodes of one test file. Every problem is a lambda_local::Error
// "<file>:<line>: <problem>", the line (1-based) being the node's or the entry's key's.
class YamlReader {
  public:
    explicit YamlReader(std::string file) : m_file(std::move(file)) {}

    const std::string& file() const { return m_file; }
    // "<file>:<line>" of a node ("<file>" when the node has no position).
    std::string where(const YAML::Node& node) const;
    std::string where(const YamlEntry& entry) const { return where(entry.key); }
    // Throws the Error "<file>:<line>: <problem>".
    [[noreturn]] void fail(const YAML::Node& node, const std::string& problem) const;
    [[noreturn]] void fail(const YamlEntry& entry, const std::string& problem) const {
        fail(entry.key, problem);
    }

    // The entries of a mapping; throws when `node` is not one, or when a key is not a plain
    // name, appears twice, or is not among `known`. `what` names the mapping in messages.
    YamlEntries mapping(const YAML::Node& node, std::string_view what,
                        std::initializer_list<std::string_view> known) const;
    YamlEntries mapping(const YamlEntry& entry,
                        std::initializer_list<std::string_view> known) const;
    // The items of a list.
    std::vector<YAML::Node> sequence(const YamlEntry& entry) const;

    // A scalar's text (numbers and booleans as written).
    std::string string(const YamlEntry& entry) const;
    std::string string(const YAML::Node& node, std::string_view what) const;
    // A string, or a list of strings.
    std::vector<std::string> strings(const YamlEntry& entry) const;
    // A finite number.
    double number(const YamlEntry& entry) const;
    // A whole number.
    long long integer(const YamlEntry& entry) const;
    // true or false.
    bool boolean(const YamlEntry& entry) const;
    // Any YAML value as JSON (YAML 1.2's core schema for plain scalars, keys in order).
    nlohmann::ordered_json json(const YamlEntry& entry) const;

  private:
    std::string scalar(const YAML::Node& node, const YAML::Node& at, std::string_view what) const;

    std::string m_file;
};

} // namespace lambda_local::runtime::testing
