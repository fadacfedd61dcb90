// Reading HTTP/1.1 messages from a socket, and writing bytes to one.
#pragma once

#include "runtime/http/message.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

// How reading one message ended.
enum class ReadStatus {
    Ok,
    Closed,          // the peer closed the connection before sending a byte of a new message
    Timeout,         // nothing (more) arrived in time
    Cancelled,       // the cancel descriptor became readable while waiting for a new message
    Broken,          // not HTTP/1.x, or framing that cannot be read: answer 400 and close
    TooLarge,        // a body over the limit: answer 413 and close
    HeadersTooLarge, // the head is over 64 KiB: answer 431 and close
};

// The largest request or response head read (request line or status line and headers).
inline constexpr std::size_t k_max_head_bytes = 64 * 1024;

// Reads messages from one connected socket through a buffer (pipelined bytes are kept).
class MessageReader {
  public:
    explicit MessageReader(int fd) : m_fd(fd) {}

    // Reads one request. Waits up to `idle_timeout` for its first byte (zero: forever), or until
    // `cancel_fd` (when not -1) is readable; then up to `read_timeout` for the rest.
    // `continue_100` is called before the body is read when the client sent `Expect: 100-continue`.
    ReadStatus read_request(Request& request, std::size_t max_body,
                            std::chrono::milliseconds idle_timeout,
                            std::chrono::milliseconds read_timeout, int cancel_fd,
                            const std::function<void()>& continue_100);

    // Reads one response to a request of `method`; `timeout` zero waits forever.
    ReadStatus read_response(Response& response, std::string_view method,
                             std::chrono::milliseconds timeout);

    // What was wrong with a Broken message.
    const std::string& error() const { return m_error; }
    // True when bytes of a next message are already buffered.
    bool has_buffered() const { return m_start < m_buffer.size(); }

  private:
    using Deadline = std::chrono::steady_clock::time_point;
    // Reads more bytes; false on EOF (ReadStatus::Closed), timeout or error (m_status).
    bool fill(Deadline deadline, bool forever, int cancel_fd = -1);
    ReadStatus read_head(std::string& head, Deadline deadline, bool forever, int cancel_fd);
    ReadStatus read_body(const HeaderList& headers, std::string& body, std::size_t max_body,
                         Deadline deadline, bool forever, bool until_close);
    ReadStatus read_chunked(std::string& body, std::size_t max_body, Deadline deadline,
                            bool forever);
    ReadStatus broken(std::string why);

    int m_fd;
    std::string m_buffer;
    std::size_t m_start = 0; // the first unread byte of m_buffer
    ReadStatus m_status = ReadStatus::Ok;
    std::string m_error;
};

// Writes all of `data` to a socket (no SIGPIPE); false when the peer is gone.
bool send_all(int fd, std::string_view data);

} // namespace lambda_local::runtime::http
