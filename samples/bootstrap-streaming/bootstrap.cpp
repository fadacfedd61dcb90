// A custom runtime (`provided.al2023`) that streams its responses through the Runtime API
// (docs/custom-runtimes.md, "Response streaming"), with nothing but POSIX sockets and
// nlohmann/json: a POST /response with Lambda-Runtime-Function-Response-Mode: streaming and a
// chunked body, one chunk per piece. The event picks what it streams:
//
//   {"pieces": ["a", "b"]}                       the pieces, as text/plain
//   {"http": {"statusCode": 201, ...}, "pieces": [...]}
//                                                 the HTTP form: the prelude JSON, 8 NUL bytes,
//                                                 then the pieces (function URLs, REST STREAM)
//   {"pieces": [...], "fail": "why"}              the pieces, then a mid-stream error in the
//                                                 trailers
//   {"pieces": [...], "exit": true}               the pieces, then the runtime exits mid-stream
//   {"pieces": [...], "hang": true}               the pieces, then nothing until the deadline
//   "wait_for": "/path"                           after the first piece, wait (20 s at most)
//                                                 for that file before the rest
//   "bytes": 1048576                              after the pieces, that many bytes of 'x'
//
//   lambda-local invoke --bootstrap build/samples/bootstrap-streaming -d '{"pieces":["a","b"]}'
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

// One connection to the Runtime API (reopened after the server closed it).
class Connection {
  public:
    explicit Connection(const std::string& address) {
        auto colon = address.rfind(':');
        if (colon == std::string::npos) {
            throw std::runtime_error("AWS_LAMBDA_RUNTIME_API is not host:port: " + address);
        }
        m_host = address.substr(0, colon);
        m_port = address.substr(colon + 1);
    }
    ~Connection() { close(); }

    void send(const std::string& data) {
        if (m_fd < 0) {
            open();
        }
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                throw std::runtime_error("the Runtime API closed the connection");
            }
            sent += static_cast<std::size_t>(n);
        }
    }

    // Reads one response (Content-Length bodies only, as the Runtime API sends them); returns
    // its status, and its body and request id header in `body` and `request_id`.
    int response(std::string& body, std::string* request_id = nullptr) {
        std::size_t end;
        while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
            fill();
        }
        std::string head = m_buffer.substr(0, end + 2);
        m_buffer.erase(0, end + 4);
        int status = 0;
        std::sscanf(head.c_str(), "HTTP/%*d.%*d %d", &status);
        std::size_t length = 0;
        bool close_after = false;
        for (std::size_t at = head.find("\r\n") + 2; at < head.size();) {
            std::size_t line_end = head.find("\r\n", at);
            std::string line = head.substr(at, line_end - at);
            at = line_end + 2;
            auto colon = line.find(':');
            if (colon == std::string::npos) {
                continue;
            }
            std::string name = line.substr(0, colon);
            std::string value = line.substr(line.find_first_not_of(" \t", colon + 1));
            if (::strcasecmp(name.c_str(), "Content-Length") == 0) {
                length = std::stoul(value);
            } else if (::strcasecmp(name.c_str(), "Connection") == 0) {
                close_after = ::strcasecmp(value.c_str(), "close") == 0;
            } else if (request_id &&
                       ::strcasecmp(name.c_str(), "Lambda-Runtime-Aws-Request-Id") == 0) {
                *request_id = value;
            }
        }
        while (m_buffer.size() < length) {
            fill();
        }
        body = m_buffer.substr(0, length);
        m_buffer.erase(0, length);
        if (close_after) {
            close();
        }
        return status;
    }

    std::string authority() const { return m_host + ":" + m_port; }

  private:
    void open() {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (::getaddrinfo(m_host.c_str(), m_port.c_str(), &hints, &found) != 0 || !found) {
            throw std::runtime_error("cannot resolve " + m_host);
        }
        m_fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = m_fd >= 0 && ::connect(m_fd, found->ai_addr, found->ai_addrlen) == 0;
        ::freeaddrinfo(found);
        if (!ok) {
            close();
            throw std::runtime_error("cannot connect to the Runtime API");
        }
        int on = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        m_buffer.clear();
    }

    void close() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = -1;
    }

    void fill() {
        char chunk[65536];
        for (;;) {
            ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                throw std::runtime_error("the Runtime API closed the connection");
            }
            m_buffer.append(chunk, static_cast<std::size_t>(n));
            return;
        }
    }

    std::string m_host;
    std::string m_port;
    int m_fd = -1;
    std::string m_buffer;
};

