// The head of an HTTP/1.1 request: finding its end, parsing it and refusing what RFC 9112 refuses.
#include "runtime/http/request_head.hpp"

#include <strings.h>

#include <array>

namespace lambda_local::runtime::http {

namespace {

// The length of the empty line that may precede a request line ("\r\n" or "\n"), or 0.
std::size_t leading_empty_line(std::string_view bytes) {
    if (bytes.starts_with("\r\n")) {
        return 2;
    }
    if (bytes.starts_with("\n")) {
        return 1;
    }
    return 0;
}

// The characters of a token (RFC 9110 §5.6.2).
constexpr std::array<bool, 256> k_tchar = [] {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c) {
        table[c] = true;
    }
    for (int c = 'a'; c <= 'z'; ++c) {
        table[c] = true;
        table[c - 'a' + 'A'] = true;
    }
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
        table[static_cast<unsigned char>(c)] = true;
    }
    return table;
}();

bool is_tchar(unsigned char c) {
    return k_tchar[c];
}

bool is_token(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (!is_tchar(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Splits off the next line; false (and `error` set) for a CR that does not end a line.
bool next_line(std::string_view& rest, std::string_view& line, HeadError& error) {
    std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) {
        line = rest;
        rest = {};
    } else {
        line = rest.substr(0, end);
        rest.remove_prefix(end + 1);
    }
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.find('\r') != std::string_view::npos) {
        error = {400, "a bare CR in the request head"};
        return false;
    }
    return true;
}

bool parse_request_line(std::string_view line, RequestHead& parsed, HeadError& error) {
    std::size_t first = line.find(' ');
    std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
        error = {400, "a malformed request line"};
        return false;
    }
    std::string_view method = line.substr(0, first);
    std::string_view target = line.substr(first + 1, second - first - 1);
    std::string_view version = line.substr(second + 1);
    if (!is_token(method) || target.empty()) {
        error = {400, "a malformed request line"};
        return false;
    }
    for (char c : target) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x21 || byte == 0x7f) {
            error = {400, "a control character in the request target"};
            return false;
        }
    }
    if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        error = {400, "a malformed HTTP version"};
        return false;
    }
    if (version[5] != '1') {
        error = {505, "only HTTP/1.x is served here"};
        return false;
    }
    parsed.method = method;
    parsed.target = target;
    parsed.version = version;
    return true;
}

// A field value holds HTAB, SP, visible ASCII and obs-text only (RFC 9110 §5.5).
bool valid_field_value(std::string_view value) {
    for (char c : value) {
        auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

// Checks the Transfer-Encoding list: exactly one coding, `chunked`.
bool check_transfer_encoding(std::string_view list, int& chunked_count, HeadError& error) {
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view element = trim_ows(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (element.empty()) {
            continue;
        }
        if (!iequals(element, "chunked")) {
            error = {501, "the transfer coding '" + std::string(element) + "' is not implemented"};
            return false;
        }
        ++chunked_count;
    }
    return true;
}

// An absolute-form target ("http://host:port/path?query", as a client sends it to a proxy;
// RFC 9112 §3.2.2): an origin server takes the path and query for the target, and the authority
// for Host, whatever Host field came with it. Other targets are left as they are. False for an
// absolute-form target without an authority, or with user information in it.
bool reduce_absolute_form(RequestHead& parsed, HeadError& error) {
    std::string_view target = parsed.target;
    std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || target.front() == '/' ||
        !(iequals(target.substr(0, scheme_end), "http") ||
          iequals(target.substr(0, scheme_end), "https"))) {
        return true;
    }
    std::string_view rest = target.substr(scheme_end + 3);
    std::size_t authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
        error = {400, "a malformed absolute-form request target"};
        return false;
    }
    std::string path(authority_end == std::string_view::npos ? std::string_view()
                                                             : rest.substr(authority_end));
    if (path.empty() || path.front() != '/') {
        path.insert(0, "/");
    }
    std::string host(authority);
    bool replaced = false;
    for (auto& [name, value] : parsed.headers) {
        if (iequals(name, "host")) {
            value = host;
            replaced = true;
        }
    }
    if (!replaced) {
        parsed.headers.emplace_back("Host", host);
    }
    parsed.target = std::move(path);
    return true;
}

} // namespace

bool is_field_name(std::string_view name) {
    return is_token(name);
}

