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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
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

struct Responder::Exchange {
    int fd = -1;
    int wake_fd = -1; // the connection thread's eventfd
    bool keep_alive = false;
    bool head = false;
    std::mutex mutex;
    std::condition_variable changed;
    bool responded = false;
    bool done = false;    // all sent, or the client is gone
    bool failed = false;  // the client is gone
    std::string leftover; // what the connection thread is to send
};

namespace {

// Sends what the socket takes without waiting; returns the bytes sent, or -1 when the peer is
// gone.
ssize_t send_without_waiting(int fd, std::string_view data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (n <= 0) {
            return -1;
        }
        sent += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(sent);
}

void signal_eventfd(int fd) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(fd, &one, sizeof one);
}

// Sends what a Responder left, on the connection's thread; true once the exchange is done.
bool finish_output(Responder::Exchange& exchange) {
    std::unique_lock lock(exchange.mutex);
    if (exchange.done || exchange.leftover.empty()) {
        return exchange.done;
    }
    std::string rest = std::move(exchange.leftover);
    exchange.leftover.clear();
    lock.unlock();
    bool sent = send_all(exchange.fd, rest);
    lock.lock();
    exchange.done = true;
    exchange.failed = !sent;
    return true;
}

// Waits until the response to `exchange` is out (sending what its Responder left).
void wait_done(Responder::Exchange& exchange) {
    {
        std::unique_lock lock(exchange.mutex);
        exchange.changed.wait(lock, [&] { return exchange.done || !exchange.leftover.empty(); });
    }
    finish_output(exchange);
}

} // namespace

void Responder::operator()(Response response) const {
    Exchange& exchange = *m_exchange;
    {
        std::lock_guard lock(exchange.mutex);
        if (exchange.responded) {
            return;
        }
        exchange.responded = true;
    }
    bool keep_alive = exchange.keep_alive && !m_server->m_stopping;
    std::string data = serialize_response(response, keep_alive, exchange.head);
    ssize_t sent = send_without_waiting(exchange.fd, data);
    bool left = false;
    {
        std::lock_guard lock(exchange.mutex);
        if (sent < 0 || static_cast<std::size_t>(sent) == data.size()) {
            exchange.done = true;
            exchange.failed = sent < 0;
        } else {
            exchange.leftover = data.substr(static_cast<std::size_t>(sent));
            left = true;
        }
        exchange.changed.notify_all();
    }
    --m_server->m_in_flight;
    if (left) {
        signal_eventfd(exchange.wake_fd);
    }
}

Server::Server(ServerOptions options, Handler handler)
    : Server(std::move(options),
             [handler = std::move(handler)](const Request& request, Responder respond) {
                 respond(handler(request));
             }) {}

Server::Server(ServerOptions options, AsyncHandler handler)
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
    start(std::move(listener));
}

void Server::start(Fd listener) {
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
    {
        std::lock_guard lock(m_mutex);
        for (int wake : m_connection_wakes) {
            signal_eventfd(wake); // an idle connection closes; a busy one finishes first
        }
    }
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
    Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake) {
        return; // out of descriptors: the connection closes
    }
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_connection_wakes.insert(wake.get());
    }
    MessageReader reader(connection.get());
    int fd = connection.get();
    std::shared_ptr<Responder::Exchange> previous; // the last request's, answered or not yet
    for (;;) {
        Request request;
        ReadStatus status = reader.read_request(
            request, m_options.max_body, m_options.keep_alive_timeout, m_options.read_timeout,
            wake.get(), [fd] { send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n"); });
        if (status == ReadStatus::Cancelled) {
            std::uint64_t count = 0;
            [[maybe_unused]] ssize_t ignored = ::read(wake.get(), &count, sizeof count);
            bool answered = !previous || finish_output(*previous);
            if (m_stopping) {
                if (!answered) {
                    wait_done(*previous);
                }
                break; // stopping: the connection closes once its last response is out
            }
            continue;
        }
        // The previous response goes out whole before anything else happens on the connection.
        if (previous) {
            wait_done(*previous);
            if (previous->failed) {
                break;
            }
        }
        if (status != ReadStatus::Ok) {
            int code = status == ReadStatus::Broken            ? 400
                       : status == ReadStatus::TooLarge        ? 413
                       : status == ReadStatus::HeadersTooLarge ? 431
                                                               : 0;
            if (code != 0) {
                send_all(fd, serialize_response(m_options.error_response(code), false));
            }
            break;
        }
        request.remote_ip = remote_ip;
        auto exchange = std::make_shared<Responder::Exchange>();
        exchange->fd = fd;
        exchange->wake_fd = wake.get();
        exchange->keep_alive = wants_keep_alive(request) && !m_stopping;
        exchange->head = request.method == "HEAD";
        ++m_in_flight;
        Responder respond(exchange, this);
        try {
            m_handler(request, respond);
        } catch (const std::exception& e) {
            Response response = default_error_response(500);
            response.body = std::string("lambda-local: internal error: ") + e.what() + "\n";
            respond(std::move(response)); // unless it was answered before the exception
        }
        previous = std::move(exchange);
        if (!previous->keep_alive) {
            wait_done(*previous);
            break;
        }
    }
    if (previous) {
        wait_done(*previous); // the socket stays open until its last response is out
    }
    std::lock_guard lock(m_mutex);
    m_connection_wakes.erase(wake.get());
}

} // namespace lambda_local::runtime::http
