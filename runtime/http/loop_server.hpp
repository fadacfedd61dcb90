// lambda-local's HTTP/1.1 server on a libuv loop: libh2o for the protocol, our checks and limits.
#pragma once

#include "runtime/http/message.hpp"
#include "runtime/http/responder.hpp"
#include "runtime/util/fd.hpp"

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

// Answers one request: called on the loop thread once the request and its whole body are in
// (or, for a body taken as it arrived, its end and trailers: see BodyStreamer). The responder
// may be completed before the handler returns or later.
using Handler = std::function<void(Request request, Responder responder)>;

// Where a request body goes as it arrives, instead of whole into Request::body.
struct BodyStream {
    // Each piece of the de-chunked body, in order, as it arrives (on the loop thread; the
    // bytes are valid during the call only). False makes the server stop reading the
    // connection until the `resume` given to the BodyStreamer is called.
    std::function<bool(std::string_view piece)> piece;
    // The body will not be complete: the connection closed or was dropped, its framing was
    // malformed or too large (answered 400, 413 or 431 by the server), or it took longer than
    // streamed_body_timeout (408). The handler is not called for the request. Optional.
    std::function<void(std::string_view why)> aborted;
};

// Decides from the checked head of a request with a chunked body (a Request without its body,
// Request::listener set) whether the handler takes the body as it arrives: a BodyStream with
// `piece` set says so, an empty one leaves the request to the usual path. `resume` restarts
// reading after a piece() that returned false (on the loop thread; it does nothing once the
// connection is gone). Once the last chunk and the trailers are in, the handler is called with
// the request (body empty, body_streamed true, trailers set) and answers it as any other. A
// client that asked for `Expect: 100-continue` gets its 100 Continue when its body is taken.
// A request pipelined behind another one on the same connection, whose head is in when the
// answer before it is written, goes the usual path (h2o reads it from its buffer at once).
using BodyStreamer = std::function<BodyStream(const Request& head, std::function<void()> resume)>;

// Where a LoopServer listens, and its limits. Each refused request is answered (plain text,
// `Connection: close`) and its connection closed.
struct LoopServerOptions {
    std::string host = "127.0.0.1"; // an address or a name
    int port = 0;                   // 0: an ephemeral port (see LoopServer::port())

    std::size_t max_body = std::size_t{10} * 1024 * 1024; // a larger body: 413
    // The answer to a request whose Content-Length is over max_body, from its head (Request
    // without its body): what the service behind says there (API Gateway's text, the Invoke
    // API's RequestEntityTooLargeException). Unset, or nullopt: the server's plain 413. The
    // connection is closed after it all the same.
    std::function<std::optional<Response>(const Request& head)> body_too_large;
    std::size_t max_head = std::size_t{64} * 1024;        // request line and header fields: 431
    std::size_t max_request_line = std::size_t{8} * 1024; // 414

    // A connection waiting for the first byte of a request is closed after this.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    // A head must be complete this long after its first byte, or 408.
    std::chrono::milliseconds head_timeout{std::chrono::seconds(10)};
    // A body must be complete this long after its head, or 408.
    std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
    // A response with nothing written to the client for this long is dropped.
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
    // stop() closes every connection within this (see LoopServer::stop()).
    std::chrono::milliseconds stop_timeout{std::chrono::seconds(5)};

    // A streamed response buffers at most about this much for a slow client (Responder::write).
    std::size_t stream_buffer = std::size_t{256} * 1024;

    // Request bodies taken as they arrive (BodyStreamer); none when empty. Such a body is
    // bounded by the two limits below instead of max_body and body_timeout; its trailer
    // section by max_head (431) and 32 fields.
    BodyStreamer stream_body;
    // The data of a streamed body, in all; more: 413.
    std::size_t max_streamed_body = std::size_t{256} * 1024 * 1024;
    // A streamed body must be complete this long after its head, or 408 (the time a consumer
    // makes the client wait included).
    std::chrono::milliseconds streamed_body_timeout{std::chrono::minutes(16)};
};

// Counters for tests and diagnostics.
struct LoopServerStats {
    std::size_t connections = 0; // open now
    std::size_t requests = 0;    // handed to the handler so far
    std::size_t refused = 0;     // answered with an error by the server itself so far
    std::size_t dropped = 0;     // closed by a deadline (idle, head, body, write, stop) so far
};

// An HTTP/1.1 server on a caller's libuv loop: keep-alive, pipelining (answers in order),
// bodies up to `max_body` (or taken as they arrive: stream_body), whole and streamed
// responses, and the limits of LoopServerOptions.
// Every member is called on the loop thread. It ignores SIGPIPE process-wide once listening
// (libuv writes to sockets with write(2)).
class LoopServer {
  public:
    // The loop must outlive the server.
    LoopServer(uv_loop_t* loop, LoopServerOptions options, Handler handler);
    LoopServer(const LoopServer&) = delete;
    LoopServer& operator=(const LoopServer&) = delete;
    // Destroy it while the loop is not running (h2o's context runs the loop once to release its
    // handles). A server not stopped is stopped at once: the loop runs until its connections
    // are closed.
    ~LoopServer();

    // Binds and listens on options.host:options.port. Throws lambda_local::Error:
    // "cannot listen on 127.0.0.1:3000: bind failed: Address already in use".
    void listen();
    // Serves an already listening socket, made elsewhere (in another network namespace, say).
    void listen(Fd listener);
    // The port listened on, once listening.
    int port() const;

    // Also accepts connections on `listener` (a socket that listens already), until
    // remove_listener(); the requests that come through it carry its id in Request::listener
    // (those of listen()'s socket carry 0). Throws lambda_local::Error when it cannot.
    int add_listener(Fd listener);
    // Stops accepting on a listener of add_listener(); its connections stay until they end.
    void remove_listener(int id);

    // Stops gracefully: stops accepting, closes idle connections, answers the requests in
    // flight (`Connection: close`), then closes every connection still open when
    // options.stop_timeout has passed, whatever its client does (a request still unanswered
    // gets 503, a stream is aborted). `stopped` is called on the loop thread when no connection
    // is left. Later calls do nothing.
    void stop(std::function<void()> stopped = {});

    LoopServerStats stats() const;

    // The server's state, defined in runtime/http/h2o_connection.hpp.
    struct Core;

  private:
    std::unique_ptr<Core> m_core;
};

} // namespace lambda_local::runtime::http
