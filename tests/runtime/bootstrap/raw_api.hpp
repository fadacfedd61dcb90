// A fake Runtime API on raw sockets for the bootstrap's tests (127.0.0.1, an ephemeral
// port): it sees every byte and every connection, and can drop connections.
#pragma once

#include "runtime/util/fd.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lambda_local::runtime::bootstrap::testing {

// One request as the fake API received it: the head as sent, and the body.
struct Received {
    std::string head;
    std::string body;
    int connection = 0; // which accepted connection it came on (1, 2, ...)
    // A chunked body (Transfer-Encoding: chunked): its chunks as sent, and the trailer lines
    // after the last one ("Name: value"), read from the raw bytes.
    bool chunked = false;
    std::vector<std::string> chunks;
    std::vector<std::string> trailers;
};

// What the fake API does with a request: send these bytes, or (empty) drop the connection.
using Answer = std::function<std::string(const Received&)>;

// A fake Runtime API: accepts connections one at a time and answers each request on it.
class RawApi {
  public:
    explicit RawApi(Answer answer) : m_answer(std::move(answer)) {
        m_listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(m_listener);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) ==
                0);
        REQUIRE(::listen(m_listener.get(), 8) == 0);
        socklen_t length = sizeof address;
        ::getsockname(m_listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~RawApi() {
        ::shutdown(m_listener.get(), SHUT_RDWR);
        m_thread.join();
    }
    RawApi(const RawApi&) = delete;
    RawApi& operator=(const RawApi&) = delete;

    std::string endpoint() const { return "127.0.0.1:" + std::to_string(m_port); }
    int connections() const { return m_connections.load(); }
    std::vector<Received> received() {
        std::lock_guard lock(m_mutex);
        return m_received;
    }

  private:
    void serve() {
        for (;;) {
            Fd connection(::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!connection) {
                return; // the listener was shut down
            }
            int number = ++m_connections;
            std::string buffer;
            for (;;) {
                Received request;
                request.connection = number;
                if (!read_request(connection.get(), buffer, request)) {
                    break;
                }
                {
                    std::lock_guard lock(m_mutex);
                    m_received.push_back(request);
                }
                std::string reply = m_answer(request);
                if (reply.empty()) {
                    break; // drop the connection without answering
                }
                if (::send(connection.get(), reply.data(), reply.size(), MSG_NOSIGNAL) < 0) {
                    break;
                }
            }
        }
    }

    static bool read_request(int fd, std::string& buffer, Received& request) {
        auto fill = [&] {
            char chunk[65536];
            ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                buffer.append(chunk, static_cast<std::size_t>(n));
            }
            return n > 0;
        };
        std::size_t end;
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) {
                return false;
            }
        }
        request.head = buffer.substr(0, end + 4);
        buffer.erase(0, end + 4);
        if (request.head.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos) {
            return read_chunked(buffer, request, fill);
        }
        std::size_t length = 0;
        for (const char* name : {"\r\nContent-Length: ", "\r\ncontent-length: "}) {
            if (auto at = request.head.find(name); at != std::string::npos) {
                length = std::strtoul(request.head.c_str() + at + std::strlen(name), nullptr, 10);
            }
        }
        while (buffer.size() < length) {
            if (!fill()) {
                return false;
            }
        }
        request.body = buffer.substr(0, length);
        buffer.erase(0, length);
        return true;
    }

    // A chunked body: "<hex size>\r\n<bytes>\r\n" each, "0\r\n", trailer lines, "\r\n".
    template <typename Fill>
    static bool read_chunked(std::string& buffer, Received& request, Fill& fill) {
        request.chunked = true;
        auto line = [&](std::string& out) {
            std::size_t end;
            while ((end = buffer.find("\r\n")) == std::string::npos) {
                if (!fill()) {
                    return false;
                }
            }
            out = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            return true;
        };
        for (;;) {
            std::string size_line;
            if (!line(size_line)) {
                return false;
            }
            const std::size_t size = std::strtoul(size_line.c_str(), nullptr, 16);
            if (size == 0) {
                break;
            }
            while (buffer.size() < size + 2) {
                if (!fill()) {
                    return false;
                }
            }
            request.chunks.push_back(buffer.substr(0, size));
            request.body += request.chunks.back();
            buffer.erase(0, size + 2);
        }
        for (;;) {
            std::string trailer;
            if (!line(trailer)) {
                return false;
            }
            if (trailer.empty()) {
                return true;
            }
            request.trailers.push_back(trailer);
        }
    }

    Answer m_answer;
    Fd m_listener;
    int m_port = 0;
    std::atomic<int> m_connections{0};
    std::mutex m_mutex;
    std::vector<Received> m_received;
    std::thread m_thread;
};

// An HTTP response with an explicit Content-Length and lowercase header names.
inline std::string reply(int status, const std::string& body, const std::string& headers = {}) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + headers +
           "content-length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::string invocation_reply(const std::string& id, const std::string& event) {
    return reply(200, event,
                 "lambda-runtime-aws-request-id: " + id +
                     "\r\nLAMBDA-RUNTIME-DEADLINE-MS: 1700000003000"
                     "\r\nLambda-Runtime-Invoked-Function-Arn: "
                     "arn:aws:lambda:us-east-1:123456789012:function:f"
                     "\r\nlambda-runtime-trace-id: Root=1-5e1b4151-5ac6c58f3e2a1b7d9c0f1e2d;"
                     "Parent=1;Sampled=1\r\n");
}

inline bool is_next(const Received& request) {
    return request.head.rfind("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n", 0) == 0;
}

// Whether the request head has this header line, exactly.
inline bool has_line(const Received& request, const std::string& line) {
    return request.head.find("\r\n" + line + "\r\n") != std::string::npos;
}

} // namespace lambda_local::runtime::bootstrap::testing
