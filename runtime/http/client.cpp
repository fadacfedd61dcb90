// lambda-local's HTTP/1.1 client: one keep-alive connection, one request at a time.
#include "runtime/http/client.hpp"

#include "runtime/http/connection.hpp"
#include "runtime/util/error.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

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

Response Client::request(std::string_view method, std::string_view target,
                         const HeaderList& headers, std::string_view body,
                         std::chrono::milliseconds timeout) {
    std::string message;
    message.reserve(256 + body.size());
    message.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    if (find_header(headers, "Host") == nullptr) {
        message.append("Host: ").append(m_host).append(":").append(std::to_string(m_port));
        message.append("\r\n");
    }
    for (const auto& [name, value] : headers) {
        message.append(name).append(": ").append(value).append("\r\n");
    }
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
