// A YAML configuration file, and its errors in the form "<file>:<line>: <what>".
#pragma once

#include "runtime/util/error.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::config {

// A parsed configuration file (template.yaml, serverless.yml): its root node, and the file
// name that starts every error about it.
class YamlDocument {
  public:
    // Reads and parses `path`. Throws Error "<path>: cannot open: <strerror>", "<path>:7:
    // <yaml-cpp's message>" for broken YAML, and "<path>: the file is empty".
    explicit YamlDocument(const std::string& path);
    // Parses `text` as the content of `path`.
    YamlDocument(const std::string& path, const std::string& text);

    // The path as given: "template.yaml", "samples/api/serverless.yml".
    const std::string& path() const { return m_path; }
    const YAML::Node& root() const { return m_root; }

    // "<path>:<line>" of a position; "<path>" when it is null.
    std::string where(const YAML::Mark& mark) const;
    std::string where(const YAML::Node& node) const { return where(node.Mark()); }
    // An Error "<path>:<line>: <what>".
    Error error(const YAML::Mark& mark, const std::string& what) const;
    Error error(const YAML::Node& node, const std::string& what) const {
        return error(node.Mark(), what);
    }

  private:
    std::string m_path;
    YAML::Node m_root;
};

// One entry of a mapping: the key node (for its line) and the value.
struct Entry {
    YAML::Node key;
    YAML::Node value;
};

// The entry of `key` in the mapping `map`, compared exactly; nothing when `map` is not a
// mapping or has no such key. Unlike yaml-cpp's operator[], it never inserts or throws.
std::optional<Entry> find_entry(const YAML::Node& map, std::string_view key);

// The value of `key` in the mapping `map`, as find_entry.
std::optional<YAML::Node> find(const YAML::Node& map, std::string_view key);

// "a mapping", "a list", "a string", "nothing": what a node is, for messages.
std::string describe_type(const YAML::Node& node);

// A whole number written in decimal ("30", "-1", "+5"); nothing otherwise.
std::optional<long long> parse_integer(std::string_view text);
// A decimal number ("30", "1.5", "1e3"); nothing otherwise.
std::optional<double> parse_number(std::string_view text);
// "true"/"false" in any case; nothing otherwise.
std::optional<bool> parse_bool(std::string_view text);

} // namespace lambda_local::runtime::config
