// HTTP/1.1 messages as lambda-local's own small server and client see them.
#pragma once

#include "runtime/http/values.hpp"

#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

// One request as received: the target as sent (not decoded), headers in arrival order.
struct Request {
    std::string method;  // "GET"
    std::string target;  // "/a%20b?x=1"
    std::string path;    // "/a%20b": the target without its query
    std::string query;   // "x=1": without '?', "" when none
    std::string version; // "HTTP/1.1"
    HeaderList headers;
    std::string body; // de-chunked; empty when the handler took it as it came (body_streamed)
    // A body taken as it arrived (LoopServerOptions::stream_body): its pieces went to the
    // BodyStream, and its trailer fields are here.
    bool body_streamed = false;
    HeaderList trailers;
    std::string remote_ip;
    int remote_port = 0;
    int listener = 0; // which of a server's listeners it came through (LoopServer::add_listener)

    // The first value of the header `name` (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
};

// One response. Content-Length is always written by the sender from `body`.
struct Response {
    int status = 200;
    HeaderList headers;
    std::string body;

    // The first value of the header `name` (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
};

// The first value of `name` in `headers` (ASCII case-insensitive), or nullptr.
const std::string* find_header(const HeaderList& headers, std::string_view name);
std::string* find_header(HeaderList& headers, std::string_view name);

// "OK", "Not Found": the reason phrase of a status code ("Unknown" when it has none here).
std::string_view reason_phrase(int status);

// The bytes of a response head and body as sent: status line, headers, Content-Length.
// `head_only` (an answer to HEAD) keeps the Content-Length but sends no body.
std::string serialize_response(const Response& response, bool keep_alive, bool head_only = false);

} // namespace lambda_local::runtime::http
