// Parsing dotenv files, SAM's --env-vars JSON and --env flags into ordered variables.
#include "runtime/function/env_files.hpp"

#include "runtime/invoke/event_file.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "runtime/util/json_depth.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace lambda_local::runtime {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// Letters, digits, '_', '.' and '-', as dotenv accepts; Lambda's stricter rules are checked
// where the environment is assembled.
bool is_valid_name(std::string_view key) {
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

// A quoted dotenv value, unescaped, and the text after its closing quote.
struct Quoted {
    std::string value;
    std::string_view rest; // after the closing quote
};

// `text` starts with the opening quote; nothing when the line has no closing quote.
std::optional<Quoted> parse_quoted(std::string_view text) {
    char quote = text.front();
    Quoted out;
    for (std::size_t i = 1; i < text.size(); ++i) {
        char c = text[i];
        if (c == quote) {
            out.rest = text.substr(i + 1);
            return out;
        }
        if (quote == '"' && c == '\\' && i + 1 < text.size()) {
            char next = text[++i];
            switch (next) {
            case 'n':
                out.value += '\n';
                break;
            case 'r':
                out.value += '\r';
                break;
            case 't':
                out.value += '\t';
                break;
            case '"':
            case '\\':
                out.value += next;
                break;
            default:
                out.value += '\\';
                out.value += next;
            }
            continue;
        }
        out.value += c;
    }
    return std::nullopt;
}

// An unquoted value: trimmed, without a " #comment" tail.
std::string unquoted_value(std::string_view text) {
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (text[i] == '#' && is_space(text[i - 1])) {
            text = text.substr(0, i);
            break;
        }
    }
    return std::string(trim(text));
}

std::string scalar_text(const nlohmann::ordered_json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "true" : "false";
    }
    return value.dump(); // a number: 3 → "3", 1.5 → "1.5", as Python's str() gives
}

void apply_section(EnvVars& vars, const nlohmann::ordered_json& root, const std::string& section,
                   const std::string& what) {
    auto found = root.find(section);
    if (found == root.end()) {
        return;
    }
    if (!found->is_object()) {
        throw Error(what + ": \"" + section + "\" must be an object of variables, not " +
                    found->type_name());
    }
    for (const auto& [key, value] : found->items()) {
        if (!value.is_string() && !value.is_number() && !value.is_boolean()) {
            throw Error(what + ": variable '" + key + "' of \"" + section +
                        "\" must be a string, number or boolean, not " + value.type_name());
        }
        set_variable(vars, key, scalar_text(value));
    }
}

} // namespace

EnvVars parse_dotenv(std::string_view text, const std::string& file_name) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    EnvVars vars;
    std::size_t line_number = 0;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        ++line_number;
        auto fail = [&](const std::string& why) {
            return Error("env file '" + file_name + "', line " + std::to_string(line_number) +
                         ": " + why);
        };

        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        line = trim(line);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        if (line.starts_with("export") && line.size() > 6 && is_space(line[6])) {
            line = trim(line.substr(6));
        }
        std::size_t equals = line.find('=');
        if (equals == std::string_view::npos || trim(line.substr(0, equals)).empty()) {
            throw fail("expected KEY=VALUE");
        }
        std::string_view key = trim(line.substr(0, equals));
        if (!is_valid_name(key)) {
            throw fail("invalid variable name '" + std::string(key) + "'");
        }
        std::string_view raw = line.substr(equals + 1);
        std::string_view value_text = trim(raw);
        std::string value;
        if (!value_text.empty() && (value_text.front() == '"' || value_text.front() == '\'')) {
            std::optional<Quoted> quoted = parse_quoted(value_text);
            if (!quoted) {
                throw fail("unterminated quote");
            }
            std::string_view rest = trim(quoted->rest);
            if (!rest.empty() && rest.front() != '#') {
                throw fail("unexpected text after the closing quote");
            }
            value = std::move(quoted->value);
        } else {
            value = unquoted_value(raw);
        }
        set_variable(vars, std::string(key), std::move(value));
    }
    return vars;
}

EnvVars read_dotenv_file(const std::string& path) {
    return parse_dotenv(read_file(path, "env file '" + path + "'", k_max_config_file), path);
}

EnvVars parse_sam_env_vars(std::string_view text, const std::string& file_name,
                           const std::string& function_name) {
    const std::string what = "env vars file '" + file_name + "'";
    if (std::all_of(text.begin(), text.end(),
                    [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
        throw Error(what + " is empty");
    }
    if (std::optional<std::string> error = json_syntax_error(text)) {
        throw Error(what + " is not valid JSON: " + *error);
    }
    if (!json_depth_within(text)) {
        throw Error(what + " nests arrays and objects deeper than " +
                    std::to_string(k_max_json_depth) + " levels");
    }
    nlohmann::ordered_json root = nlohmann::ordered_json::parse(text);
    if (!root.is_object()) {
        throw Error(what +
                    ": expected a JSON object like {\"Parameters\": {\"KEY\": \"value\"}}, not " +
                    std::string(root.type_name()));
    }
    EnvVars vars;
    apply_section(vars, root, "Parameters", what);
    apply_section(vars, root, function_name, what);
    return vars;
}

EnvVars read_sam_env_vars_file(const std::string& path, const std::string& function_name) {
    return parse_sam_env_vars(read_file(path, "env vars file '" + path + "'", k_max_config_file),
                              path, function_name);
}

std::pair<std::string, std::string> parse_env_assignment(std::string_view text) {
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        throw Error("--env '" + std::string(text) + "': expected KEY=VALUE");
    }
    return {std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

} // namespace lambda_local::runtime
