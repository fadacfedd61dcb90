// The answer to one request of a LoopServer: whole or streamed, now or later, on the loop thread.
#pragma once

#include "runtime/http/message.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace lambda_local::runtime::http {

namespace detail {
struct Exchange;
} // namespace detail

// Answers one request, exactly once: with respond(), or with start(), write()... and finish()
// or abort(). It may be kept and completed later (when a worker process replies); every call
// must come from the loop thread. Copies share the same request; when the last copy goes, a
// request left unanswered gets 500 and an unfinished stream is aborted. Calls that come too
// late (after the answer, or once the client is gone) do nothing.
class Responder {
  public:
    Responder() = default;
    explicit Responder(std::shared_ptr<detail::Exchange> exchange)
        : m_exchange(std::move(exchange)) {}

    // Sends a whole response with its Content-Length (no body to a HEAD request). The server
    // sets Content-Length, Transfer-Encoding, Connection and Date; those in `headers` are
    // dropped, and CR, LF and NUL in values become spaces.
    void respond(Response response);

    // Starts a streamed response: the status line and headers go out now; the body follows in
    // chunks (Transfer-Encoding: chunked; to an HTTP/1.0 client, raw until the connection
    // closes).
    void start(int status, const HeaderList& headers);
    // Sends `bytes` as one chunk, at once when nothing is waiting to be written, else after what
    // is. Returns false when the bytes waiting for the client reach the server's
    // `stream_buffer`: stop writing until on_drain() is called. Empty writes do nothing.
    bool write(std::string_view bytes);
    // Ends the stream (the last chunk, then `trailers`).
    void finish(const HeaderList& trailers = {});
    // Ends the stream abnormally: the client sees the connection close without the last chunk.
    void abort();

    // Called (on the loop thread) once the bytes waiting for the client went out, after a write()
    // returned false.
    void on_drain(std::function<void()> callback);
    // Called (on the loop thread) if the client goes away before the answer is complete: a
    // write to it failed, or the server dropped the connection (a deadline, stop()). h2o does
    // not read while a request is handled, so a client that closes while its answer is
    // awaited is noticed when the answer (or the next chunk) is written.
    void on_gone(std::function<void()> callback);

    // True once the client is gone and the answer can no longer be sent.
    bool gone() const;
    // True once the answer is complete (sent whole, finished, aborted) or the client is gone.
    bool done() const;

  private:
    std::shared_ptr<detail::Exchange> m_exchange;
};

} // namespace lambda_local::runtime::http
