// A worker's output collected in an unlinked temporary file.
#include "runtime/testing/log_capture.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace lambda_local::runtime::testing {
namespace {

// Reads `length` bytes at `offset` (fewer at the end of the file).
std::string read_at(int fd, off_t offset, std::size_t length) {
    std::string text(length, '\0');
    std::size_t done = 0;
    while (done < length) {
        ssize_t n =
            ::pread(fd, text.data() + done, length - done, offset + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return text;
}

} // namespace

LogCapture::LogCapture() {
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                          "/lambda-local-test-log-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = ::mkostemp(name.data(), O_CLOEXEC | O_APPEND);
    if (fd < 0) {
        throw Error("cannot create a log file in " + pattern.substr(0, pattern.rfind('/')) + ": " +
                    os_error("mkostemp"));
    }
    m_fd.reset(fd);
    ::unlink(name.data());
}

std::string LogCapture::take() {
    struct stat info {};
    if (::fstat(m_fd.get(), &info) != 0 || info.st_size <= m_offset) {
        return "";
    }
    const off_t end = info.st_size;
    const auto size = static_cast<std::size_t>(end - m_offset);
    std::string text;
    if (size <= k_max_case_output) {
        text = read_at(m_fd.get(), m_offset, size);
    } else {
        const std::size_t head = k_max_case_output / 4;
        const std::size_t tail = k_max_case_output - head;
        text = read_at(m_fd.get(), m_offset, head);
        text += "\n[... " + std::to_string(size - head - tail) + " bytes not shown ...]\n";
        text += read_at(m_fd.get(), end - static_cast<off_t>(tail), tail);
    }
    m_offset = end;
    return text;
}

} // namespace lambda_local::runtime::testing
