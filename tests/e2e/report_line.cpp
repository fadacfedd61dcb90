// Reading Lambda's REPORT lines in the end-to-end tests.
#include "tests/e2e/report_line.hpp"

#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <regex>

namespace lambda_local::e2e {
namespace {

// `text` as a regular expression that matches only itself.
std::string literal(const std::string& text) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(text, special, R"(\$&)");
}

// 307127 of "3071.27".
std::int64_t hundredths(const std::string& text) {
    std::string digits = text;
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    return std::stoll(digits);
}

} // namespace

ReportNumbers check_report_line(const std::string& line, const ExpectedReport& expected) {
    const std::string number = "([0-9]+\\.[0-9]{2})";
    std::string pattern =
        "^REPORT RequestId: " + literal(expected.request_id) +
        "\tDuration: " + (expected.duration ? "(" + literal(*expected.duration) + ")" : number) +
        " ms\tBilled Duration: ([0-9]+) ms\tMemory Size: " +
        std::to_string(expected.memory_size_mb) + " MB\tMax Memory Used: ([0-9]+) MB\t";
    if (expected.cold) {
        pattern += "Init Duration: " + number + " ms\t";
    }
    if (!expected.status.empty()) {
        pattern += "Status: " + literal(expected.status);
    }
    pattern += "$";
    INFO("REPORT line: " << line);
    INFO("expected: " << pattern);
    std::smatch m;
    REQUIRE(std::regex_match(line, m, std::regex(pattern)));
    ReportNumbers numbers;
    numbers.duration = hundredths(m[1].str());
    numbers.billed_ms = std::stoll(m[2].str());
    numbers.max_memory_used_mb = std::stoll(m[3].str());
    if (expected.cold) {
        numbers.init_duration = hundredths(m[4].str());
    }
    const std::int64_t total = numbers.duration + numbers.init_duration.value_or(0);
    CHECK(numbers.billed_ms == std::max<std::int64_t>(1, (total + 99) / 100));
    return numbers;
}

std::string report_line_of(const std::vector<std::string>& lines, const std::string& request_id,
                           std::size_t from) {
    const auto at = find_line_starting(lines, "REPORT RequestId: " + request_id + "\t", from);
    REQUIRE_MESSAGE(at.has_value(), "no REPORT line for " << request_id);
    return lines[*at];
}

} // namespace lambda_local::e2e
