// Where an execution environment's output goes during a test run, read back case by case.
#pragma once

#include "runtime/util/fd.hpp"

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace lambda_local::runtime::testing {

// What one case's log keeps of a handler's output: its head and its tail.
inline constexpr std::size_t k_max_case_output = 4u << 20;

// An unlinked temporary file that receives a worker's stdout and stderr. A file never blocks
// the handler (a pipe nobody reads would), and what was written before the worker answered is
// in it when the answer arrives.
class LogCapture {
  public:
    // Creates the file in $TMPDIR (or /tmp). Throws lambda_local::Error when it cannot.
    LogCapture();

    // The descriptor to give the worker as its stdout and stderr.
    int fd() const { return m_fd.get(); }

    // What was written since the last call. Past k_max_case_output bytes, the first quarter and
    // the last three quarters are kept with "[... N bytes not shown ...]" between them.
    std::string take();

  private:
    Fd m_fd;
    off_t m_offset = 0;
};

} // namespace lambda_local::runtime::testing
