// The log of `serve`: execution environments' output read on one thread, written line by line.
#include "runtime/server/log_pump.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace lambda_local::runtime::server {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

} // namespace

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

LogSource LogPump::add_source(std::string prefix) {
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
        Source& added = m_sources[source.id];
        added.read = Fd(fds[0]);
        added.prefix = std::move(prefix);
    }
    char byte = 0;
    [[maybe_unused]] ssize_t ignored = ::write(m_wake_write.get(), &byte, 1);
    return source;
}

std::future<std::string> LogPump::capture(int source, std::string request_id) {
    std::lock_guard lock(m_mutex);
    auto found = m_sources.find(source);
    std::promise<std::string> promise;
    std::future<std::string> future = promise.get_future();
    if (found == m_sources.end()) {
        promise.set_value({});
        return future;
    }
    Source& s = found->second;
    if (s.capture_pending) {
        s.captured_promise.set_value(std::move(s.captured));
    }
    s.capture_id = std::move(request_id);
    s.capturing = false;
    s.captured.clear();
    s.captured_promise = std::move(promise);
    s.capture_pending = true;
    return future;
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

void LogPump::line_done(Source& source, std::string_view line, std::string& out) {
    if (source.capture_pending) {
        if (!source.capturing && starts_with(line, "START RequestId: " + source.capture_id)) {
            source.capturing = true;
        }
        if (source.capturing) {
            source.captured.append(line).append("\n");
            if (starts_with(line, "REPORT RequestId: " + source.capture_id)) {
                source.captured_promise.set_value(std::move(source.captured));
                source.captured.clear();
                source.capturing = false;
                source.capture_pending = false;
            }
        }
    }
    if (!line.empty() && line.front() == k_unattributed_line) {
        out.append(line.substr(1)).append("\n");
    } else if (!m_quiet) {
        out.append(source.prefix).append(" ").append(line).append("\n");
    }
}

void LogPump::take_lines(Source& source, std::string_view bytes, std::string& out) {
    std::size_t newline;
    while ((newline = bytes.find('\n')) != std::string_view::npos) {
        if (source.partial.empty()) {
            line_done(source, bytes.substr(0, newline), out);
        } else {
            source.partial.append(bytes.substr(0, newline));
            line_done(source, source.partial, out);
            source.partial.clear();
        }
        bytes.remove_prefix(newline + 1);
    }
    source.partial.append(bytes);
    // A line that never ends is shown in pieces rather than held forever.
    if (source.partial.size() > 64 * 1024) {
        line_done(source, source.partial, out);
        source.partial.clear();
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
                    take_lines(source, std::string_view(buffer.data(), std::size_t(n)), out);
                } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                    if (!source.partial.empty()) {
                        line_done(source, source.partial, out);
                    }
                    if (source.capture_pending) {
                        source.captured_promise.set_value(std::move(source.captured));
                    }
                    m_sources.erase(found);
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
