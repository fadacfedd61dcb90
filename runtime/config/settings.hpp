// A function's settings as configuration files write them, checked against Lambda's limits.
#pragma once

#include "runtime/function/env_vars.hpp"
#include "runtime/logs/logging_config.hpp"

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

// A whole number from `min` to `max`; else Error "<where>: <key> must be a whole number from 0
// to 2, not '3'".
int parse_whole(std::string_view text, std::string_view key, int min, int max,
                const std::string& where);

// true or false (any case); else Error "<where>: <key> must be true or false, not 'x'".
bool parse_flag(std::string_view text, std::string_view key, const std::string& where);

// A function's LoggingConfig as a file writes it, read key by key (a function's keys after its
// defaults'): SAM's LogFormat, ApplicationLogLevel, SystemLogLevel; serverless's logFormat, ...
class LoggingSettings {
  public:
    // Text or JSON; else Error "<where>: <key> must be Text or JSON, not 'x'".
    void format(std::string_view text, std::string_view key, const std::string& where);
    // TRACE, DEBUG, INFO, WARN, ERROR or FATAL; else Error "<where>: <key> must be ...".
    void application_level(std::string_view text, std::string_view key, const std::string& where);
    // DEBUG, INFO or WARN; else Error "<where>: <key> must be DEBUG, INFO or WARN, not 'x'".
    void system_level(std::string_view text, std::string_view key, const std::string& where);
    // The LoggingConfig read. Error "<where>: <level key> needs <format_key>: JSON ..." when a
    // level was given and the format is Text, which Lambda refuses.
    LoggingConfig finish(std::string_view format_key) const;

  private:
    LoggingConfig m_config;
    std::string m_level_key;   // the last level given, for the error
    std::string m_level_where; // and where
};

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
