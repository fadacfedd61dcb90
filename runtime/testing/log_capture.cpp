// A worker's output collected from a pipe, on the loop.
#include "runtime/testing/log_capture.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace lambda_local::runtime::testing {
namespace {

constexpr std::size_t k_head_bytes = k_max_case_output / 4;
constexpr std::size_t k_tail_bytes = k_max_case_output - k_head_bytes;

} // namespace

LogCapture::LogCapture(loop::EventLoop& loop) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw Error("cannot capture the function's output: " + os_error("pipe2"));
    }
    m_read.reset(fds[0]);
    m_write.reset(fds[1]);
    ::fcntl(m_read.get(), F_SETFL, O_NONBLOCK);
    m_watch = std::make_unique<loop::FdWatch>(loop, m_read.get());
    m_watch->start(UV_READABLE, [this](int) { read_available(); });
}

void LogCapture::read_available() {
    char buffer[64 * 1024];
    for (;;) {
        ssize_t n = ::read(m_read.get(), buffer, sizeof buffer);
        if (n > 0) {
            keep(std::string_view(buffer, static_cast<std::size_t>(n)));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return; // EAGAIN: all read (the write end is this object's: no end of file)
    }
}

void LogCapture::keep(std::string_view bytes) {
    if (m_head.size() < k_head_bytes) {
        const std::size_t taken = std::min(bytes.size(), k_head_bytes - m_head.size());
        m_head.append(bytes.substr(0, taken));
        bytes.remove_prefix(taken);
    }
    m_tail.append(bytes);
    if (m_tail.size() > 2 * k_tail_bytes) { // cut back now and then, not at every read
        trim_tail();
    }
}

void LogCapture::trim_tail() {
    if (m_tail.size() > k_tail_bytes) {
        m_left_out += m_tail.size() - k_tail_bytes;
        m_tail.erase(0, m_tail.size() - k_tail_bytes);
    }
}

std::string LogCapture::take() {
    read_available();
    trim_tail();
    std::string text = std::move(m_head);
    if (m_left_out > 0) {
        text += "\n[... " + std::to_string(m_left_out) + " bytes not shown ...]\n";
    }
    text += m_tail;
    m_head.clear();
    m_tail.clear();
    m_left_out = 0;
    return text;
}

} // namespace lambda_local::runtime::testing