HeadExtent find_head_end(std::string_view bytes, const HeadLimits& limits, HeadScan& scan) {
    std::size_t start = leading_empty_line(bytes);
    if (start == 0 && bytes == "\r") {
        return {}; // perhaps the start of a leading empty line
    }
    std::size_t position = scan.position > start ? scan.position : start;
    while (true) {
        std::size_t lf = bytes.find('\n', position);
        if (lf == std::string_view::npos) {
            position = bytes.size();
            break;
        }
        if (scan.request_line == 0) {
            bool cr = lf > start && bytes[lf - 1] == '\r';
            scan.request_line = lf - start - (cr ? 1 : 0) + 1;
        }
        if (lf + 1 < bytes.size() && bytes[lf + 1] == '\n') {
            return {HeadExtent::Kind::Complete, lf + 2, 0};
        }
        if (lf + 2 < bytes.size() && bytes[lf + 1] == '\r' && bytes[lf + 2] == '\n') {
            return {HeadExtent::Kind::Complete, lf + 3, 0};
        }
        if (lf + 2 >= bytes.size()) {
            position = lf; // the line after it has not arrived yet
            break;
        }
        position = lf + 1;
    }
    scan.position = position;
    // Before its LF, the request line is what has arrived, less a last CR (the start of CRLF).
    std::size_t line = scan.request_line != 0
                           ? scan.request_line - 1
                           : bytes.size() - start - (bytes.ends_with('\r') ? 1 : 0);
    if (line > limits.max_request_line) {
        return {HeadExtent::Kind::TooLarge, 0, 414};
    }
    if (bytes.size() - start > limits.max_head) {
        return {HeadExtent::Kind::TooLarge, 0, 431};
    }
    return {};
}

bool parse_request_head(std::string_view head, const HeadLimits& limits, RequestHead& parsed,
                        HeadError& error) {
    std::string_view rest = head.substr(leading_empty_line(head));
    if (rest.size() > limits.max_head) {
        error = {431, "the request head is too large"};
        return false;
    }
    std::string_view line;
    if (!next_line(rest, line, error)) {
        return false;
    }
    if (line.size() > limits.max_request_line) {
        error = {414, "the request line is too long"};
        return false;
    }
    if (!parse_request_line(line, parsed, error)) {
        return false;
    }
    bool http10 = parsed.version == "HTTP/1.0";

    parsed.headers.clear();
    parsed.framing = BodyFraming::None;
    parsed.content_length = 0;
    int hosts = 0;
    int content_lengths = 0;
    int transfer_encodings = 0;
    int chunked = 0;
    while (true) {
        if (!next_line(rest, line, error)) {
            return false;
        }
        if (line.empty()) {
            break;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            error = {400, "a folded header field (obs-fold)"};
            return false;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
            error = {400, "a malformed header field"};
            return false;
        }
        if (parsed.headers.size() == k_max_header_fields) {
            error = {431, "too many header fields"};
            return false;
        }
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim_ows(line.substr(colon + 1));
        if (!valid_field_value(value)) {
            error = {400, "a control character in the value of " + std::string(name)};
            return false;
        }
        if (iequals(name, "host")) {
            ++hosts;
        } else if (iequals(name, "content-length")) {
            ++content_lengths;
            if (value.empty() || value.size() > 19 ||
                value.find_first_not_of("0123456789") != std::string_view::npos) {
                error = {400, "a malformed Content-Length"};
                return false;
            }
            parsed.content_length = std::stoull(std::string(value));
        } else if (iequals(name, "transfer-encoding")) {
            ++transfer_encodings;
            if (!check_transfer_encoding(value, chunked, error)) {
                return false;
            }
        }
        parsed.headers.emplace_back(name, value);
    }

    if (hosts > 1 || (hosts == 0 && !http10)) {
        error = {400, hosts > 1 ? "more than one Host" : "no Host in an HTTP/1.1 request"};
        return false;
    }
    if (!reduce_absolute_form(parsed, error)) {
        return false;
    }
    if (transfer_encodings > 0) {
        if (content_lengths > 0) {
            error = {400, "both Content-Length and Transfer-Encoding"};
            return false;
        }
        if (http10) {
            error = {400, "Transfer-Encoding in an HTTP/1.0 request"};
            return false;
        }
        if (chunked != 1) {
            error = {400, chunked == 0 ? "an empty Transfer-Encoding" : "chunked more than once"};
            return false;
        }
        parsed.framing = BodyFraming::Chunked;
    } else if (content_lengths > 1) {
        error = {400, "more than one Content-Length"};
        return false;
    } else if (content_lengths == 1) {
        if (parsed.content_length > limits.max_body) {
            error = {413, "the request body is too large"};
            return false;
        }
        parsed.framing = BodyFraming::Length;
    }
    return true;
}

} // namespace lambda_local::runtime::http
