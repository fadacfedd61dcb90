// Relaying the gdb remote protocol between 127.0.0.1 and gdbserver's standard streams.
#include "runtime/debugger/debug_relay.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace lambda_local::runtime::debugger {
namespace {

// The most held for a side that does not read: the remote protocol's packets are far smaller.
constexpr std::size_t k_max_buffered = 1 << 20;

enum class Moved { Some, Nothing, Closed };

// Reads what `fd` has (non-blocking) onto `into`, up to k_max_buffered.
Moved read_into(int fd, std::string& into) {
    Moved moved = Moved::Nothing;
    char buffer[16384];
    while (into.size() < k_max_buffered) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            into.append(buffer, static_cast<std::size_t>(n));
            moved = Moved::Some;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return moved;
        }
        return Moved::Closed; // end of stream, or an error: the same for a relay
    }
    return moved;
}

// Writes what it can of `from` to `fd` (non-blocking); false when `fd` is broken.
bool write_from(int fd, std::string& from) {
    while (!from.empty()) {
        ssize_t n = ::send(fd, from.data(), from.size(), MSG_NOSIGNAL);
        if (n > 0) {
            from.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
    return true;
}

void set_non_blocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

} // namespace

DebugRelay::DebugRelay(loop::EventLoop& loop, int listener, Fd server, std::function<void()> ended)
    : m_loop(loop), m_listener(listener), m_server(std::move(server)), m_ended(std::move(ended)) {
    set_non_blocking(m_server.get());
    m_listen_watch = std::make_unique<loop::FdWatch>(m_loop, m_listener);
    m_listen_watch->start(UV_READABLE, [this](int) { accept_connections(); });
    m_server_watch = std::make_unique<loop::FdWatch>(m_loop, m_server.get());
    watch();
}

DebugRelay::~DebugRelay() {
    m_listen_watch.reset();
    m_server_watch.reset();
    m_client_watch.reset();
}

void DebugRelay::accept_connections() {
    for (;;) {
        Fd connection(::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!connection) {
            return; // EAGAIN: none waiting (or an aborted one)
        }
        if (m_client || m_connected_once || !m_server) {
            continue; // one debugger per session: this one is closed
        }
        m_client = std::move(connection);
        m_connected_once = true;
        m_client_watch = std::make_unique<loop::FdWatch>(m_loop, m_client.get());
        pump();
    }
}

void DebugRelay::pump() {
    if (m_client) {
        Moved in = read_into(m_client.get(), m_to_server);
        if (!write_from(m_client.get(), m_to_client) || in == Moved::Closed) {
            client_gone();
        }
    }
    if (m_server) {
        Moved out = read_into(m_server.get(), m_to_client);
        if (m_client && !write_from(m_client.get(), m_to_client)) {
            client_gone();
        }
        if (!write_from(m_server.get(), m_to_server) || out == Moved::Closed) {
            end();
            return;
        }
        if (!m_client && m_connected_once && m_to_server.empty() && !m_server_input_closed) {
            // The debugger left: gdbserver reads the end of its input, detaches and exits.
            ::shutdown(m_server.get(), SHUT_WR);
            m_server_input_closed = true;
        }
    }
    watch();
}

void DebugRelay::client_gone() {
    m_client_watch.reset();
    m_client.reset();
    m_to_client.clear();
}

void DebugRelay::end() {
    client_gone();
    m_listen_watch.reset();
    m_server_watch.reset();
    m_server.reset();
    m_to_server.clear();
    if (std::function<void()> ended = std::exchange(m_ended, nullptr)) {
        ended();
    }
}

void DebugRelay::watch() {
    if (m_server && m_server_watch) {
        int events = (m_to_client.size() < k_max_buffered ? UV_READABLE : 0) |
                     (m_to_server.empty() ? 0 : UV_WRITABLE);
        m_server_watch->start(events, [this](int) { pump(); });
    }
    if (m_client && m_client_watch) {
        int events = (m_to_server.size() < k_max_buffered ? UV_READABLE : 0) |
                     (m_to_client.empty() ? 0 : UV_WRITABLE);
        m_client_watch->start(events, [this](int) { pump(); });
    }
}

} // namespace lambda_local::runtime::debugger
