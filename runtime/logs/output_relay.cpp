// `invoke`'s function output read on a thread, written in order with the platform's lines.
#include "runtime/logs/output_relay.hpp"

#include "runtime/logs/log_result.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <tuple>
#include <utility>

namespace lambda_local::runtime {
namespace {

std::pair<Fd, Fd> make_pipe(int read_flags) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    Fd read(fds[0]);
    Fd write(fds[1]);
    ::fcntl(read.get(), F_SETFL, read_flags);
    return {std::move(read), std::move(write)};
}

} // namespace

OutputRelay::OutputRelay(const LoggingConfig& logging, int output_fd)
    : m_output_fd(output_fd), m_output(logging) {
    std::tie(m_read, m_write) = make_pipe(O_NONBLOCK);
    std::tie(m_stop_read, m_stop_write) = make_pipe(O_NONBLOCK);
    m_thread = std::thread([this] { run(); });
}

OutputRelay::~OutputRelay() {
    if (m_thread.joinable()) {
        char byte = 0;
        [[maybe_unused]] ssize_t ignored = ::write(m_stop_write.get(), &byte, 1);
        m_thread.join();
    }
}

void OutputRelay::run() {
    char buffer[64 * 1024];
    for (;;) {
        pollfd fds[2] = {{m_read.get(), POLLIN, 0}, {m_stop_read.get(), POLLIN, 0}};
        int ready = ::poll(fds, 2, -1);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0 || fds[1].revents != 0) {
            return;
        }
        std::lock_guard lock(m_mutex);
        ssize_t n = ::read(m_read.get(), buffer, sizeof buffer);
        if (n > 0) {
            m_lines.clear();
            m_output.feed(std::string_view(buffer, static_cast<std::size_t>(n)), m_lines);
            show(m_lines);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            return; // every write end closed: nothing more will come
        }
    }
}

void OutputRelay::drain() {
    char buffer[64 * 1024];
    int available = 0;
    if (::ioctl(m_read.get(), FIONREAD, &available) != 0) {
        available = 0;
    }
    m_lines.clear();
    while (available > 0) {
        ssize_t n = ::read(m_read.get(), buffer,
                           std::min(sizeof buffer, static_cast<std::size_t>(available)));
        if (n <= 0) {
            break;
        }
        m_output.feed(std::string_view(buffer, static_cast<std::size_t>(n)), m_lines);
        available -= static_cast<int>(n);
    }
    m_output.flush(m_lines);
    show(m_lines);
}

void OutputRelay::show(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line;
        text += '\n';
    }
    keep(text);
    write_all(m_output_fd, text);
}

void OutputRelay::keep(std::string_view text) {
    keep_log_tail(m_log, text);
}

void OutputRelay::platform(std::string_view text, bool shown) {
    std::lock_guard lock(m_mutex);
    drain();
    keep(text);
    if (shown) {
        write_all(m_output_fd, text);
    }
}

void OutputRelay::own(std::string_view text) {
    std::lock_guard lock(m_mutex);
    drain();
    write_all(m_output_fd, text);
}

void OutputRelay::finish() {
    if (m_thread.joinable()) {
        char byte = 0;
        [[maybe_unused]] ssize_t ignored = ::write(m_stop_write.get(), &byte, 1);
        m_thread.join();
    }
    std::lock_guard lock(m_mutex);
    drain();
}

std::string OutputRelay::log() const {
    std::lock_guard lock(m_mutex);
    return m_log;
}

} // namespace lambda_local::runtime
