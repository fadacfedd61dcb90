// User environment variables from dotenv files, SAM's --env-vars JSON and --env flags.
#pragma once

#include "runtime/function/env_vars.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime {

// A dotenv file's variables. Lines `KEY=VALUE` with an optional `export ` prefix; blank lines and
// `#` comments skipped; whitespace around the key and an unquoted value trimmed, and an unquoted
// value's ` #comment` tail removed; 'single quoted' values literal, "double quoted" ones with
// \n \r \t \" \\ escapes (other backslashes kept); no multi-line values, no ${VAR} expansion.
// A repeated key keeps its first position and takes the last value. Throws lambda_local::Error
// naming the file and line: "env file '.env', line 3: expected KEY=VALUE".
EnvVars parse_dotenv(std::string_view text, const std::string& file_name);

// parse_dotenv on a file's contents; Error "env file 'p': cannot open: <strerror>".
EnvVars read_dotenv_file(const std::string& path);

// The variables SAM's --env-vars JSON gives one function: {"Parameters": {...}, "<Function>":
// {...}}; the Parameters apply to every function, then the function's own object overrides them.
// Strings, numbers and booleans are taken as SAM takes them (true → "true", 3 → "3", 1.5 → "1.5");
// null, objects and arrays are an Error naming the key, as are a text that is not a JSON object and
// a "Parameters" or function entry that is not an object.
EnvVars parse_sam_env_vars(std::string_view text, const std::string& file_name,
                           const std::string& function_name);

// parse_sam_env_vars on a file's contents; Error "env vars file 'p': cannot open: <strerror>".
EnvVars read_sam_env_vars_file(const std::string& path, const std::string& function_name);

// One `--env KEY=VALUE` flag, split at the first '='; Error "--env 'X': expected KEY=VALUE".
std::pair<std::string, std::string> parse_env_assignment(std::string_view text);

} // namespace lambda_local::runtime
