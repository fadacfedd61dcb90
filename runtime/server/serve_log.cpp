// The log of `serve`: environments' output read on the loop, written by a thread of its own.
#include "runtime/server/serve_log.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace lambda_local::runtime::server {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// A line that never ends is shown in pieces of this size rather than held forever.
constexpr std::size_t k_max_line = 64 * 1024;
// What one turn of the loop reads of one source, so that a flood cannot hold the loop.
constexpr std::size_t k_read_budget = 256 * 1024;

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; // a closed stderr loses the log, never the server
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

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

std::unique_ptr<LogSource> ServeLog::open_source(std::string prefix) {
    return std::make_unique<LogSource>(*this, std::move(prefix));
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

LogSource::LogSource(ServeLog& log, std::string prefix) : m_log(log), m_prefix(std::move(prefix)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    m_read = Fd(fds[0]);
    m_write = Fd(fds[1]);
    ::fcntl(m_read.get(), F_SETFL, O_NONBLOCK);
    // Room for a burst of output while the loop is busy (the system's limit applies).
    ::fcntl(m_write.get(), F_SETPIPE_SZ, 1 << 20);
    // A second open file description of the write end: non-blocking for the platform's lines,
    // while the worker's stays blocking (a handler must not see EAGAIN on its stdout).
    std::string again = "/proc/self/fd/" + std::to_string(m_write.get());
    m_platform = Fd(::open(again.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
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
    m_platform.reset();
    read_now(SIZE_MAX);
    std::string out;
    if (!m_partial.empty()) {
        line_done(m_partial, out);
        m_partial.clear();
    }
    m_log.emit(out);
    finish_capture();
}

void LogSource::write(std::string_view text) {
    if (!m_platform) {
        std::string out;
        take_lines(text, out);
        m_log.emit(out);
        return;
    }
    // When the pipe is full (a handler that writes without end), what is in it is read first;
    // after a while the lines go straight to the log, their order then approximate.
    for (int attempt = 0; attempt < 64 && !text.empty(); ++attempt) {
        ssize_t n = ::write(m_platform.get(), text.data(), text.size());
        if (n > 0) {
            text.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            read_now(k_read_budget);
            continue;
        }
        break;
    }
    if (!text.empty()) {
        std::string out;
        read_now(SIZE_MAX);
        take_lines(text, out);
        m_log.emit(out);
    }
}

void LogSource::capture(std::string request_id, std::function<void(std::string)> captured) {
    finish_capture();
    m_capture_id = std::move(request_id);
    m_capturing = false;
    m_captured.clear();
    m_captured_callback = std::move(captured);
}

void LogSource::finish_capture() {
    if (m_captured_callback) {
        std::function<void(std::string)> callback = std::exchange(m_captured_callback, nullptr);
        callback(std::exchange(m_captured, {}));
    }
}

bool LogSource::read_now(std::size_t budget) {
    char buffer[65536];
    std::string out;
    bool open = true;
    while (budget > 0) {
        ssize_t n = ::read(m_read.get(), buffer, std::min(sizeof buffer, budget));
        if (n > 0) {
            take_lines(std::string_view(buffer, static_cast<std::size_t>(n)), out);
            budget -= static_cast<std::size_t>(n);
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

void LogSource::line_done(std::string_view line, std::string& out) {
    if (m_captured_callback) {
        if (!m_capturing && starts_with(line, "START RequestId: " + m_capture_id)) {
            m_capturing = true;
        }
        if (m_capturing) {
            m_captured.append(line).append("\n");
            if (starts_with(line, "REPORT RequestId: " + m_capture_id)) {
                m_capturing = false;
                finish_capture();
            }
        }
    }
    if (!line.empty() && line.front() == k_unattributed_line) {
        out.append(line.substr(1)).append("\n");
    } else if (!m_log.m_quiet) {
        out.append(m_prefix).append(" ").append(line).append("\n");
    }
}

void LogSource::take_lines(std::string_view bytes, std::string& out) {
    std::size_t newline;
    while ((newline = bytes.find('\n')) != std::string_view::npos) {
        if (m_partial.empty()) {
            line_done(bytes.substr(0, newline), out);
        } else {
            m_partial.append(bytes.substr(0, newline));
            line_done(m_partial, out);
            m_partial.clear();
        }
        bytes.remove_prefix(newline + 1);
    }
    m_partial.append(bytes);
    if (m_partial.size() > k_max_line) {
        line_done(m_partial, out);
        m_partial.clear();
    }
}

} // namespace lambda_local::runtime::server
