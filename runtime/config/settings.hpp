// A function's settings as configuration files write them, checked against Lambda's limits.
#pragma once

#include "runtime/env_vars.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::config {

// A timeout in seconds, 1 to 900; else Error "<where>: <key> must be a number of seconds from
// 1 to 900, not 'abc'".
double parse_timeout(std::string_view text, std::string_view key, const std::string& where);

// Whole megabytes from `min` to `max`; else Error "<where>: <key> must be a whole number of MB
// from 128 to 10240, not '100'".
int parse_megabytes(std::string_view text, std::string_view key, int min, int max,
                    const std::string& where);

// A whole number from 0 (reserved concurrency); else Error "<where>: <key> must be a whole
// number from 0, not '-1'".
int parse_count(std::string_view text, std::string_view key, const std::string& where);

// true or false (any case); else Error "<where>: <key> must be true or false, not 'x'".
bool parse_flag(std::string_view text, std::string_view key, const std::string& where);

// Sets `key` in `vars`, in place when it is there already.
void set_variable(EnvVars& vars, const std::string& key, std::string value);

// Checks a function's variables against Lambda's rules (validate_function_variables);
// errors start with "<where>: ".
void check_variables(const EnvVars& vars, const std::string& where);

// The items of a comma-separated list, each trimmed of spaces; empty items dropped.
std::vector<std::string> split_list(std::string_view text);

// A schedule expression: "rate(...)", "cron(...)", or with `allow_at` also "at(...)"; else
// Error "<where>: <key> must be 'rate(...)' or 'cron(...)', not 'x'".
void check_schedule_expression(std::string_view text, std::string_view key, bool allow_at,
                               const std::string& where);

// Checks that a schedule's input is JSON; else Error "<where>: <key> is not valid JSON: ...".
void check_json(std::string_view text, std::string_view key, const std::string& where);

} // namespace lambda_local::runtime::config
