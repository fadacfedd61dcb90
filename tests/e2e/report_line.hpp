// Reading Lambda's REPORT lines in the end-to-end tests: fields, order and tabs exactly, the
// numbers by pattern, and the billed arithmetic (docs/commands.md, the REPORT line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::e2e {

// What a REPORT line must say besides the numbers that vary from run to run.
struct ExpectedReport {
    std::string request_id;
    int memory_size_mb = 128;
    bool cold = false;                   // with an Init Duration field
    std::optional<std::string> duration; // the exact Duration text ("1000.00"); else any
    // What ends the line: "" (then it ends with a tab), "timeout", or "error\tError Type: T".
    std::string status;
};

// The numbers of a REPORT line; durations in hundredths of a millisecond, as printed.
struct ReportNumbers {
    std::int64_t duration = 0;
    std::int64_t billed_ms = 0;
    std::int64_t max_memory_used_mb = 0;
    std::optional<std::int64_t> init_duration;
};

// REQUIREs that `line` is exactly the REPORT line `expected` describes, CHECKs that its Billed
// Duration is ceil(Duration + Init Duration), at least 1, and returns its numbers.
ReportNumbers check_report_line(const std::string& line, const ExpectedReport& expected);

// The REPORT line of `request_id` among `lines`, at or after `from`; REQUIREs that there is one.
std::string report_line_of(const std::vector<std::string>& lines, const std::string& request_id,
                           std::size_t from = 0);

} // namespace lambda_local::e2e
