// lambda-local's HTTP/1.1 client: one keep-alive connection, one request at a time.
#include "runtime/http/client.hpp"

#include "runtime/http/connection.hpp"
#include "runtime/util/error.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

namespace lambda_local::runtime::http {

Client::Client(std::string host, int port) : m_host(std::move(host)), m_port(port) {}

Client::~Client() = default;

void Client::connect() {
    m_reader.reset();
    m_socket.reset();
    std::string where = m_host + ":" + std::to_string(m_port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(m_port);
    int failed = ::getaddrinfo(m_host.c_str(), service.c_str(), &hints, &found);
    if (failed != 0 || found == nullptr) {
        throw Error(where + ": " + ::gai_strerror(failed));
    }
    Fd socket(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int connected = socket ? ::connect(socket.get(), found->ai_addr, found->ai_addrlen) : -1;
    int error_number = errno;
    ::freeaddrinfo(found);
    if (!socket || connected != 0) {
        throw Error(where + ": " + os_error(socket ? "connect" : "socket", error_number));
    }
    int on = 1;
    ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    m_socket = std::move(socket);
    m_reader = std::make_unique<MessageReader>(m_socket.get());
}

std::string Client::where() const {
    return m_host + ":" + std::to_string(m_port);
}

std::string Client::head(std::string_view method, std::string_view target,
                         const HeaderList& headers) {
    std::string message;
    message.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    if (find_header(headers, "Host") == nullptr) {
        message.append("Host: ").append(m_host).append(":").append(std::to_string(m_port));
        message.append("\r\n");
    }
    for (const auto& [name, value] : headers) {
        message.append(name).append(": ").append(value).append("\r\n");
    }
    return message;
}

void Client::open_chunked(std::string_view method, std::string_view target,
                          const HeaderList& headers) {
    std::string message = head(method, target, headers);
    message.append("Transfer-Encoding: chunked\r\n\r\n");
    // A kept-alive connection may have been closed by the server meanwhile: a fresh one (a
    // streamed body cannot be sent again).
    connect();
    if (!send_all(m_socket.get(), message)) {
        m_socket.reset();
        throw Error(where() + ": " + os_error("send"));
    }
}

void Client::send_chunk(std::string_view bytes) {
    if (bytes.empty()) {
        return; // an empty chunk would end the body
    }
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    if (!m_socket || !send_all(m_socket.get(), size) || !send_all(m_socket.get(), bytes) ||
        !send_all(m_socket.get(), "\r\n")) {
        m_reader.reset();
        m_socket.reset();
        throw Error(where() + ": " + os_error("send"));
    }
}

Response Client::finish_chunked(const HeaderList& trailers, std::chrono::milliseconds timeout) {
    std::string end = "0\r\n";
    for (const auto& [name, value] : trailers) {
        end.append(name).append(": ").append(value).append("\r\n");
    }
    end.append("\r\n");
    if (!m_socket || !send_all(m_socket.get(), end)) {
        m_reader.reset();
        m_socket.reset();
        throw Error(where() + ": " + os_error("send"));
    }
    Response response;
    ReadStatus status = m_reader->read_response(response, "POST", timeout);
    if (status != ReadStatus::Ok) {
        std::string why = m_reader->error();
        m_reader.reset();
        m_socket.reset();
        throw Error(where() + ": " +
                    (status == ReadStatus::Closed
                         ? std::string("the server closed the connection without answering")
                         : "the answer is not valid HTTP: " + why));
    }
    const std::string* connection = response.header("Connection");
    if (connection != nullptr && *connection == "close") {
        m_reader.reset();
        m_socket.reset();
    }
    return response;
}

Response Client::request(std::string_view method, std::string_view target,
                         const HeaderList& headers, std::string_view body,
                         std::chrono::milliseconds timeout) {
    std::string message = head(method, target, headers);
    message.reserve(message.size() + 64 + body.size());
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        message.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    message.append("\r\n").append(body);

    // A kept-alive connection the server has closed fails on first use: reconnect once.
    for (int attempt = 0;; ++attempt) {
        bool fresh = !m_socket;
        if (fresh) {
            connect();
        }
        std::string where = m_host + ":" + std::to_string(m_port);
        if (!send_all(m_socket.get(), message)) {
            m_socket.reset();
            if (!fresh && attempt == 0) {
                continue;
            }
            throw Error(where + ": " + os_error("send"));
        }
        Response response;
        ReadStatus status = m_reader->read_response(response, method, timeout);
        if (status == ReadStatus::Ok) {
            const std::string* connection = response.header("Connection");
            if (connection != nullptr && *connection == "close") {
                m_reader.reset();
                m_socket.reset();
            }
            return response;
        }
        std::string why = m_reader->error();
        m_reader.reset();
        m_socket.reset();
        if (status == ReadStatus::Closed && !fresh && attempt == 0) {
            continue;
        }
        if (status == ReadStatus::Timeout) {
            throw Error(where + ": no answer in time");
        }
        if (status == ReadStatus::Closed) {
            throw Error(where + ": the server closed the connection without answering");
        }
        throw Error(where + ": the answer is not valid HTTP: " + why);
    }
}

} // namespace lambda_local::runtime::http
