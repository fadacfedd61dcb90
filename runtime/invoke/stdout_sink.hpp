// `lambda-local invoke`'s sink of a streamed response: its bytes on a descriptor (stdout) as
// they come (docs/streaming.md).
#pragma once

#include "runtime/execution/response_stream.hpp"
#include "runtime/loop/event_loop.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// Writes a streamed response to a descriptor the caller owns, unbuffered: each piece is
// written as soon as the previous write returned, on the loop's thread pool, so that a reader
// that is slow (or never reads: a pipe nobody drains) never blocks the loop, whose deadline
// must still end the invocation. Past `max_pending` bytes not yet written it says so (the
// function then waits in its own write). A descriptor that fails (its reader went away)
// discards the rest. Make it with std::make_shared: pool work holds it.
class FdResponseSink final : public ResponseSink,
                             public std::enable_shared_from_this<FdResponseSink> {
  public:
    FdResponseSink(loop::EventLoop& loop, int fd, std::size_t max_pending = std::size_t{1} << 20);

    void begin(std::string_view content_type) override;
    bool write(std::string_view bytes) override;
    void on_ready(std::function<void()> ready) override;

    // True when every byte given has been written (or discarded).
    bool idle() const { return !m_writing && m_pending.empty(); }
    bool begun() const { return m_begun; }
    const std::string& content_type() const { return m_content_type; }
    // False once a write failed.
    bool ok() const { return m_ok; }

  private:
    void write_next();
    void written(bool ok);

    loop::EventLoop& m_loop;
    int m_fd;
    std::size_t m_max_pending;
    bool m_begun = false;
    std::string m_content_type;
    std::string m_pending;  // given, not yet being written
    std::string m_inflight; // being written on the pool (touched there only meanwhile)
    bool m_writing = false;
    bool m_full = false; // write() answered false: the ready callback is due
    bool m_ok = true;
    std::function<void()> m_ready;
};

} // namespace lambda_local::runtime
