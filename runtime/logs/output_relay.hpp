// `invoke`'s log: a pipe for the environment's stdout and stderr, read on a thread of its own,
// its lines written in order with the platform's.
#pragma once

#include "runtime/logs/application_log.hpp"
#include "runtime/logs/logging_config.hpp"
#include "runtime/util/fd.hpp"

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lambda_local::runtime {

// The function's output of one `invoke`, read from a pipe through an ApplicationLogReader and
// written to a descriptor, with the platform's lines put in between in order: everything the
// environment wrote before a platform() call comes out before it, and a line it did not end is
// ended there (the JSON format's filter and the log --log-result carries need the lines too).
class OutputRelay {
  public:
    // Lines go to `output_fd` (not owned: stderr). Throws lambda_local::Error when the pipe
    // cannot be made.
    OutputRelay(const LoggingConfig& logging, int output_fd);
    OutputRelay(const OutputRelay&) = delete;
    OutputRelay& operator=(const OutputRelay&) = delete;
    // Stops the thread (without writing what is left: finish() does).
    ~OutputRelay();

    // The pipe's write end, for the environment's stdout and stderr.
    int write_fd() const { return m_write.get(); }
    // The platform's lines (PlatformLog's), after what the environment wrote before this call,
    // whose line in progress is ended first. Part of log(); written unless `shown` is false (-q).
    void platform(std::string_view text, bool shown = true);
    // Lines of lambda-local's own (warnings), in order; not part of log().
    void own(std::string_view text);
    // Stops reading, once the environment has ended: what the pipe holds is written, the last
    // line ended.
    void finish();
    // The end of the log so far, platform and function lines (at least its last 4 KB whole, what
    // LogResult needs).
    std::string log() const;

  private:
    void run();
    // Reads what the pipe holds now (at most that much), with m_mutex held.
    void drain();
    void show(const std::vector<std::string>& lines);
    void keep(std::string_view text);

    int m_output_fd;
    Fd m_read;
    Fd m_write;
    Fd m_stop_read;
    Fd m_stop_write;
    mutable std::mutex m_mutex; // the reader, the log and the writes to the output
    ApplicationLogReader m_output;
    std::vector<std::string> m_lines; // scratch, m_mutex held
    std::string m_log;
    std::thread m_thread;
};

} // namespace lambda_local::runtime
