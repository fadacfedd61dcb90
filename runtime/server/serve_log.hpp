// The log of `serve`: every execution environment's output, line by line, attributed to its
// function, together with lambda-local's own lines, on one descriptor (stderr).
#pragma once

#include "runtime/application_log.hpp"
#include "runtime/logging_config.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/util/fd.hpp"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace lambda_local::runtime::server {

// A line of the platform's text (LogSource::write_platform) that starts with this character is
// lambda-local's own: shown without the prefix, under -q too, and never captured. A function's
// output has no such lines: its bytes are its own, whatever they are.
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
    // A new source whose lines are shown after `prefix` ("[HelloFunction]"), its output read as
    // `logging` says (ApplicationLogReader: the JSON format's level filter).
    std::unique_ptr<LogSource> open_source(std::string prefix, const LoggingConfig& logging = {});

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

// One producer of log lines: an execution environment's stdout and stderr (write_fd()), read on
// the loop as it arrives. The platform's lines (START..REPORT) are not written into that pipe
// but given with write_platform(), so that a function cannot forge them; they are shown after
// everything the environment wrote before the call, and before what it writes after.
class LogSource {
  public:
    LogSource(ServeLog& log, std::string prefix, const LoggingConfig& logging);
    LogSource(const LogSource&) = delete;
    LogSource& operator=(const LogSource&) = delete;
    // Shows what is still in the pipe, and a line that never ended.
    ~LogSource();

    // The descriptor for the worker's stdout and stderr.
    int write_fd() const { return m_write.get(); }
    // The platform's lines (PlatformLog's, whole lines), shown after everything the environment
    // wrote before this call, whose line in progress is ended first. `ends_capture`: the capture
    // in progress ends with these lines.
    void write_platform(std::string text, bool ends_capture = false);
    // Calls `captured` with the lines, without the prefix, from the next write_platform() to the
    // one that ends the capture, once that has been shown (the Invoke API's X-Amz-Log-Result);
    // with what there is when the source ends first.
    void capture(std::function<void(std::string)> captured);

  private:
    struct Platform {
        std::string text;
        bool ends_capture = false;
        std::uint64_t at = 0; // the source's bytes written before it: where it goes
    };
    // Reads what the pipe has now (at most `budget` bytes), showing the platform's lines where
    // they go; false at its end.
    bool read_now(std::size_t budget);
    // Shows the pending platform lines whose place has been reached.
    void show_platform(std::string& out);
    void platform_lines(const Platform& platform, std::string& out);
    void function_lines(std::vector<std::string>& lines, std::string& out);
    void end_capture();

    ServeLog& m_log;
    std::string m_prefix;
    ApplicationLogReader m_output;
    Fd m_read;  // the loop's end
    Fd m_write; // the worker's end
    std::unique_ptr<loop::FdWatch> m_watch;
    std::deque<Platform> m_pending;
    std::uint64_t m_read_total = 0;   // bytes read from the pipe
    std::vector<std::string> m_lines; // scratch
    bool m_capture_armed = false;     // start capturing at the next platform lines
    bool m_capturing = false;
    std::string m_captured;
    std::function<void(std::string)> m_captured_callback;
};

} // namespace lambda_local::runtime::server
