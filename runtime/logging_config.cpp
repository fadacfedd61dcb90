// Lambda's LoggingConfig: parsing its values and applying the command line's.
#include "runtime/logging_config.hpp"

#include "runtime/util/error.hpp"

#include <array>
#include <utility>

namespace lambda_local::runtime {
namespace {

constexpr std::array<std::pair<std::string_view, LogLevel>, 6> k_levels = {{
    {"TRACE", LogLevel::Trace},
    {"DEBUG", LogLevel::Debug},
    {"INFO", LogLevel::Info},
    {"WARN", LogLevel::Warn},
    {"ERROR", LogLevel::Error},
    {"FATAL", LogLevel::Fatal},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<LogFormat> parse_log_format(std::string_view text) {
    if (equal_ignoring_case(text, "Text")) {
        return LogFormat::Text;
    }
    if (equal_ignoring_case(text, "JSON")) {
        return LogFormat::Json;
    }
    return std::nullopt;
}

std::optional<LogLevel> parse_application_log_level(std::string_view text) {
    for (const auto& [name, level] : k_levels) {
        if (equal_ignoring_case(text, name)) {
            return level;
        }
    }
    return std::nullopt;
}

std::optional<LogLevel> parse_system_log_level(std::string_view text) {
    std::optional<LogLevel> level = parse_application_log_level(text);
    if (level &&
        (*level == LogLevel::Debug || *level == LogLevel::Info || *level == LogLevel::Warn)) {
        return level;
    }
    return std::nullopt;
}

std::string_view log_format_name(LogFormat format) {
    return format == LogFormat::Json ? "JSON" : "Text";
}

std::string_view log_level_name(LogLevel level) {
    return k_levels[static_cast<std::size_t>(level)].first;
}

LoggingConfig apply_overrides(LoggingConfig config, const LoggingOverrides& overrides) {
    if (overrides.format) {
        config.format = *overrides.format;
    }
    if ((overrides.application_level || overrides.system_level) &&
        config.format != LogFormat::Json) {
        throw Error("--log-level and --system-log-level apply to the JSON log format only (Lambda "
                    "refuses log levels with LogFormat Text): add --log-format JSON");
    }
    if (overrides.application_level) {
        config.application_level = *overrides.application_level;
    }
    if (overrides.system_level) {
        config.system_level = *overrides.system_level;
    }
    return config;
}

} // namespace lambda_local::runtime
