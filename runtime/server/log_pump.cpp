// The log of `serve`: execution environments' output read on one thread, written line by line.
#include "runtime/server/log_pump.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace lambda_local::runtime::server {

LogPump::LogPump(int output_fd, bool quiet) : m_output_fd(output_fd), m_quiet(quiet) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw Error(os_error("pipe2"));
    }
    m_wake_read = Fd(fds[0]);
    m_wake_write = Fd(fds[1]);
    m_thread = std::thread([this] { run(); });
}

LogPump::~LogPump() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    char byte = 0;
    [[maybe_unused]] ssize_t ignored = ::write(m_wake_write.get(), &byte, 1);
    m_thread.join();
}

LogSource LogPump::add_source(std::string prefix, const LoggingConfig& logging) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    LogSource source;
    source.write = Fd(fds[1]);
    {
        std::lock_guard lock(m_mutex);
        source.id = m_next_id++;
        Source& added = m_sources.try_emplace(source.id, logging).first->second;
        added.read = Fd(fds[0]);
        added.prefix = std::move(prefix);
    }
    char byte = 0;
    [[maybe_unused]] ssize_t ignored = ::write(m_wake_write.get(), &byte, 1);
    return source;
}

std::future<std::string> LogPump::capture(int source) {
    std::lock_guard lock(m_mutex);
    auto found = m_sources.find(source);
    std::promise<std::string> promise;
    std::future<std::string> future = promise.get_future();
    if (found == m_sources.end()) {
        promise.set_value({});
        return future;
    }
    Source& s = found->second;
    if (s.capture_armed || s.capturing) {
        end_capture(s);
    }
    s.captured.clear();
    s.captured_promise = std::move(promise);
    s.capture_armed = true;
    return future;
}

void LogPump::write_platform(int source, std::string text, bool ends_capture) {
    {
        // The pump reads with m_mutex held: what it has read and what the pipe holds now are all
        // the output written before this call, and only that.
        std::lock_guard lock(m_mutex);
        auto found = m_sources.find(source);
        if (found != m_sources.end()) {
            Source& s = found->second;
            int buffered = 0;
            if (::ioctl(s.read.get(), FIONREAD, &buffered) != 0 || buffered < 0) {
                buffered = 0;
            }
            s.pending.push_back({std::move(text), ends_capture,
                                 s.read_total + static_cast<std::uint64_t>(buffered)});
            text.clear();
        }
    }
    if (!text.empty()) {
        write_out(text); // a retired source: nothing of its output is left to order with
        return;
    }
    char byte = 0;
    [[maybe_unused]] ssize_t ignored = ::write(m_wake_write.get(), &byte, 1);
}

void LogPump::write_line(std::string_view line) {
    std::string text(line);
    text += '\n';
    write_out(text);
}

void LogPump::write_out(const std::string& text) {
    std::lock_guard lock(m_write_mutex);
    std::string_view left = text;
    while (!left.empty()) {
        ssize_t n = ::write(m_output_fd, left.data(), left.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; // a closed stderr loses the log, never the server
        }
        left.remove_prefix(static_cast<std::size_t>(n));
    }
}

void LogPump::end_capture(Source& source) {
    source.captured_promise.set_value(std::move(source.captured));
    source.captured.clear();
    source.capture_armed = false;
    source.capturing = false;
}

void LogPump::function_line(Source& source, std::string_view line, std::string& out) {
    if (source.capturing) {
        source.captured.append(line).append("\n");
    }
    if (!m_quiet) {
        out.append(source.prefix).append(" ").append(line).append("\n");
    }
}

void LogPump::take_output(Source& source, std::string_view bytes, std::string& out) {
    m_lines.clear();
    source.output.feed(bytes, m_lines);
    for (const std::string& line : m_lines) {
        function_line(source, line, out);
    }
}

