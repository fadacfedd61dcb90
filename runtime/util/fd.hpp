// A move-only owner of a file descriptor, writing all of a buffer, and closing what a process
// inherited.
#pragma once

#include <unistd.h>

#include <string_view>
#include <utility>

namespace lambda_local {

// Owns one file descriptor and closes it when destroyed.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : m_fd(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    ~Fd() { reset(); }

    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = fd;
    }

  private:
    int m_fd = -1;
};

// Writes all of `bytes` to `fd`, resuming after short writes and EINTR. False (with errno set,
// and part of the bytes perhaps written) when a write fails or writes nothing.
bool write_all(int fd, std::string_view bytes);

// Closes every descriptor numbered `lowest` or above: what a process inherited and must not
// pass on (close_range, or one by one from /proc/self/fd where the kernel lacks it).
void close_descriptors_from(int lowest);

} // namespace lambda_local
