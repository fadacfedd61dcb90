// Reading HTTP/1.1 messages from a socket through a buffer, and writing to one.
#include "runtime/http/connection.hpp"

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace lambda_local::runtime::http {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t k_read_size = 64 * 1024;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool contains_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return false;
}

bool is_token_char(char c) {
    return c > 32 && c < 127 && c != ':' && c != '(' && c != ')' && c != '"' && c != ',' &&
           c != '/' && c != '[' && c != ']' && c != '{' && c != '}' && c != ';' && c != '=' &&
           c != '<' && c != '>' && c != '?' && c != '@' && c != '\\';
}

// Splits a head into its first line and its header fields; false when a field is malformed.
bool parse_head(std::string_view head, std::string_view& first_line, HeaderList& headers) {
    std::size_t end = head.find('\n');
    first_line = trim(head.substr(0, end));
    head = end == std::string_view::npos ? std::string_view{} : head.substr(end + 1);
    while (!head.empty()) {
        end = head.find('\n');
        std::string_view line = head.substr(0, end);
        head = end == std::string_view::npos ? std::string_view{} : head.substr(end + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos) {
            return false;
        }
        std::string_view name = line.substr(0, colon);
        for (char c : name) {
            if (!is_token_char(c)) {
                return false;
            }
        }
        headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
    }
    return true;
}

} // namespace

ReadStatus MessageReader::broken(std::string why) {
    m_error = std::move(why);
    return ReadStatus::Broken;
}

bool MessageReader::fill(Deadline deadline, bool forever, int cancel_fd) {
    if (m_start > 0 && m_start == m_buffer.size()) {
        m_buffer.clear();
        m_start = 0;
    } else if (m_start > k_read_size) {
        m_buffer.erase(0, m_start);
        m_start = 0;
    }
    for (;;) {
        pollfd fds[2] = {{m_fd, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
        int timeout_ms = -1;
        if (!forever) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                m_status = ReadStatus::Timeout;
                return false;
            }
            timeout_ms = static_cast<int>(left.count());
        }
        int ready = ::poll(fds, cancel_fd >= 0 ? 2 : 1, timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            m_status = ReadStatus::Closed;
            return false;
        }
        if (ready == 0) {
            continue; // the deadline check above ends the wait
        }
        if (cancel_fd >= 0 && fds[1].revents != 0 && fds[0].revents == 0) {
            m_status = ReadStatus::Cancelled;
            return false;
        }
        // Read into a buffer of our own: growing the string first would zero-fill it.
        char chunk[16 * 1024];
        ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n > 0) {
            m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
        if (n <= 0) {
            m_status = ReadStatus::Closed;
            return false;
        }
        return true;
    }
}

ReadStatus MessageReader::read_head(std::string& head, Deadline deadline, bool forever,
                                    int cancel_fd) {
    bool first_wait = true;
    for (;;) {
        // Empty lines before a message are allowed (RFC 9112 §2.2).
        while (m_start + 1 < m_buffer.size() && m_buffer[m_start] == '\r' &&
               m_buffer[m_start + 1] == '\n') {
            m_start += 2;
        }
        std::size_t end = m_buffer.find("\r\n\r\n", m_start);
        if (end != std::string::npos) {
            head.assign(m_buffer, m_start, end + 2 - m_start);
            m_start = end + 4;
            return ReadStatus::Ok;
        }
        if (m_buffer.size() - m_start > k_max_head_bytes) {
            return ReadStatus::HeadersTooLarge;
        }
        bool started = m_start < m_buffer.size();
        if (!fill(deadline, forever, started || !first_wait ? -1 : cancel_fd)) {
            if (m_status == ReadStatus::Closed && started) {
                return broken("the connection closed in the middle of a message head");
            }
            return m_status;
        }
        first_wait = false;
    }
}

ReadStatus MessageReader::read_chunked(std::string& body, std::size_t max_body, Deadline deadline,
                                       bool forever) {
    for (;;) {
        std::size_t line_end;
        while ((line_end = m_buffer.find("\r\n", m_start)) == std::string::npos) {
            if (m_buffer.size() - m_start > 1024) {
                return broken("a chunk size line is too long");
            }
            if (!fill(deadline, forever)) {
                return m_status == ReadStatus::Closed ? broken("the connection closed in a chunk")
                                                      : m_status;
            }
        }
        std::string_view line(m_buffer.data() + m_start, line_end - m_start);
        line = trim(line.substr(0, line.find(';')));
        std::size_t size = 0;
        auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (ec != std::errc() || ptr != line.data() + line.size() || line.empty()) {
            return broken("a chunk size is not hexadecimal");
        }
        m_start = line_end + 2;
        if (size == 0) {
            // Trailer fields, up to the empty line.
            for (;;) {
                while ((line_end = m_buffer.find("\r\n", m_start)) == std::string::npos) {
                    if (!fill(deadline, forever)) {
                        return m_status == ReadStatus::Closed
                                   ? broken("the connection closed in the trailers")
                                   : m_status;
                    }
                }
                bool empty = line_end == m_start;
                m_start = line_end + 2;
                if (empty) {
                    return ReadStatus::Ok;
                }
            }
        }
        if (size > max_body || body.size() + size > max_body) {
            return ReadStatus::TooLarge;
        }
        while (m_buffer.size() - m_start < size + 2) {
            if (!fill(deadline, forever)) {
                return m_status == ReadStatus::Closed ? broken("the connection closed in a chunk")
                                                      : m_status;
            }
        }
        body.append(m_buffer, m_start, size);
        m_start += size + 2;
    }
}

