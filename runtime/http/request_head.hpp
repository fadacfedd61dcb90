// The head of an HTTP/1.1 request (RFC 9112), checked before the server acts on it.
#pragma once

#include "runtime/http/message.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

// The sizes a request head may reach.
struct HeadLimits {
    std::size_t max_head = std::size_t{64} * 1024; // request line and header fields; over it: 431
    std::size_t max_request_line = std::size_t{8} * 1024; // over it: 414
    std::size_t max_body = std::size_t{10} * 1024 * 1024; // a larger Content-Length: 413
};

// The most header fields in one request head (h2o's own limit); more get 431.
inline constexpr std::size_t k_max_header_fields = 100;

// Where the end of a head is searched for, between calls on a growing buffer.
struct HeadScan {
    std::size_t position = 0;     // bytes already searched
    std::size_t request_line = 0; // 1 + the length of the request line, once its end is seen
};

// The result of looking for the end of a head at the start of a buffer.
struct HeadExtent {
    enum class Kind { Incomplete, Complete, TooLarge };
    Kind kind = Kind::Incomplete;
    std::size_t length = 0; // Complete: the bytes of the head, its empty last line included
    int status = 0;         // TooLarge: 414 (the request line) or 431 (the head)
};

// Finds the end of the head that starts `bytes` (one empty line before the request line is
// skipped, as RFC 9112 §2.2 allows). `scan` carries the search over between calls as more
// bytes arrive, so that a head sent a byte at a time is searched once.
HeadExtent find_head_end(std::string_view bytes, const HeadLimits& limits, HeadScan& scan);

// How the body of a request is delimited.
enum class BodyFraming { None, Length, Chunked };

// A request head that passed every check, with its values as sent.
struct RequestHead {
    std::string method;
    std::string target;
    std::string version; // "HTTP/1.1"
    HeaderList headers;  // in arrival order, names spelt as sent
    BodyFraming framing = BodyFraming::None;
    std::size_t content_length = 0; // for BodyFraming::Length
};

// A refused head: the status to answer with (400, 413, 414, 431, 501, 505) and why.
struct HeadError {
    int status = 400;
    std::string reason;
};

// True for a valid field name (an RFC 9110 token).
bool is_field_name(std::string_view name);

// Parses and checks one complete head (as delimited by find_head_end). Refused: a malformed
// request line or header field, a field value with CR, LF, NUL or another control character,
// obs-fold, both Content-Length and Transfer-Encoding, more than one Content-Length, a
// Transfer-Encoding other than a single `chunked` (an unknown coding gets 501), a
// Transfer-Encoding in HTTP/1.0, a missing or repeated Host in HTTP/1.1, and the limits.
// An absolute-form target ("http://host/path", RFC 9112 §3.2.2) becomes its path and query,
// and its authority the Host field's value. Returns false and fills `error` when the head is
// refused.
bool parse_request_head(std::string_view head, const HeadLimits& limits, RequestHead& parsed,
                        HeadError& error);

} // namespace lambda_local::runtime::http
