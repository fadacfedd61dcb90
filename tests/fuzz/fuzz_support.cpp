// Invariant failures and in-memory files for the fuzz targets.
#include "tests/fuzz/fuzz_support.hpp"

#include "runtime/util/error.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace lambda_local::fuzz {

void invariant_failed(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", condition, file, line);
    std::abort();
}

MemoryFile::MemoryFile(std::string_view text) : m_fd(::memfd_create("fuzz-input", MFD_CLOEXEC)) {
    if (!m_fd) {
        throw std::runtime_error(os_error("memfd_create"));
    }
    while (!text.empty()) {
        ssize_t n = ::write(m_fd.get(), text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw std::runtime_error(os_error("write"));
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    m_path = "/proc/self/fd/" + std::to_string(m_fd.get());
}

} // namespace lambda_local::fuzz
