// The debugger's listening socket on 127.0.0.1, and finding gdbserver.
#include "runtime/debugger/debug_port.hpp"

#include "runtime/util/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace lambda_local::runtime::debugger {

std::string find_gdbserver(const char* path) {
    if (path == nullptr) {
        path = std::getenv("PATH");
    }
    std::string directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    std::stringstream list(directories);
    std::string directory;
    while (std::getline(list, directory, ':')) {
        if (directory.empty() || directory.front() != '/') {
            continue; // a relative entry would depend on the working directory
        }
        std::string candidate = directory + "/gdbserver";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    throw Error("--debug needs gdbserver, which is not on the PATH (" + directories +
                "): install it (Debian and Ubuntu: apt-get install gdbserver)");
}

Fd listen_on_loopback(int port) {
    std::string where = "--debug: cannot listen on 127.0.0.1:" + std::to_string(port) + ": ";
    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener) {
        throw Error(where + os_error("socket"));
    }
    int on = 1;
    // A debugger's earlier connection in TIME_WAIT must not hold the port; a listener does.
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw Error(where + os_error("bind"));
    }
    if (::listen(listener.get(), 4) != 0) {
        throw Error(where + os_error("listen"));
    }
    return listener;
}

std::shared_ptr<DebugPort> DebugPort::open(int port) {
    auto debug = std::make_shared<DebugPort>();
    debug->port = port;
    debug->gdbserver = find_gdbserver();
    debug->listener = listen_on_loopback(port);
    sockaddr_in bound{};
    socklen_t size = sizeof bound;
    if (::getsockname(debug->listener.get(), reinterpret_cast<sockaddr*>(&bound), &size) == 0) {
        debug->port = ntohs(bound.sin_port); // --debug 0: the port the kernel chose
    }
    return debug;
}

} // namespace lambda_local::runtime::debugger