void LogPump::platform_lines(Source& source, const Platform& platform, std::string& out) {
    if (source.capture_armed) {
        source.capture_armed = false;
        source.capturing = true;
    }
    std::string_view text = platform.text;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.front() == k_unattributed_line) {
            out.append(line.substr(1)).append("\n");
        } else {
            function_line(source, line, out);
        }
    }
    if (platform.ends_capture && source.capturing) {
        end_capture(source);
    }
}

void LogPump::read_output(Source& source, std::uint64_t count, std::string& buffer,
                          std::string& out) {
    while (count > 0) {
        ssize_t n = ::read(source.read.get(), buffer.data(),
                           static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), count)));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        source.read_total += static_cast<std::uint64_t>(n);
        count -= static_cast<std::uint64_t>(n);
        take_output(source, std::string_view(buffer.data(), static_cast<std::size_t>(n)), out);
    }
}

void LogPump::show_platform(Source& source, std::string& buffer, std::string& out) {
    while (!source.pending.empty()) {
        Platform& platform = source.pending.front();
        if (platform.at > source.read_total) {
            read_output(source, platform.at - source.read_total, buffer, out);
        }
        m_lines.clear();
        source.output.flush(m_lines);
        for (const std::string& line : m_lines) {
            function_line(source, line, out);
        }
        platform_lines(source, platform, out);
        source.pending.pop_front();
    }
}

void LogPump::drain(Source& source, std::string& buffer, std::string& out) {
    show_platform(source, buffer, out);
    int buffered = 0;
    if (::ioctl(source.read.get(), FIONREAD, &buffered) == 0 && buffered > 0) {
        read_output(source, static_cast<std::uint64_t>(buffered), buffer, out);
    }
    m_lines.clear();
    source.output.flush(m_lines);
    for (const std::string& line : m_lines) {
        function_line(source, line, out);
    }
}

void LogPump::run() {
    std::vector<pollfd> fds;
    std::vector<int> ids;
    std::string buffer(64 * 1024, '\0');
    for (;;) {
        fds.clear();
        ids.clear();
        bool stopping;
        {
            std::lock_guard lock(m_mutex);
            stopping = m_stopping;
            fds.push_back({m_wake_read.get(), POLLIN, 0});
            ids.push_back(0);
            for (auto& [id, source] : m_sources) {
                fds.push_back({source.read.get(), POLLIN, 0});
                ids.push_back(id);
            }
        }
        // Stopping: one last non-blocking pass over what is buffered in the pipes.
        int ready = ::poll(fds.data(), fds.size(), stopping ? 0 : -1);
        if (ready < 0 && errno != EINTR) {
            return;
        }
        if (fds[0].revents != 0) {
            char drain[64];
            while (::read(m_wake_read.get(), drain, sizeof drain) > 0) {
            }
        }
        std::string out;
        {
            std::lock_guard lock(m_mutex);
            // The platform's lines first, each where it was written in its source's output.
            for (auto& [id, source] : m_sources) {
                show_platform(source, buffer, out);
            }
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if (fds[i].revents == 0) {
                    continue;
                }
                auto found = m_sources.find(ids[i]);
                if (found == m_sources.end()) {
                    continue;
                }
                Source& source = found->second;
                ssize_t n = ::read(source.read.get(), buffer.data(), buffer.size());
                if (n > 0) {
                    source.read_total += static_cast<std::uint64_t>(n);
                    take_output(source, std::string_view(buffer.data(), std::size_t(n)), out);
                } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                    drain(source, buffer, out);
                    if (source.capture_armed || source.capturing) {
                        end_capture(source);
                    }
                    m_sources.erase(found);
                }
            }
            if (stopping) {
                // Every source's last line too, ended.
                for (auto& [id, source] : m_sources) {
                    drain(source, buffer, out);
                }
            }
        }
        if (!out.empty()) {
            write_out(out);
        }
        if (stopping) {
            return;
        }
        // Logs are not urgent: gathering a millisecond's worth of lines into one pass saves a
        // wake-up of this thread per invocation under load.
        ::usleep(1000);
    }
}

} // namespace lambda_local::runtime::server
