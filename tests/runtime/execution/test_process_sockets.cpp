// Tests of finding which processes hold a TCP socket (the Runtime API's check of its peers).
#include "runtime/execution/process_sockets.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

using namespace lambda_local::runtime;

namespace process_sockets_tests {

// The port a socket is bound to.
int port_of(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    return ntohs(address.sin_port);
}

TEST_SUITE("runtime::process_sockets") {

    TEST_CASE("a connection's client socket is found, held by this process and not by a child") {
        int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener, 4) == 0);
        const int server_port = port_of(listener);
        address.sin_port = htons(static_cast<std::uint16_t>(server_port));
        int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        const int client_port = port_of(client);

        std::optional<unsigned long> inode =
            tcp_socket_inode("127.0.0.1", client_port, "127.0.0.1", server_port);
        REQUIRE(inode.has_value());
        CHECK(process_tree_holds_socket(::getpid(), *inode) == Holding::Yes);
        // The server's end of the connection is another socket; the other way round, none.
        CHECK(tcp_socket_inode("127.0.0.1", server_port, "127.0.0.1", client_port) != inode);
        CHECK_FALSE(
            tcp_socket_inode("127.0.0.1", client_port, "127.0.0.1", client_port).has_value());
        CHECK_FALSE(
            tcp_socket_inode("not an address", client_port, "127.0.0.1", server_port).has_value());

        // A child that closed its copy holds nothing; the parent's tree still does.
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(client);
            ::pause();
            ::_exit(0);
        }
        // Its copy is closed once it runs: wait (bounded) for that.
        Holding held = Holding::Yes;
        for (int i = 0; i < 500 && held != Holding::No; ++i) {
            held = process_tree_holds_socket(child, *inode);
            ::usleep(10000);
        }
        CHECK(held == Holding::No);
        CHECK(process_tree_holds_socket(::getpid(), *inode) == Holding::Yes);
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        ::close(client);
        ::close(listener);
    }
}

} // namespace process_sockets_tests
