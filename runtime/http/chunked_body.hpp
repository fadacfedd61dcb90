// An incremental decoder of a chunked request body (RFC 9112 §7.1), for a body a LoopServer
// handler takes as it arrives (LoopServerOptions::stream_body).
#pragma once

#include "runtime/http/message.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

// The bounds of a chunked body's framing.
struct ChunkedLimits {
    std::size_t max_body = std::size_t{256} * 1024 * 1024; // the data of all chunks; over: 413
    std::size_t max_line = 1024;                           // a chunk-size line, extensions included
    std::size_t max_trailers = 16 * 1024;                  // the trailer section, in bytes
    std::size_t max_trailer_fields = 32;                   // fields in the trailer section
};

// Decodes a chunked body from the bytes given to it, as they arrive. Bytes are offered with
// feed(), which consumes what it can and reports the data found; a malformed or oversized
// body stops it for good (failed()).
class ChunkedDecoder {
  public:
    explicit ChunkedDecoder(ChunkedLimits limits = {}) : m_limits(limits) {}

    // What one call to feed() found.
    struct Step {
        std::size_t consumed = 0; // bytes of the input used (framing and data)
        std::string_view data;    // chunk data found (a view into the input), possibly empty
    };
    // Consumes input up to and including the next chunk data it finds (returned in `data`),
    // or as far as the input goes. Call again with the rest while `consumed` > 0 and the body
    // is not complete. Once the body is complete, nothing more is consumed: the bytes after it
    // belong to the next request.
    Step feed(std::string_view input);

    bool complete() const { return m_state == State::Done; }
    bool failed() const { return m_state == State::Failed; }
    // When failed(): 400 (malformed) or 413 (over max_body), and why.
    int status() const { return m_status; }
    const std::string& reason() const { return m_reason; }
    // The trailer fields, once complete(), names spelt as sent.
    const HeaderList& trailers() const { return m_trailers; }
    // The data bytes so far.
    std::size_t body_bytes() const { return m_body; }

  private:
    enum class State { Size, Data, DataEnd, Trailer, Done, Failed };
    Step fail(int status, std::string reason, std::size_t consumed);
    bool size_line(std::string_view line);
    bool trailer_line(std::string_view line);

    ChunkedLimits m_limits;
    State m_state = State::Size;
    std::string m_line;          // a line split across inputs
    std::size_t m_remaining = 0; // data left in the current chunk
    std::size_t m_body = 0;
    std::size_t m_trailer_bytes = 0;
    HeaderList m_trailers;
    int m_status = 0;
    std::string m_reason;
};

} // namespace lambda_local::runtime::http
