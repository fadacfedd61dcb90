// The text output of `lambda-local test`: one line per case, failures with their diff and log,
// and the closing "N passed, N failed[, N skipped]".
#pragma once

#include "runtime/testing/runner.hpp"

#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// How much the console shows.
enum class Detail {
    Quiet,   // failing cases only (with their diff and log), and the summary
    Normal,  // every case's line; a failure's diff and the end of its log
    Verbose, // also every case's whole log
};

// Lines shown of a failing case's log unless verbose (the end of the log).
inline constexpr std::size_t k_log_tail_lines = 100;

// The lines of one case: "  PASS  <name> (<duration> ms)", "  FAIL  ...", "  SKIP  <name>
// (<reason>)", followed for a failure by its problems and its log, indented.
std::string format_case(const CaseResult& result, Detail detail);

// "N passed, N failed", plus ", N skipped" when any were skipped.
std::string summary_line(const RunResult& run);

// Whether every case of the run passed or was skipped, and nothing else went wrong.
bool all_passed(const RunResult& run);

// Prints a run as it goes, file by file in the order given: a file's cases appear as they
// finish while it is the first unfinished file, else when the files before it are done.
class ConsoleReporter : public RunListener {
  public:
    ConsoleReporter(std::ostream& out, std::ostream& err, Detail detail,
                    std::vector<std::string> file_paths);

    void case_finished(std::size_t file, const CaseResult& result) override;
    void file_finished(std::size_t file, const FileResult& result) override;
    void sandbox_note(const std::string& note) override;

    // Prints the summary line (last).
    void finish(const RunResult& run);

  private:
    void add(std::size_t file, const std::string& text);
    void flush_ready();

    std::ostream& m_out;
    std::ostream& m_err;
    Detail m_detail;
    std::vector<std::string> m_paths;
    std::vector<std::string> m_pending; // text of each file not yet printed
    std::vector<bool> m_headed;         // the file's name has been added
    std::vector<bool> m_done;
    std::size_t m_next = 0; // the first file not completely printed
    std::mutex m_mutex;
};

} // namespace lambda_local::runtime::testing
