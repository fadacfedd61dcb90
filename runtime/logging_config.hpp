// A function's log settings, Lambda's LoggingConfig: the format (Text or JSON) and two levels.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// How the function's log is written: Lambda's plain lines, or one JSON record per line.
enum class LogFormat { Text, Json };

// A log level, from the most detail to the least. Application logs use all six
// (ApplicationLogLevel); system logs, the platform's, use Debug, Info and Warn (SystemLogLevel).
enum class LogLevel { Trace, Debug, Info, Warn, Error, Fatal };

// Lambda's LoggingConfig. The levels filter only with the JSON format, as on Lambda (whose API
// refuses levels with the Text format).
struct LoggingConfig {
    LogFormat format = LogFormat::Text;
    LogLevel application_level = LogLevel::Info; // the function's own lines below it are dropped
    LogLevel system_level = LogLevel::Info;      // the platform's records below it are dropped

    bool operator==(const LoggingConfig&) const = default;
};

// Log settings given on a command line: each one given replaces the function's own.
struct LoggingOverrides {
    std::optional<LogFormat> format;
    std::optional<LogLevel> application_level;
    std::optional<LogLevel> system_level;
};

// "Text" or "JSON" (any case), as LoggingConfig.LogFormat is written.
std::optional<LogFormat> parse_log_format(std::string_view text);
// TRACE, DEBUG, INFO, WARN, ERROR or FATAL (any case).
std::optional<LogLevel> parse_application_log_level(std::string_view text);
// DEBUG, INFO or WARN (any case).
std::optional<LogLevel> parse_system_log_level(std::string_view text);

// "Text" or "JSON": AWS_LAMBDA_LOG_FORMAT's value.
std::string_view log_format_name(LogFormat format);
// "TRACE" .. "FATAL": AWS_LAMBDA_LOG_LEVEL's value.
std::string_view log_level_name(LogLevel level);

// `config` with the command line's settings over it. Throws lambda_local::Error when a level is
// given for a function whose format is then Text (Lambda refuses levels with Text).
LoggingConfig apply_overrides(LoggingConfig config, const LoggingOverrides& overrides);

} // namespace lambda_local::runtime
