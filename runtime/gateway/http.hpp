// The HTTP request and response as API Gateway sees them, independent of any server library.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime::gateway {

// The two kinds of API Gateway API (lambda-reference.md §1-§4).
enum class ApiType {
    Rest, // REST API: payload format 1.0, stage in the URL
    Http, // HTTP API: payload format 2.0 by default, or 1.0
};

// The Lambda proxy payload format of an integration.
enum class PayloadFormat { V1, V2 };

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

} // namespace lambda_local::runtime::gateway
