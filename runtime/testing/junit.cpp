// Writing a test run as JUnit XML.
#include "runtime/testing/junit.hpp"

#include "runtime/util/error.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace lambda_local::runtime::testing {
namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD"; // U+FFFD

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0.
std::size_t utf8_sequence(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (byte(i) & 0x3F);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
    // U+FFFE and U+FFFF are not XML characters either.
    if (overlong || surrogate || code > 0x10FFFF || code == 0xFFFE || code == 0xFFFF) {
        return 0;
    }
    return length;
}

std::string seconds(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    return text;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

struct SuiteCounts {
    std::size_t tests = 0;
    std::size_t failures = 0;
    std::size_t skipped = 0;
    double seconds = 0;
};

SuiteCounts count(const FileResult& file) {
    SuiteCounts counts;
    for (const CaseResult& result : file.cases) {
        ++counts.tests;
        counts.failures += result.verdict == Verdict::Fail ? 1 : 0;
        counts.skipped += result.verdict == Verdict::Skip ? 1 : 0;
    }
    counts.seconds = file.seconds;
    return counts;
}

std::string totals(const SuiteCounts& counts, std::size_t errors) {
    return " tests=\"" + std::to_string(counts.tests) + "\" failures=\"" +
           std::to_string(counts.failures) + "\" errors=\"" + std::to_string(errors) +
           "\" skipped=\"" + std::to_string(counts.skipped) + "\" time=\"" +
           seconds(counts.seconds) + "\"";
}

} // namespace

std::string xml_escape(std::string_view text, bool attribute) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        switch (c) {
        case '&':
            out += "&amp;";
            ++i;
            continue;
        case '<':
            out += "&lt;";
            ++i;
            continue;
        case '>':
            out += "&gt;";
            ++i;
            continue;
        case '"':
            out += "&quot;";
            ++i;
            continue;
        case '\'':
            out += "&apos;";
            ++i;
            continue;
        case '\t':
            out += attribute ? "&#9;" : std::string(1, text[i]);
            ++i;
            continue;
        case '\n':
            out += attribute ? "&#10;" : std::string(1, text[i]);
            ++i;
            continue;
        case '\r':
            out += "&#13;";
            ++i;
            continue;
        default:
            break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            out += k_replacement;
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence(text.substr(i));
        if (length == 0) {
            out += k_replacement;
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

std::string junit_xml(const RunResult& run) {
    SuiteCounts all;
    std::size_t all_errors = 0;
    std::string suites;
    for (const FileResult& file : run.files) {
        const SuiteCounts counts = count(file);
        const std::size_t errors = file.error.empty() ? 0 : 1;
        all.tests += counts.tests;
        all.failures += counts.failures;
        all.skipped += counts.skipped;
        all.seconds += counts.seconds;
        all_errors += errors;
        const std::string suite = xml_escape(file.path);
        suites += "  <testsuite name=\"" + suite + "\"" + totals(counts, errors) + ">\n";
        for (const CaseResult& result : file.cases) {
            suites += "    <testcase name=\"" + xml_escape(result.name) + "\" classname=\"" +
                      suite + "\" time=\"" + seconds(result.duration_ms / 1000.0) + "\"";
            if (result.verdict == Verdict::Pass && result.log.empty()) {
                suites += "/>\n";
                continue;
            }
            suites += ">\n";
            if (result.verdict == Verdict::Skip) {
                suites += "      <skipped message=\"" + xml_escape(result.skip_reason) + "\"/>\n";
            } else if (result.verdict == Verdict::Fail) {
                std::string text;
                for (const std::string& failure : result.failures) {
                    text += failure + (failure.ends_with('\n') ? "" : "\n");
                }
                const std::string message =
                    result.failures.empty() ? "failed" : first_line(result.failures.front());
                suites += "      <failure message=\"" + xml_escape(message) +
                          "\" type=\"AssertionError\">" + xml_escape(text, false) + "</failure>\n";
            }
            if (!result.log.empty()) {
                suites += "      <system-out>" + xml_escape(result.log, false) + "</system-out>\n";
            }
            suites += "    </testcase>\n";
        }
        if (!file.error.empty()) {
            suites += "    <system-err>" + xml_escape(file.error, false) + "</system-err>\n";
        }
        suites += "  </testsuite>\n";
    }
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lambda-local test\"" +
           totals(all, all_errors) + ">\n" + suites + "</testsuites>\n";
}

void write_junit(const std::string& path, const RunResult& run) {
    const std::string xml = junit_xml(run);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        throw Error("--junit " + path + ": cannot open: " + std::strerror(errno));
    }
    out << xml;
    out.close();
    if (!out.good()) {
        throw Error("--junit " + path + ": cannot write");
    }
}

} // namespace lambda_local::runtime::testing
