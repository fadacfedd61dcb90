// HTTP/1.1 messages: header look-up, reason phrases and writing a response.
#include "runtime/http/message.hpp"

#include <strings.h>

#include <string>
#include <utility>

namespace lambda_local::runtime::http {

const std::string* find_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return &value;
        }
    }
    return nullptr;
}

std::string* find_header(HeaderList& headers, std::string_view name) {
    return const_cast<std::string*>(find_header(std::as_const(headers), name));
}

const std::string* Request::header(std::string_view name) const {
    return find_header(headers, name);
}

const std::string* Response::header(std::string_view name) const {
    return find_header(headers, name);
}

std::string_view reason_phrase(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

namespace {

bool is_framing_header(std::string_view name) {
    auto same = [&](std::string_view other) {
        return name.size() == other.size() &&
               ::strncasecmp(name.data(), other.data(), other.size()) == 0;
    };
    return same("content-length") || same("transfer-encoding") || same("connection");
}

} // namespace

std::string serialize_response(const Response& response, bool keep_alive, bool head_only) {
    std::string out;
    out.reserve(128 + response.body.size() + response.headers.size() * 32);
    out += "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out += reason_phrase(response.status);
    out += "\r\n";
    for (const auto& [name, value] : response.headers) {
        if (is_framing_header(name)) {
            continue;
        }
        out += name;
        out += ": ";
        // A header value never carries a line break onto the wire.
        for (char c : value) {
            out += (c == '\r' || c == '\n') ? ' ' : c;
        }
        out += "\r\n";
    }
    bool bodiless = response.status == 204 || response.status == 304 ||
                    (response.status >= 100 && response.status < 200);
    if (!bodiless) {
        out += "Content-Length: ";
        out += std::to_string(response.body.size());
        out += "\r\n";
    }
    out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!head_only && !bodiless) {
        out += response.body;
    }
    return out;
}

} // namespace lambda_local::runtime::http