ReadStatus MessageReader::read_body(const HeaderList& headers, std::string& body,
                                    std::size_t max_body, Deadline deadline, bool forever,
                                    bool until_close) {
    body.clear();
    const std::string* encoding = find_header(headers, "Transfer-Encoding");
    if (encoding != nullptr && contains_token(*encoding, "chunked")) {
        return read_chunked(body, max_body, deadline, forever);
    }
    const std::string* length_text = nullptr;
    for (const auto& [name, value] : headers) {
        if (iequals(name, "Content-Length")) {
            if (length_text != nullptr && *length_text != value) {
                return broken("conflicting Content-Length headers");
            }
            length_text = &value;
        }
    }
    if (length_text == nullptr) {
        if (!until_close) {
            return ReadStatus::Ok;
        }
        while (fill(deadline, forever)) {
            if (m_buffer.size() - m_start > max_body) {
                return ReadStatus::TooLarge;
            }
        }
        if (m_status != ReadStatus::Closed) {
            return m_status;
        }
        body.assign(m_buffer, m_start);
        m_start = m_buffer.size();
        return ReadStatus::Ok;
    }
    std::size_t length = 0;
    auto [ptr, ec] =
        std::from_chars(length_text->data(), length_text->data() + length_text->size(), length);
    if (ec != std::errc() || ptr != length_text->data() + length_text->size() ||
        length_text->empty()) {
        return broken("Content-Length is not a number");
    }
    if (length > max_body) {
        return ReadStatus::TooLarge;
    }
    if (m_buffer.capacity() < m_start + length) {
        m_buffer.reserve(m_start + length + k_read_size);
    }
    while (m_buffer.size() - m_start < length) {
        if (!fill(deadline, forever)) {
            return m_status == ReadStatus::Closed ? broken("the connection closed in the body")
                                                  : m_status;
        }
    }
    body.assign(m_buffer, m_start, length);
    m_start += length;
    return ReadStatus::Ok;
}

ReadStatus MessageReader::read_request(Request& request, std::size_t max_body,
                                       std::chrono::milliseconds idle_timeout,
                                       std::chrono::milliseconds read_timeout, int cancel_fd,
                                       const std::function<void()>& continue_100) {
    request = Request{};
    bool forever = idle_timeout.count() == 0;
    std::string head;
    ReadStatus status = read_head(head, Clock::now() + idle_timeout, forever, cancel_fd);
    if (status != ReadStatus::Ok) {
        return status;
    }
    std::string_view line;
    if (!parse_head(head, line, request.headers)) {
        return broken("a header field is malformed");
    }
    std::size_t first = line.find(' ');
    std::size_t last = line.rfind(' ');
    if (first == std::string_view::npos || first == last) {
        return broken("the request line is not 'METHOD target HTTP/1.x'");
    }
    request.method = std::string(line.substr(0, first));
    request.target = std::string(trim(line.substr(first + 1, last - first - 1)));
    request.version = std::string(line.substr(last + 1));
    if (request.version.rfind("HTTP/1.", 0) != 0 || request.target.empty() ||
        request.method.empty()) {
        return broken("the request line is not 'METHOD target HTTP/1.x'");
    }
    for (char c : request.method) {
        if (!is_token_char(c)) {
            return broken("the method is not a token");
        }
    }
    // An absolute-form target ("http://host/path") is reduced to its path.
    if (request.target.rfind("http://", 0) == 0 || request.target.rfind("https://", 0) == 0) {
        std::size_t slash = request.target.find('/', request.target.find("//") + 2);
        request.target = slash == std::string::npos ? "/" : request.target.substr(slash);
    }
    std::size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) {
        request.query = request.target.substr(question + 1);
    }
    const std::string* expect = request.header("Expect");
    if (expect != nullptr && iequals(trim(*expect), "100-continue") && continue_100 &&
        !has_buffered()) {
        continue_100();
    }
    return read_body(request.headers, request.body, max_body, Clock::now() + read_timeout, false,
                     false);
}

ReadStatus MessageReader::read_response(Response& response, std::string_view method,
                                        std::chrono::milliseconds timeout) {
    bool forever = timeout.count() == 0;
    Deadline deadline = Clock::now() + timeout;
    for (;;) {
        response = Response{};
        std::string head;
        ReadStatus status = read_head(head, deadline, forever, -1);
        if (status != ReadStatus::Ok) {
            return status;
        }
        std::string_view line;
        if (!parse_head(head, line, response.headers)) {
            return broken("a header field of the response is malformed");
        }
        // "HTTP/1.1 200 OK"
        if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
            return broken("the status line is not 'HTTP/1.x NNN reason'");
        }
        std::string_view code = line.substr(9, 3);
        auto [ptr, ec] = std::from_chars(code.data(), code.data() + 3, response.status);
        if (ec != std::errc() || ptr != code.data() + 3) {
            return broken("the status code is not a number");
        }
        if (response.status >= 100 && response.status < 200) {
            continue; // 100 Continue and other interim answers
        }
        bool bodiless = method == "HEAD" || response.status == 204 || response.status == 304;
        if (bodiless) {
            return ReadStatus::Ok;
        }
        return read_body(response.headers, response.body, std::size_t(1) << 31, deadline, forever,
                         true);
    }
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace lambda_local::runtime::http
