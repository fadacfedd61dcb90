// The log of `serve`: every execution environment's output, line by line, attributed to its
// function, together with lambda-local's own lines, on one descriptor (stderr).
#pragma once

#include "runtime/util/fd.hpp"

#include <future>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace lambda_local::runtime::server {

// A line written to a source that starts with this character is shown without the prefix.
inline constexpr char k_unattributed_line = '\x1e';

// One producer of log lines: its write end goes to an execution environment's stdout and
// stderr, and the platform's START/END/REPORT lines are written to it too, so that they stay
// in order with the handler's output.
struct LogSource {
    int id = 0;
    Fd write; // close it (and let the environment end) to retire the source
};

// Reads every source on one thread and writes whole lines, "<prefix> <line>", to the output.
class LogPump {
  public:
    // `output_fd` is not owned (stderr). `quiet`: read and drop the functions' lines.
    explicit LogPump(int output_fd, bool quiet = false);
    LogPump(const LogPump&) = delete;
    LogPump& operator=(const LogPump&) = delete;
    // Writes what is left and stops the thread.
    ~LogPump();

    // A new source whose lines are shown after `prefix` ("[HelloFunction]").
    LogSource add_source(std::string prefix);
    // The lines of `source` from "START RequestId: <id>" to "REPORT RequestId: <id>", once the
    // REPORT line has been read (for the Invoke API's X-Amz-Log-Result). Ask before writing START.
    std::future<std::string> capture(int source, std::string request_id);
    // Writes one line of lambda-local's own (an access line), whole.
    void write_line(std::string_view line);

  private:
    struct Source {
        Fd read;
        std::string prefix;
        std::string partial; // the bytes after the last '\n'
        std::string capture_id;
        bool capturing = false;
        std::string captured;
        std::promise<std::string> captured_promise;
        bool capture_pending = false;
    };
    void run();
    // Splits the new bytes of `source` into lines; appends the output to `out`.
    void take_lines(Source& source, std::string_view bytes, std::string& out);
    void line_done(Source& source, std::string_view line, std::string& out);
    void write_out(const std::string& text);

    int m_output_fd;
    bool m_quiet;
    std::mutex m_mutex;       // guards m_sources and the capture fields
    std::mutex m_write_mutex; // one write at a time on the output
    std::map<int, Source> m_sources;
    int m_next_id = 1;
    Fd m_wake_read;
    Fd m_wake_write;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace lambda_local::runtime::server
