// What the fuzz targets share: invariant checks that stop the run, and files held in memory.
#pragma once

#include "runtime/util/fd.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lambda_local::fuzz {

// Reports a broken invariant and aborts, so that libFuzzer saves the input that broke it.
[[noreturn]] void invariant_failed(const char* condition, const char* file, int line);

// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A file that exists only in memory (memfd), for loaders that read a path: nothing touches
// the file system. Its path is /proc/self/fd/<n>.
class MemoryFile {
  public:
    explicit MemoryFile(std::string_view text);
    const std::string& path() const { return m_path; }

  private:
    Fd m_fd;
    std::string m_path;
};

} // namespace lambda_local::fuzz

// Checks an invariant of the code under test; unlike assert, also in release builds.
#define FUZZ_CHECK(condition)                                                                      \
    ((condition) ? void(0) : ::lambda_local::fuzz::invariant_failed(#condition, __FILE__, __LINE__))
