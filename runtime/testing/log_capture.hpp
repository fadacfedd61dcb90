// Where an execution environment's output goes during a test run, read back case by case.
#pragma once

#include "runtime/loop/event_loop.hpp"
#include "runtime/util/fd.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local::runtime::testing {

// What one case's log keeps of a handler's output: its head and its tail.
inline constexpr std::size_t k_max_case_output = 4u << 20;

// A pipe that receives a worker's stdout and stderr, read on the loop as it arrives (the
// handler never holds anything of the host's: a file here let it read back, truncate or grow
// the log of other cases). What was written before the worker answered is read when the
// answer arrives. Past k_max_case_output bytes between two take()s, the first quarter and the
// last three quarters are kept, so a handler that writes gigabytes costs 4 MB.
class LogCapture {
  public:
    // Throws lambda_local::Error when the pipe cannot be made.
    explicit LogCapture(loop::EventLoop& loop);

    // The descriptor to give the worker as its stdout and stderr.
    int fd() const { return m_write.get(); }

    // What was written since the last call, with "[... N bytes not shown ...]" where bytes
    // past k_max_case_output were left out.
    std::string take();

  private:
    void read_available();
    void keep(std::string_view bytes);
    // Cuts m_tail back to its last bytes within the limit, counting what goes in m_left_out.
    void trim_tail();

    Fd m_read;
    Fd m_write;
    std::unique_ptr<loop::FdWatch> m_watch;
    std::string m_head;         // the first k_max_case_output / 4 bytes
    std::string m_tail;         // the last bytes after them, trimmed to the rest of the limit
    std::size_t m_left_out = 0; // bytes dropped between the two
};

} // namespace lambda_local::runtime::testing
