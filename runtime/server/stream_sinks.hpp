// The sinks `serve` gives a streamed invocation (response_stream.hpp): the Invoke API's
// InvokeWithResponseStream (an event stream) and the HTTP streams of function URLs in
// RESPONSE_STREAM mode and REST integrations in STREAM mode (docs/streaming.md).
#pragma once

#include "runtime/execution/invocation.hpp"
#include "runtime/execution/response_stream.hpp"
#include "runtime/gateway/http_stream.hpp"
#include "runtime/http/responder.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local::runtime::server {

// What the streamed sinks share: a client's streamed answer with its backpressure. A write
// that fills the server's buffer for the client answers false, and the ready callback follows
// once the client has taken it; a client that went away takes everything (discarded), and a
// wait in progress then ends at once: the invocation goes on, as on Lambda.
class ResponderSink : public ResponseSink, public std::enable_shared_from_this<ResponderSink> {
  public:
    void on_ready(std::function<void()> ready) override;

    // True once the client is gone.
    bool gone() const { return m_responder.gone(); }
    // True once the response's head went out (start()), or a whole answer did.
    bool started() const { return m_started; }
    // The status sent, 0 before any.
    int status() const { return m_status; }
    // Bytes of body handed to the client (after any prelude), discarded ones included.
    std::size_t body_bytes() const { return m_body_bytes; }

  protected:
    explicit ResponderSink(http::Responder responder) : m_responder(std::move(responder)) {}
    // Watches the responder's drain and departure (once the sink is owned by a shared_ptr).
    void watch();
    void start(int status, const http::HeaderList& headers);
    // Hands bytes to the client: ResponseSink::write's answer.
    bool send(std::string_view bytes);
    void respond(http::Response response);

    http::Responder m_responder;
    bool m_started = false;
    int m_status = 0;
    std::size_t m_body_bytes = 0;

  private:
    std::function<void()> m_ready;
    bool m_waiting = false; // send() answered false; the ready callback is owed
};

// InvokeWithResponseStream's sink: a 200 with the event stream, PayloadChunk events as the
// function writes, and one InvokeComplete at the end (complete()).
class InvokeStreamSink final : public ResponderSink {
  public:
    // `headers`: the head's headers besides Content-Type (x-amzn-RequestId,
    // X-Amz-Executed-Version).
    static std::shared_ptr<InvokeStreamSink> create(http::Responder responder,
                                                    http::HeaderList headers);

    void begin(std::string_view content_type) override;
    bool write(std::string_view bytes) override;

    // The invocation is over: the whole payload of a function that did not stream (one
    // PayloadChunk), then InvokeComplete with ErrorCode and ErrorDetails when it failed and
    // `log_result` (base64, "" for none), then the end of the stream.
    void complete(const InvocationResult& result, std::string_view log_result);
    // Refused before it ran (429): the whole answer, when nothing was sent yet.
    void refuse(http::Response response);

  private:
    explicit InvokeStreamSink(http::Responder responder, http::HeaderList headers)
        : ResponderSink(std::move(responder)), m_headers(std::move(headers)) {}
    void start_stream(std::string_view content_type);

    http::HeaderList m_headers;
};

// The sink of a streaming HTTP integration (a function URL in RESPONSE_STREAM mode, a REST
// integration in STREAM mode): the prelude of the HTTP integration form becomes the status
// and headers (`extra_headers`, the CORS headers, added), the body goes to the client as
// written; another content type is a 200 of that type. A stream that ends in an error, a
// timeout or a crash after the head went out is aborted: the client sees it end without the
// last chunk.
class HttpStreamSink final : public ResponderSink {
  public:
    // `failure`: the answer when the prelude is malformed (502, with CORS headers).
    static std::shared_ptr<HttpStreamSink>
    create(http::Responder responder, http::HeaderList extra_headers, http::Response failure);

    void begin(std::string_view content_type) override;
    bool write(std::string_view bytes) override;

    // True while the stream is in the HTTP integration form and its prelude not yet read.
    bool reading_prelude() const;
    // Why the prelude was refused ("" when it was not).
    const std::string& malformed() const { return m_malformed; }

    // The invocation is over: a stream that began ends (normally when `result` is ok and
    // its head went out, else aborted); when nothing went out yet, `unstarted` is the answer
    // (the caller's: an error, a function that did not stream, a prelude never finished).
    void complete(const InvocationResult& result, http::Response unstarted);

  private:
    HttpStreamSink(http::Responder responder, http::HeaderList extra_headers,
                   http::Response failure)
        : ResponderSink(std::move(responder)), m_extra(std::move(extra_headers)),
          m_failure(std::move(failure)) {}
    void start_with(int status, http::HeaderList headers);

    http::HeaderList m_extra;
    http::Response m_failure;
    bool m_begun = false;
    bool m_http_form = false;
    gateway::HttpPreludeReader m_prelude;
    std::string m_malformed;
};

} // namespace lambda_local::runtime::server
