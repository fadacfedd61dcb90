// A streamed HTTP response in Lambda's HTTP integration form, as function URLs in
// RESPONSE_STREAM mode and REST integrations in STREAM transfer mode read it: a JSON prelude
// (status, headers, cookies), eight NUL bytes, then the body as written (docs/streaming.md;
// AWS: "Set up a Lambda proxy integration with payload response streaming in API Gateway").
#pragma once

#include "runtime/gateway/api.hpp"
#include "runtime/gateway/proxy_response.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace lambda_local::runtime::gateway {

// The most bytes a prelude and its delimiter may take: API Gateway wants the metadata within
// the first 16 KB of the stream; the same bound holds for function URLs here.
inline constexpr std::size_t k_max_http_prelude = std::size_t{16} * 1024;

// What the prelude says: the status (200 when it has no statusCode) and the headers, with
// each of `cookies` as a set-cookie header.
struct HttpPrelude {
    int status = 200;
    HeaderList headers;
};

// Reads a prelude's JSON text: an object with, each optional, statusCode (an integer from 100
// to 599), headers (an object of strings), multiValueHeaders (an object of arrays of strings)
// and cookies (an array of strings); numbers and booleans stand for their text, nulls are
// skipped. Anything else is malformed, with the reason.
std::variant<HttpPrelude, MalformedResponse> parse_http_prelude(std::string_view json);

// Reads the start of a stream in the HTTP integration form, in the pieces it comes in, up to
// the delimiter, within k_max_http_prelude bytes.
class HttpPreludeReader {
  public:
    enum class State {
        Reading,   // no delimiter yet: feed more
        Done,      // prelude() is read; body() holds the bytes after the delimiter
        Malformed, // malformed() says why; what follows is not the client's
    };

    // The next bytes of the stream; once Done or Malformed, further bytes are ignored.
    State feed(std::string_view bytes);
    State state() const { return m_state; }
    const HttpPrelude& prelude() const { return m_prelude; }
    // The bytes after the delimiter in what was fed (moved out).
    std::string take_body() { return std::move(m_body); }
    const std::string& malformed() const { return m_malformed; }

  private:
    State m_state = State::Reading;
    std::string m_buffer;
    std::string m_body;
    HttpPrelude m_prelude;
    std::string m_malformed;
};

// The answer of a streaming integration (function URL or REST STREAM) to a function that did
// not stream: its whole response as the body, unread, status 200 and
// content-type application/json (docs/streaming.md: AWS answers a RESPONSE_STREAM call of a
// buffered function with its response as one chunk).
HttpResponse unstreamed_response(std::string_view payload);

} // namespace lambda_local::runtime::gateway
