// Printing a test run: case lines in file order, failures with diff and log, the summary.
#include "runtime/testing/console_reporter.hpp"

#include "runtime/execution/report.hpp"

#include <vector>

namespace lambda_local::runtime::testing {
namespace {

constexpr const char* k_indent = "        ";

// Each line of `text` with `prefix` in front.
std::string indented(const std::string& text, const std::string& prefix) {
    std::string out;
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) {
            end = text.size();
        }
        out += prefix + text.substr(begin, end - begin) + "\n";
        begin = end + 1;
    }
    return out;
}

// The log as "| line" lines: all of it (`tail` 0), or its last `tail` lines.
std::string log_block(const std::string& log, std::size_t tail) {
    std::vector<std::string> lines;
    std::size_t begin = 0;
    while (begin < log.size()) {
        std::size_t end = log.find('\n', begin);
        if (end == std::string::npos) {
            end = log.size();
        }
        lines.push_back(log.substr(begin, end - begin));
        begin = end + 1;
    }
    std::size_t first = 0;
    std::string out;
    if (tail > 0 && lines.size() > tail) {
        first = lines.size() - tail;
        out += std::string(k_indent) + "| ... (" + std::to_string(first) +
               " earlier lines; --verbose shows all)\n";
    }
    for (std::size_t i = first; i < lines.size(); ++i) {
        out += std::string(k_indent) + "| " + lines[i] + "\n";
    }
    return out;
}

struct Counts {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
};

Counts count(const RunResult& run) {
    Counts counts;
    for (const FileResult& file : run.files) {
        for (const CaseResult& result : file.cases) {
            switch (result.verdict) {
            case Verdict::Pass:
                ++counts.passed;
                break;
            case Verdict::Fail:
                ++counts.failed;
                break;
            case Verdict::Skip:
                ++counts.skipped;
                break;
            }
        }
    }
    return counts;
}

} // namespace

std::string format_case(const CaseResult& result, Detail detail) {
    std::string out;
    switch (result.verdict) {
    case Verdict::Skip:
        return "  SKIP  " + result.name + " (" + result.skip_reason + ")\n";
    case Verdict::Pass:
        out = "  PASS  ";
        break;
    case Verdict::Fail:
        out = "  FAIL  ";
        break;
    }
    out += result.name + " (" + format_ms(result.duration_ms) + " ms";
    if (detail == Detail::Verbose && result.init_duration_ms) {
        out += ", init " + format_ms(*result.init_duration_ms) + " ms";
    }
    if (detail == Detail::Verbose) {
        out += ", " + std::to_string(result.max_memory_used_mb) + " MB";
    }
    out += ")";
    if (!result.note.empty()) {
        out += " [" + result.note + "]";
    }
    out += "\n";
    for (const std::string& failure : result.failures) {
        out += indented(failure, k_indent);
    }
    const bool show_log =
        !result.log.empty() && (result.verdict == Verdict::Fail || detail == Detail::Verbose);
    if (show_log) {
        out += std::string(k_indent) + "log:\n";
        out += log_block(result.log, detail == Detail::Verbose ? 0 : k_log_tail_lines);
    }
    return out;
}

std::string summary_line(const RunResult& run) {
    const Counts counts = count(run);
    std::string line =
        std::to_string(counts.passed) + " passed, " + std::to_string(counts.failed) + " failed";
    if (counts.skipped > 0) {
        line += ", " + std::to_string(counts.skipped) + " skipped";
    }
    return line;
}

bool all_passed(const RunResult& run) {
    if (run.interrupted) {
        return false;
    }
    for (const FileResult& file : run.files) {
        if (!file.error.empty()) {
            return false;
        }
    }
    return count(run).failed == 0;
}

ConsoleReporter::ConsoleReporter(std::ostream& out, std::ostream& err, Detail detail,
                                 std::vector<std::string> file_paths)
    : m_out(out), m_err(err), m_detail(detail), m_paths(std::move(file_paths)),
      m_pending(m_paths.size()), m_headed(m_paths.size(), false), m_done(m_paths.size(), false) {}

void ConsoleReporter::add(std::size_t file, const std::string& text) {
    if (!m_headed[file]) {
        m_headed[file] = true;
        m_pending[file] += m_paths[file] + "\n";
    }
    m_pending[file] += text;
}

void ConsoleReporter::flush_ready() {
    while (m_next < m_paths.size()) {
        m_out << m_pending[m_next];
        m_pending[m_next].clear();
        if (!m_done[m_next]) {
            break;
        }
        ++m_next;
    }
    m_out.flush();
}

void ConsoleReporter::case_finished(std::size_t file, const CaseResult& result) {
    std::lock_guard lock(m_mutex);
    if (m_detail == Detail::Quiet && result.verdict != Verdict::Fail) {
        return;
    }
    add(file, format_case(result, m_detail));
    flush_ready();
}

void ConsoleReporter::file_finished(std::size_t file, const FileResult& result) {
    std::lock_guard lock(m_mutex);
    if (!result.error.empty()) {
        add(file, "  ERROR " + result.error + "\n");
    }
    m_done[file] = true;
    flush_ready();
}

void ConsoleReporter::sandbox_note(const std::string& note) {
    std::lock_guard lock(m_mutex);
    m_err << "lambda-local: warning: sandbox: " << note << "\n";
    m_err.flush();
}

void ConsoleReporter::finish(const RunResult& run) {
    std::lock_guard lock(m_mutex);
    for (; m_next < m_paths.size(); ++m_next) {
        m_out << m_pending[m_next];
    }
    m_out << summary_line(run) << "\n";
    m_out.flush();
}

} // namespace lambda_local::runtime::testing
