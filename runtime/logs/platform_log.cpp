// The platform's lines of a function's log, in Lambda's text or JSON format.
#include "runtime/logs/platform_log.hpp"

#include "runtime/execution/report.hpp"

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
namespace {

using ordered_json = nlohmann::ordered_json;

// One JSON record, as a line: {"time":"2022-10-12T00:01:15.000Z","type":...,"record":...}.
std::string record_line(std::string_view type, ordered_json record, WallClock::time_point now) {
    ordered_json line = ordered_json::object();
    line["time"] = iso8601(now);
    line["type"] = std::string(type);
    line["record"] = std::move(record);
    // Invalid UTF-8 (an error type or message a handler chose) becomes U+FFFD.
    return line.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

// The level Lambda gives a record of an invocation that ended with `status` ("" for success):
// an invocation that did not complete is worth a warning.
LogLevel report_level(const std::string& status) {
    return status.empty() ? LogLevel::Info : LogLevel::Warn;
}

} // namespace

PlatformLog::PlatformLog(const FunctionSpec& function)
    : m_function_name(function.name), m_memory_mb(function.memory_mb),
      m_timeout_s(function.timeout_s), m_config(function.logging) {}

bool PlatformLog::shown(LogLevel level) const {
    return level >= m_config.system_level;
}

std::string PlatformLog::init_start(WallClock::time_point now) const {
    if (m_config.format == LogFormat::Text || !shown(LogLevel::Info)) {
        return {};
    }
    ordered_json record = ordered_json::object();
    record["initializationType"] = "on-demand";
    record["phase"] = "init";
    record["functionName"] = m_function_name;
    record["functionVersion"] = "$LATEST";
    return record_line("platform.initStart", std::move(record), now);
}

std::string PlatformLog::start(std::string_view request_id, bool cold,
                               WallClock::time_point now) const {
    std::string text = cold ? init_start(now) : std::string();
    if (m_config.format == LogFormat::Text) {
        return text + start_line(request_id);
    }
    if (shown(LogLevel::Info)) {
        ordered_json record = ordered_json::object();
        record["requestId"] = std::string(request_id);
        record["version"] = "$LATEST";
        text += record_line("platform.start", std::move(record), now);
    }
    return text;
}

std::string PlatformLog::faults(const std::vector<std::string>& lines,
                                WallClock::time_point now) const {
    std::string text;
    if (m_config.format == LogFormat::Text) {
        for (const std::string& line : lines) {
            text += line;
            text += '\n';
        }
        return text;
    }
    if (lines.empty() || !shown(LogLevel::Warn)) {
        return text;
    }
    // As the Logs API's platform.fault: "RequestId: <id> Error: <message>\n<error type>".
    std::string joined;
    for (const std::string& line : lines) {
        joined += joined.empty() ? "" : "\n";
        joined += line;
    }
    return record_line("platform.fault", joined, now);
}

std::string PlatformLog::end(std::string_view request_id, const InvocationResult& result,
                             WallClock::time_point now) const {
    const ReportFigures figures = report_figures(result, m_memory_mb, m_timeout_s);
    std::string text = faults(result.log_lines, now);
    if (m_config.format == LogFormat::Text) {
        text += end_line(request_id);
        text += report_line(request_id, figures);
        return text;
    }
    const std::string status = figures.status.empty() ? "success" : figures.status;
    const double duration_ms = report_ms(reported_duration_ms(figures));
    if (shown(LogLevel::Debug)) {
        ordered_json record = ordered_json::object();
        record["requestId"] = std::string(request_id);
        record["status"] = status;
        if (!figures.error_type.empty()) {
            record["errorType"] = figures.error_type;
        }
        record["metrics"] = {{"durationMs", duration_ms},
                             {"producedBytes", result.streamed ? result.streamed_bytes
                                               : result.ok()   ? result.payload.size()
                                                               : 0}};
        text += record_line("platform.runtimeDone", std::move(record), now);
    }
    if (shown(report_level(figures.status))) {
        ordered_json metrics = ordered_json::object();
        metrics["durationMs"] = duration_ms;
        metrics["billedDurationMs"] = billed_duration_ms(figures);
        metrics["memorySizeMB"] = figures.memory_size_mb;
        metrics["maxMemoryUsedMB"] = figures.max_memory_used_mb;
        if (figures.init_duration_ms) {
            metrics["initDurationMs"] = report_ms(*figures.init_duration_ms);
        }
        ordered_json record = ordered_json::object();
        record["requestId"] = std::string(request_id);
        record["metrics"] = std::move(metrics);
        record["status"] = status;
        if (!figures.error_type.empty()) {
            record["errorType"] = figures.error_type;
        }
        if (figures.debugger_attached) {
            record["debugger"] = "attached"; // lambda-local's, as the text REPORT's field
        }
        text += record_line("platform.report", std::move(record), now);
    }
    return text;
}

} // namespace lambda_local::runtime
