// The log of `serve`: every execution environment's output, line by line, attributed to its
// function, together with lambda-local's own lines, on one descriptor (stderr).
#pragma once

#include "runtime/loop/event_loop.hpp"
#include "runtime/util/fd.hpp"

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace lambda_local::runtime::server {

// A line written to a source that starts with this character is shown without the prefix.
inline constexpr char k_unattributed_line = '\x1e';

class LogSource;

// Writes the log. Lines are gathered on the loop's thread and written by a thread of its own:
// a terminal or a pipe that is slow to read must never hold the loop up. Past
// k_max_pending bytes waiting, lines are dropped (and counted in a line that says so) rather
// than held without bound.
class ServeLog {
  public:
    static constexpr std::size_t k_max_pending = 64u << 20;

    // `output_fd` is not owned (stderr). `quiet`: read and drop the functions' lines.
    ServeLog(loop::EventLoop& loop, int output_fd, bool quiet = false);
    ServeLog(const ServeLog&) = delete;
    ServeLog& operator=(const ServeLog&) = delete;
    // Writes what is left, then stops the thread.
    ~ServeLog();

    // One line of lambda-local's own (an access line, a warning).
    void write_line(std::string_view line);
    // A new source whose lines are shown after `prefix` ("[HelloFunction]").
    std::unique_ptr<LogSource> open_source(std::string prefix);

  private:
    friend class LogSource;
    void emit(std::string_view text);
    void run();

    loop::EventLoop& m_loop;
    int m_output_fd;
    bool m_quiet;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::string m_pending;
    std::size_t m_dropped = 0; // bytes dropped since the last line that said so
    bool m_stopping = false;
    std::thread m_writer;
};

// One producer of log lines: an execution environment's stdout and stderr (write_fd()), and
// the platform's START/END/REPORT lines, written into the same pipe so that they stay in order
// with the handler's output. Read on the loop as it arrives.
class LogSource {
  public:
    LogSource(ServeLog& log, std::string prefix);
    LogSource(const LogSource&) = delete;
    LogSource& operator=(const LogSource&) = delete;
    // Shows what is still in the pipe, and a line that never ended.
    ~LogSource();

    // The descriptor for the worker's stdout and stderr.
    int write_fd() const { return m_write.get(); }
    // Writes platform lines (whole lines) into the pipe, after what the handler wrote so far.
    void write(std::string_view text);
    // Calls `captured` with the lines from "START RequestId: <id>" to "REPORT RequestId: <id>"
    // once the REPORT line has been read (for the Invoke API's X-Amz-Log-Result); with what
    // there is when the source ends first. Ask before writing START.
    void capture(std::string request_id, std::function<void(std::string)> captured);

  private:
    // Reads what the pipe has now (at most `budget` bytes); false at its end.
    bool read_now(std::size_t budget);
    void take_lines(std::string_view bytes, std::string& out);
    void line_done(std::string_view line, std::string& out);
    void finish_capture();

    ServeLog& m_log;
    std::string m_prefix;
    Fd m_read;     // the loop's end
    Fd m_write;    // the worker's end
    Fd m_platform; // the same pipe, opened again without blocking, for write()
    std::unique_ptr<loop::FdWatch> m_watch;
    std::string m_partial; // the bytes after the last '\n'
    std::string m_capture_id;
    bool m_capturing = false;
    std::string m_captured;
    std::function<void(std::string)> m_captured_callback;
};

} // namespace lambda_local::runtime::server