std::string chunk(const std::string& bytes) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return size + bytes + "\r\n";
}

std::string base64(const std::string& bytes) {
    static const char* k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += {k_alphabet[v >> 18], k_alphabet[(v >> 12) & 63], k_alphabet[(v >> 6) & 63],
                k_alphabet[v & 63]};
    }
    if (i + 1 == bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += {k_alphabet[v >> 18], k_alphabet[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == bytes.size()) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += {k_alphabet[v >> 18], k_alphabet[(v >> 12) & 63], k_alphabet[(v >> 6) & 63], '='};
    }
    return out;
}

// Waits (20 s at most) for `path` to exist.
void wait_for(const std::string& path) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (::access(path.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// Streams one invocation's response as its event asks.
void serve(Connection& api, const std::string& id, const json& event) {
    const bool http = event.contains("http");
    const bool fail = event.contains("fail");
    std::string head =
        "POST /2018-06-01/runtime/invocation/" + id +
        "/response HTTP/1.1\r\nHost: " + api.authority() +
        "\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n"
        "Transfer-Encoding: chunked\r\nContent-Type: " +
        (http ? "application/vnd.awslambda.http-integration-response" : "text/plain") +
        "\r\nTrailer: Lambda-Runtime-Function-Error-Type, "
        "Lambda-Runtime-Function-Error-Body\r\n\r\n";
    api.send(head);
    if (http) {
        api.send(chunk(event["http"].dump() + std::string(8, '\0')));
    }
    json pieces = event.value("pieces", json::array());
    bool first = true;
    for (const json& piece : pieces) {
        api.send(chunk(piece.is_string() ? piece.get<std::string>() : piece.dump()));
        if (first && event.contains("wait_for")) {
            wait_for(event["wait_for"].get<std::string>());
        }
        first = false;
    }
    std::size_t filler = event.value("bytes", std::size_t{0});
    for (std::size_t sent = 0; sent < filler;) {
        std::size_t size = std::min<std::size_t>(filler - sent, 64 * 1024);
        api.send(chunk(std::string(size, 'x')));
        sent += size;
    }
    if (event.value("exit", false)) {
        std::_Exit(3); // mid-stream: the last chunk never comes
    }
    if (event.value("hang", false)) {
        for (;;) {
            ::pause(); // until the deadline ends the runtime
        }
    }
    std::string trailers;
    if (fail) {
        std::string why = event["fail"].is_string() ? event["fail"].get<std::string>() : "failed";
        json error = {
            {"errorMessage", why}, {"errorType", "StreamError"}, {"stackTrace", json::array()}};
        trailers = "Lambda-Runtime-Function-Error-Type: StreamError\r\n"
                   "Lambda-Runtime-Function-Error-Body: " +
                   base64(error.dump()) + "\r\n";
    }
    api.send("0\r\n" + trailers + "\r\n");
    std::string body;
    int status = api.response(body);
    if (status != 202) {
        std::fprintf(stderr, "bootstrap-streaming: response for %s: %d %s\n", id.c_str(), status,
                     body.c_str());
    }
}

} // namespace

int main() {
    const char* address = std::getenv("AWS_LAMBDA_RUNTIME_API");
    if (address == nullptr || *address == '\0') {
        std::fprintf(stderr, "bootstrap-streaming: AWS_LAMBDA_RUNTIME_API is not set\n");
        return 1;
    }
    try {
        Connection api(address);
        for (;;) {
            api.send("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: " +
                     api.authority() + "\r\n\r\n");
            std::string body;
            std::string id;
            int status = api.response(body, &id);
            if (status != 200) {
                std::fprintf(stderr, "bootstrap-streaming: /next answered %d %s\n", status,
                             body.c_str());
                return 1;
            }
            json event = json::parse(body, nullptr, false);
            serve(api, id, event.is_object() ? event : json::object());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bootstrap-streaming: %s\n", e.what());
        return 1;
    }
}
