// The event of a local invocation: read from a file, standard input or the command line, checked.
#pragma once

#include "runtime/function/quotas.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// Where `invoke` takes its event from.
struct EventSource {
    enum class Kind { None, File, Stdin, Inline };
    Kind kind = Kind::None;
    std::string value; // the path (File) or the JSON text (Inline)
};

// Reads and checks an event; returns the JSON text to pass to the function.
// None gives "{}". A File named `*.yaml`/`*.yml` (any case) is YAML, converted to compact JSON;
// any other File (and Stdin, and Inline) must be JSON and is returned as given, minus a leading
// UTF-8 byte order mark. A File named "-" is read from `stdin_stream`. Throws lambda_local::Error
// when the event cannot be read, is empty, is not valid JSON/YAML or exceeds the payload limit.
std::string load_event(const EventSource& source, std::istream& stdin_stream);

// A YAML event (the text of a *.yaml event file) as the JSON text to pass, as load_event reads
// one: a single document, converted by yaml_to_json, in compact JSON. `what` names the event in
// errors ("event file 'e.yaml'"). Throws lambda_local::Error.
std::string yaml_event_to_json(const std::string& text, const std::string& what);

// YAML converted to JSON as `sls invoke -p data.yml` does: key order kept, plain scalars typed
// with YAML 1.2's core schema (true/false, null, integers, floats), quoted scalars kept as strings.
// Throws lambda_local::Error ("line L, column C: <why>") for a non-scalar mapping key or a
// recursive alias. An `ordered_json` converts to `nlohmann::json` by assignment (keys then sort).
nlohmann::ordered_json yaml_to_json(const YAML::Node& node);

// Why `text` is not one JSON value, as the parser says it.
struct JsonSyntaxFailure {
    std::size_t position = 0; // 1-based index of the failing byte (one past the end if truncated)
    std::string message;      // "[json.exception.parse_error.101] parse error at line 1, ..."
};
// Reads `text` without building a document; nothing when it is one JSON value.
std::optional<JsonSyntaxFailure> json_syntax_failure(std::string_view text);

// Checks that `text` is one JSON value; nothing when it is, else "line L, column C: <reason>"
// (1-based; the column counts characters).
std::optional<std::string> json_syntax_error(std::string_view text);

} // namespace lambda_local::runtime
