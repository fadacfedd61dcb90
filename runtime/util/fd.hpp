// A move-only owner of a file descriptor, and closing what a process inherited.
#pragma once

#include <unistd.h>

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

// Closes every descriptor numbered `lowest` or above: what a process inherited and must not
// pass on (close_range, or one by one from /proc/self/fd where the kernel lacks it).
void close_descriptors_from(int lowest);

} // namespace lambda_local
