// An HTTP request and response as values, independent of any server library: what the front
// doors hand to the gateway (runtime/gateway), and what it answers. Below the gateway: the
// HTTP server and client (runtime/http) use the same header list.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime::http {

// Header fields in arrival order, with the client's name spelling; a name may repeat.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One request as the gateway receives it.
struct HttpRequest {
    std::string method;    // "GET", as sent
    std::string path;      // as sent, percent-encoded, without the query: "/prod/store/items/42"
    std::string raw_query; // without '?', not decoded; "" when none
    HeaderList headers;
    std::string body; // raw bytes
    std::string source_ip = "127.0.0.1";
    std::string protocol = "HTTP/1.1";
};

// One response as the gateway sends it.
struct HttpResponse {
    int status = 200;
    HeaderList headers; // a name may repeat (Set-Cookie)
    std::string body;   // raw bytes
};

} // namespace lambda_local::runtime::http
