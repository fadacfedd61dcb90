// lambda-local's HTTP/1.1 server: accept on one thread, serve connections on a fixed pool.
#include "runtime/http/server.hpp"

#include "runtime/http/connection.hpp"
#include "runtime/util/error.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

namespace lambda_local::runtime::http {

namespace {

Response default_error_response(int status) {
    Response response;
    response.status = status;
    response.headers = {{"Content-Type", "text/plain"}};
    response.body = std::string(reason_phrase(status)) + "\n";
    return response;
}

bool wants_keep_alive(const Request& request) {
    const std::string* connection = request.header("Connection");
    if (request.version == "HTTP/1.0") {
        return connection != nullptr && ::strcasecmp(connection->c_str(), "keep-alive") == 0;
    }
    return connection == nullptr || ::strcasecmp(connection->c_str(), "close") != 0;
}

// Resolves `host` (an address or a name such as "localhost") for a listening socket.
sockaddr_storage listen_address(const std::string& host, int port, socklen_t& length) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    int failed = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    if (failed != 0 || found == nullptr) {
        throw Error("cannot listen on " + host + ":" + service + ": " + ::gai_strerror(failed));
    }
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    length = found->ai_addrlen;
    ::freeaddrinfo(found);
    return address;
}

std::string peer_ip(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = "";
    if (address.ss_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text,
                    sizeof text);
    } else if (address.ss_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
                    sizeof text);
    }
    return text;
}

} // namespace

Server::Server(ServerOptions options, Handler handler)
    : m_options(std::move(options)), m_handler(std::move(handler)) {
    if (!m_options.error_response) {
        m_options.error_response = default_error_response;
    }
}

Server::~Server() {
    stop();
}

void Server::start() {
    std::string where = m_options.host + ":" + std::to_string(m_options.port);
    socklen_t length = 0;
    sockaddr_storage address = listen_address(m_options.host, m_options.port, length);
    Fd listener(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) {
        throw Error("cannot listen on " + where + ": " + os_error("socket"));
    }
    int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
        throw Error("cannot listen on " + where + ": " + os_error("bind"));
    }
    if (::listen(listener.get(), 1024) != 0) {
        throw Error("cannot listen on " + where + ": " + os_error("listen"));
    }
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof bound;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &bound_length);
    m_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                               : reinterpret_cast<sockaddr_in&>(bound).sin_port);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    m_wake_read = Fd(pipe_fds[0]);
    m_wake_write = Fd(pipe_fds[1]);
    m_listener = std::move(listener);
    int threads = m_options.threads > 0 ? m_options.threads : 1;
    for (int i = 0; i < threads; ++i) {
        m_threads.emplace_back([this] { connection_loop(); });
    }
    m_acceptor = std::thread([this] { accept_loop(); });
}

void Server::stop() {
    if (m_stopping.exchange(true) || !m_listener) {
        return;
    }
    char byte = 1;
    [[maybe_unused]] ssize_t ignored = ::write(m_wake_write.get(), &byte, 1);
    m_ready.notify_all();
    if (m_acceptor.joinable()) {
        m_acceptor.join();
    }
    for (auto& thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    std::lock_guard lock(m_mutex);
    m_waiting.clear();
    m_listener.reset();
}

void Server::accept_loop() {
    for (;;) {
        pollfd fds[2] = {{m_listener.get(), POLLIN, 0}, {m_wake_read.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
            return;
        }
        if (m_stopping || fds[1].revents != 0) {
            return;
        }
        if (fds[0].revents == 0) {
            continue;
        }
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        Fd connection(
            ::accept4(m_listener.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC));
        if (!connection) {
            if (errno == EMFILE || errno == ENFILE) {
                ::poll(nullptr, 0, 50); // out of descriptors: let connections close first
            }
            continue;
        }
        int on = 1;
        ::setsockopt(connection.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        {
            std::lock_guard lock(m_mutex);
            m_waiting.emplace_back(std::move(connection), peer_ip(peer));
        }
        m_ready.notify_one();
    }
}

void Server::connection_loop() {
    for (;;) {
        std::pair<Fd, std::string> next;
        {
            std::unique_lock lock(m_mutex);
            m_ready.wait(lock, [this] { return m_stopping || !m_waiting.empty(); });
            if (m_stopping) {
                return;
            }
            next = std::move(m_waiting.front());
            m_waiting.pop_front();
        }
        serve_connection(std::move(next.first), next.second);
    }
}

void Server::serve_connection(Fd connection, const std::string& remote_ip) {
    MessageReader reader(connection.get());
    int fd = connection.get();
    for (;;) {
        Request request;
        ReadStatus status = reader.read_request(
            request, m_options.max_body, m_options.keep_alive_timeout, m_options.read_timeout,
            m_wake_read.get(), [fd] { send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n"); });
        if (status != ReadStatus::Ok) {
            int code = status == ReadStatus::Broken            ? 400
                       : status == ReadStatus::TooLarge        ? 413
                       : status == ReadStatus::HeadersTooLarge ? 431
                                                               : 0;
            if (code != 0) {
                send_all(fd, serialize_response(m_options.error_response(code), false));
            }
            return;
        }
        request.remote_ip = remote_ip;
        ++m_in_flight;
        Response response;
        try {
            response = m_handler(request);
        } catch (const std::exception& e) {
            response = default_error_response(500);
            response.body = std::string("lambda-local: internal error: ") + e.what() + "\n";
        }
        bool keep_alive = wants_keep_alive(request) && !m_stopping;
        bool sent =
            send_all(fd, serialize_response(response, keep_alive, request.method == "HEAD"));
        --m_in_flight;
        if (!sent || !keep_alive) {
            return;
        }
    }
}

} // namespace lambda_local::runtime::http
