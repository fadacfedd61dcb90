// Checking function settings read from configuration files.
#include "runtime/config/settings.hpp"

#include "runtime/config/yaml_document.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/function/lambda_variables.hpp"
#include "runtime/invoke/event_file.hpp"
#include "runtime/util/error.hpp"

#include <algorithm>

namespace lambda_local::runtime::config {
namespace {

std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

// A whole number from `min` to `max`; else Error "... must be a whole number<unit> from ...".
int parse_bounded(std::string_view text, std::string_view key, int min, int max,
                  const std::string& where, std::string_view unit) {
    std::optional<long long> number = parse_integer(text);
    if (!number || *number < min || *number > max) {
        throw Error(where + ": " + std::string(key) + " must be a whole number" +
                    std::string(unit) + " from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", not " + quoted(text));
    }
    return static_cast<int>(*number);
}

} // namespace

double parse_timeout(std::string_view text, std::string_view key, const std::string& where) {
    std::optional<double> seconds = parse_number(text);
    if (!seconds || *seconds < k_min_timeout_s || *seconds > k_max_timeout_s) {
        throw Error(where + ": " + std::string(key) +
                    " must be a number of seconds from 1 to 900, not " + quoted(text));
    }
    return *seconds;
}

int parse_megabytes(std::string_view text, std::string_view key, int min, int max,
                    const std::string& where) {
    return parse_bounded(text, key, min, max, where, " of MB");
}

int parse_whole(std::string_view text, std::string_view key, int min, int max,
                const std::string& where) {
    return parse_bounded(text, key, min, max, where, "");
}

int parse_count(std::string_view text, std::string_view key, const std::string& where) {
    std::optional<long long> count = parse_integer(text);
    if (!count || *count < 0 || *count > 1000000) {
        throw Error(where + ": " + std::string(key) + " must be a whole number from 0, not " +
                    quoted(text));
    }
    return static_cast<int>(*count);
}

bool parse_flag(std::string_view text, std::string_view key, const std::string& where) {
    std::optional<bool> flag = parse_bool(text);
    if (!flag) {
        throw Error(where + ": " + std::string(key) + " must be true or false, not " +
                    quoted(text));
    }
    return *flag;
}

void LoggingSettings::format(std::string_view text, std::string_view key,
                             const std::string& where) {
    std::optional<LogFormat> format = parse_log_format(text);
    if (!format) {
        throw Error(where + ": " + std::string(key) + " must be Text or JSON, not " + quoted(text));
    }
    m_config.format = *format;
}

void LoggingSettings::application_level(std::string_view text, std::string_view key,
                                        const std::string& where) {
    std::optional<LogLevel> level = parse_application_log_level(text);
    if (!level) {
        throw Error(where + ": " + std::string(key) +
                    " must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL, not " + quoted(text));
    }
    m_config.application_level = *level;
    m_level_key = key;
    m_level_where = where;
}

void LoggingSettings::system_level(std::string_view text, std::string_view key,
                                   const std::string& where) {
    std::optional<LogLevel> level = parse_system_log_level(text);
    if (!level) {
        throw Error(where + ": " + std::string(key) + " must be DEBUG, INFO or WARN, not " +
                    quoted(text));
    }
    m_config.system_level = *level;
    m_level_key = key;
    m_level_where = where;
}

LoggingConfig LoggingSettings::finish(std::string_view format_key) const {
    if (!m_level_key.empty() && m_config.format != LogFormat::Json) {
        throw Error(m_level_where + ": " + m_level_key + " needs " + std::string(format_key) +
                    ": JSON (Lambda refuses log levels with the Text format)");
    }
    return m_config;
}

void set_variable(EnvVars& vars, const std::string& key, std::string value) {
    auto existing = std::find_if(vars.begin(), vars.end(),
                                 [&](const auto& entry) { return entry.first == key; });
    if (existing != vars.end()) {
        existing->second = std::move(value);
    } else {
        vars.emplace_back(key, std::move(value));
    }
}

void check_variables(const EnvVars& vars, const std::string& where) {
    try {
        validate_function_variables(vars);
    } catch (const Error& e) {
        throw Error(where + ": " + e.what());
    }
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        item.remove_prefix(std::min(item.find_first_not_of(" \t"), item.size()));
        item = item.substr(0, item.find_last_not_of(" \t") + 1);
        if (!item.empty()) {
            items.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return items;
}

void check_schedule_expression(std::string_view text, std::string_view key, bool allow_at,
                               const std::string& where) {
    bool shaped = text.ends_with(')') && (text.starts_with("rate(") || text.starts_with("cron(") ||
                                          (allow_at && text.starts_with("at(")));
    if (!shaped) {
        throw Error(where + ": " + std::string(key) + " must be 'rate(...)' or 'cron(...)'" +
                    (allow_at ? std::string(" or 'at(...)'") : "") + ", not " + quoted(text));
    }
}

void check_json(std::string_view text, std::string_view key, const std::string& where) {
    if (std::optional<std::string> error = json_syntax_error(text)) {
        throw Error(where + ": " + std::string(key) + " is not valid JSON: " + *error);
    }
}

} // namespace lambda_local::runtime::config
