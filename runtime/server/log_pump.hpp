// The log of `serve`: every execution environment's output, line by line, attributed to its
// function, together with lambda-local's own lines, on one descriptor (stderr).
#pragma once

#include "runtime/application_log.hpp"
#include "runtime/logging_config.hpp"
#include "runtime/util/fd.hpp"

#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lambda_local::runtime::server {

// A line of the platform's text (write_platform) that starts with this character is
// lambda-local's own: shown without the prefix, under -q too, and never captured. A function's
// output has no such lines: its bytes are its own, whatever they are.
inline constexpr char k_unattributed_line = '\x1e';

// One producer of log lines: its write end goes to an execution environment's stdout and
// stderr. The platform's lines (START..REPORT) are not written to it but given with
// write_platform(), so that a function cannot forge them, and they still come in order with its
// output.
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

    // A new source whose lines are shown after `prefix` ("[HelloFunction]"), its output read as
    // `logging` says (ApplicationLogReader: the JSON format's level filter).
    LogSource add_source(std::string prefix, const LoggingConfig& logging = {});
    // The platform's lines for `source` (PlatformLog's), shown after everything its environment
    // wrote before this call, whose line in progress is ended first. `ends_capture`: the capture
    // of `source` in progress ends with these lines.
    void write_platform(int source, std::string text, bool ends_capture = false);
    // The lines of `source`, without the prefix, from its next write_platform() to the one that
    // ends the capture, once that has been shown (the Invoke API's X-Amz-Log-Result).
    std::future<std::string> capture(int source);
    // Writes one line of lambda-local's own (an access line), whole.
    void write_line(std::string_view line);

  private:
    struct Platform {
        std::string text;
        bool ends_capture = false;
        std::uint64_t at = 0; // the source's bytes written before it: where it goes
    };
    struct Source {
        explicit Source(const LoggingConfig& logging) : output(logging) {}
        Fd read;
        std::string prefix;
        ApplicationLogReader output;
        std::deque<Platform> pending; // platform lines to show once the output before is read
        std::uint64_t read_total = 0; // bytes read from the pipe
        bool capture_armed = false;   // capture() was asked: start at the next platform lines
        bool capturing = false;
        std::string captured;
        std::promise<std::string> captured_promise;
    };
    void run();
    // Shows the lines `bytes` of output complete (the function's own).
    void take_output(Source& source, std::string_view bytes, std::string& out);
    // Shows the pending platform lines of `source`, each after the output written before it (its
    // line in progress ended) and before the output written after it.
    void show_platform(Source& source, std::string& buffer, std::string& out);
    // Reads `count` bytes of the source's output (that are in its pipe) and shows their lines.
    void read_output(Source& source, std::uint64_t count, std::string& buffer, std::string& out);
    // Reads what the pipe holds now and ends the line in progress (stopping, or at its end).
    void drain(Source& source, std::string& buffer, std::string& out);
    void platform_lines(Source& source, const Platform& platform, std::string& out);
    void function_line(Source& source, std::string_view line, std::string& out);
    void end_capture(Source& source);
    void write_out(const std::string& text);

    int m_output_fd;
    bool m_quiet;
    std::mutex m_mutex;       // guards m_sources and the capture fields
    std::mutex m_write_mutex; // one write at a time on the output
    std::map<int, Source> m_sources;
    std::vector<std::string> m_lines; // scratch: the lines of one read, pump thread only
    int m_next_id = 1;
    Fd m_wake_read;
    Fd m_wake_write;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace lambda_local::runtime::server
