// The function's own output (its application log) as log lines, filtered as Lambda filters it.
#pragma once

#include "runtime/logging_config.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime {

// The longest line kept whole: 256 KiB, CloudWatch Logs' largest event. A longer line is cut
// into pieces of at most this size (at a UTF-8 character boundary when there is one nearby),
// each a line of its own, so that a handler writing without a newline costs at most this much.
inline constexpr std::size_t k_max_log_line_bytes = 256 * 1024;

// Turns the bytes a function writes to stdout and stderr, as they arrive (any chunks, lines
// split anywhere), into its log lines. No threads, no descriptors: bytes in, lines out.
//
// Text: every line as written. JSON, as Lambda handles an OS-only runtime's output: a line that
// is a JSON object is kept, unchanged, when its "level" (TRACE..FATAL, any case) is at or above
// ApplicationLogLevel; a missing level, or one that is not one of those strings, counts as INFO.
// Any other line (plain text, other JSON, invalid UTF-8, NULs, a piece of a cut line) is kept as
// written, at INFO. Lines that look like the platform's records are the function's like any
// other. Lines keep their bytes; only the '\n' that ends them is taken off.
class ApplicationLogReader {
  public:
    explicit ApplicationLogReader(const LoggingConfig& config);

    // Takes the next bytes of output; appends to `lines` the lines they complete that are kept.
    void feed(std::string_view bytes, std::vector<std::string>& lines);
    // Ends the line in progress, if any: appends it to `lines` (when kept) as a line of its own.
    // At the platform's lines (END, REPORT) and at the end of the output.
    void flush(std::vector<std::string>& lines);

    // The level Lambda gives one whole line of output (INFO unless it is a JSON object with a
    // valid "level").
    static LogLevel level_of(std::string_view line);

  private:
    void take_line(std::string_view line, bool whole, std::vector<std::string>& lines) const;
    void cut_pieces(std::vector<std::string>& lines);

    LoggingConfig m_config;
    std::string m_partial;    // the bytes after the last '\n', shorter than the cap
    bool m_continued = false; // m_partial continues a line that was cut
};

} // namespace lambda_local::runtime
