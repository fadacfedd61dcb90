// The log of `serve`: environments' output read on the loop, written by a thread of its own.
#include "runtime/server/serve_log.hpp"

#include "runtime/logs/log_result.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace lambda_local::runtime::server {
namespace {

// What one turn of the loop reads of one source, so that a flood cannot hold the loop.
constexpr std::size_t k_read_budget = 256 * 1024;

} // namespace

ServeLog::ServeLog(loop::EventLoop& loop, int output_fd, bool quiet)
    : m_loop(loop), m_output_fd(output_fd), m_quiet(quiet), m_writer([this] { run(); }) {}

ServeLog::~ServeLog() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_writer.join();
}

void ServeLog::write_line(std::string_view line) {
    std::string text(line);
    text += '\n';
    emit(text);
}

std::unique_ptr<LogSource> ServeLog::open_source(std::string prefix, const LoggingConfig& logging) {
    return std::make_unique<LogSource>(*this, std::move(prefix), logging);
}

void ServeLog::emit(std::string_view text) {
    if (text.empty()) {
        return;
    }
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_pending.size() + text.size() > k_max_pending) {
            m_dropped += text.size();
            return;
        }
        wake = m_pending.empty();
        m_pending.append(text);
    }
    if (wake) {
        m_wake.notify_one();
    }
}

void ServeLog::run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_pending.empty(); });
        if (m_pending.empty() && m_stopping) {
            return;
        }
        std::string text = std::move(m_pending);
        m_pending.clear();
        std::size_t dropped = std::exchange(m_dropped, 0);
        lock.unlock();
        if (dropped > 0) {
            text = "lambda-local: warning: the log was written faster than it was read: " +
                   std::to_string(dropped) + " bytes of it were dropped\n" + text;
        }
        write_all(m_output_fd, text);
        // Lines come in bursts: gathering half a millisecond's worth saves a write and a
        // wake-up per invocation under load.
        std::this_thread::sleep_for(std::chrono::microseconds(500));
        lock.lock();
    }
}

LogSource::LogSource(ServeLog& log, std::string prefix, const LoggingConfig& logging)
    : m_log(log), m_prefix(std::move(prefix)), m_output(logging) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    m_read = Fd(fds[0]);
    m_write = Fd(fds[1]);
    ::fcntl(m_read.get(), F_SETFL, O_NONBLOCK);
    // Room for a burst of output while the loop is busy (the system's limit applies).
    ::fcntl(m_write.get(), F_SETPIPE_SZ, 1 << 20);
    m_watch = std::make_unique<loop::FdWatch>(log.m_loop, m_read.get());
    m_watch->start(UV_READABLE, [this](int) {
        if (!read_now(k_read_budget)) {
            m_watch->stop(); // every writer is gone; the destructor shows the rest
        }
    });
}

LogSource::~LogSource() {
    m_watch.reset();
    m_write.reset();
    read_now(SIZE_MAX);
    std::string out;
    m_lines.clear();
    m_output.flush(m_lines);
    function_lines(m_lines, out);
    // Platform lines whose output never came (the pipe ended first) are shown last.
    while (!m_pending.empty()) {
        platform_lines(m_pending.front(), out);
        m_pending.pop_front();
    }
    m_log.emit(out);
    end_capture();
}

void LogSource::write_platform(std::string text, bool ends_capture) {
    int queued = 0;
    ::ioctl(m_read.get(), FIONREAD, &queued);
    std::uint64_t at = m_read_total + std::uint64_t(std::max(queued, 0));
    m_pending.push_back({std::move(text), ends_capture, at});
    // What was written before it is in the pipe already: read up to it (no further: a function
    // that writes without end cannot hold this call), then show it.
    read_now(static_cast<std::size_t>(at - m_read_total));
}

void LogSource::capture(std::function<void(std::string)> captured) {
    end_capture();
    m_capture_armed = true;
    m_captured.clear();
    m_captured_callback = std::move(captured);
}

void LogSource::end_capture() {
    m_capture_armed = false;
    m_capturing = false;
    if (m_captured_callback) {
        std::function<void(std::string)> callback = std::exchange(m_captured_callback, nullptr);
        callback(std::exchange(m_captured, {}));
    }
}

bool LogSource::read_now(std::size_t budget) {
    char buffer[65536];
    std::string out;
    bool open = true;
    show_platform(out);
    while (budget > 0) {
        std::size_t want = std::min(sizeof buffer, budget);
        if (!m_pending.empty()) {
            // Not past the next platform lines: they are shown before what follows them.
            want = std::min<std::uint64_t>(want, m_pending.front().at - m_read_total);
            if (want == 0) {
                show_platform(out);
                continue;
            }
        }
        ssize_t n = ::read(m_read.get(), buffer, want);
        if (n > 0) {
            m_read_total += static_cast<std::uint64_t>(n);
            budget -= static_cast<std::size_t>(n);
            m_lines.clear();
            m_output.feed(std::string_view(buffer, static_cast<std::size_t>(n)), m_lines);
            function_lines(m_lines, out);
            show_platform(out);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        open = n < 0 && errno == EAGAIN;
        break;
    }
    m_log.emit(out);
    return open;
}

void LogSource::show_platform(std::string& out) {
    while (!m_pending.empty() && m_pending.front().at <= m_read_total) {
        m_lines.clear();
        m_output.flush(m_lines); // the line in progress ends here
        function_lines(m_lines, out);
        Platform platform = std::move(m_pending.front());
        m_pending.pop_front();
        platform_lines(platform, out);
    }
}

void LogSource::platform_lines(const Platform& platform, std::string& out) {
    if (m_capture_armed) {
        m_capture_armed = false;
        m_capturing = true;
    }
    std::string_view text = platform.text;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.front() == k_unattributed_line) {
            out.append(line.substr(1)).append("\n");
            continue;
        }
        if (m_capturing) {
            keep_log_tail(m_captured, line);
            m_captured += '\n';
        }
        if (!m_log.m_quiet) {
            out.append(m_prefix).append(" ").append(line).append("\n");
        }
    }
    if (platform.ends_capture && m_capturing) {
        end_capture();
    }
}

void LogSource::function_lines(std::vector<std::string>& lines, std::string& out) {
    for (const std::string& line : lines) {
        if (m_capturing) {
            keep_log_tail(m_captured, line);
            m_captured += '\n';
        }
        if (!m_log.m_quiet) {
            out.append(m_prefix).append(" ").append(line).append("\n");
        }
    }
    lines.clear();
}

} // namespace lambda_local::runtime::server
