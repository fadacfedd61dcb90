// The platform's part of a function's log (init, START, the error lines, END, REPORT), as
// Lambda's text lines or as its JSON records: the one place where that sequence is assembled.
#pragma once

#include "runtime/function_spec.hpp"
#include "runtime/invocation.hpp"
#include "runtime/util/clock.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime {

// What the platform writes around a function's output, for one function. Each call returns
// whole lines, each ending with '\n' (or "" when its LoggingConfig filters everything out).
// Stateless: one per function, used from any thread.
//
// Text: START and END lines and the REPORT line of report.hpp; no INIT_START line (lambda-local
// names no runtime version).
// JSON: one record per line, {"time", "type", "record"} with the telemetry schema's field names
// (AWS "Telemetry API Event schema reference"): platform.initStart, platform.start,
// platform.runtimeDone, platform.report with its metrics and status ("success", "timeout",
// "error" or "failure", with an errorType), and the error lines as one platform.fault record
// (Lambda's Logs API). Records below SystemLogLevel are left out: runtimeDone is DEBUG; start,
// initStart and a successful report INFO; a report with another status and a fault WARN.
class PlatformLog {
  public:
    // The function's name, memory size, timeout and LoggingConfig.
    explicit PlatformLog(const FunctionSpec& function);

    // An execution environment starts (a cold start): platform.initStart; nothing in Text.
    std::string init_start(WallClock::time_point now = WallClock::now()) const;
    // An invocation starts: init_start() first when `cold`, then START (platform.start).
    std::string start(std::string_view request_id, bool cold,
                      WallClock::time_point now = WallClock::now()) const;
    // The platform's error lines (InvocationResult::log_lines): each as written, or one
    // platform.fault record holding them; "" when there are none.
    std::string faults(const std::vector<std::string>& lines,
                       WallClock::time_point now = WallClock::now()) const;
    // An invocation ended: its faults(), END (platform.runtimeDone) and REPORT (platform.report).
    std::string end(std::string_view request_id, const InvocationResult& result,
                    WallClock::time_point now = WallClock::now()) const;

    const LoggingConfig& config() const { return m_config; }

  private:
    bool shown(LogLevel level) const;

    std::string m_function_name;
    int m_memory_mb;
    double m_timeout_s;
    LoggingConfig m_config;
};

} // namespace lambda_local::runtime
