// Tests of the debugger's port on 127.0.0.1 and of finding gdbserver.
#include "runtime/debugger/debug_port.hpp"
#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace lambda_local;
using namespace lambda_local::runtime::debugger;

namespace {

// The address a socket is bound to.
sockaddr_in bound_address(int fd) {
    sockaddr_in address{};
    socklen_t size = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    return address;
}

std::string thrown_by(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("runtime::debugger::port");

TEST_CASE("the debugger's socket listens on 127.0.0.1 only") {
    Fd listener = listen_on_loopback(0);
    REQUIRE(listener);
    sockaddr_in address = bound_address(listener.get());
    CHECK(address.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(ntohs(address.sin_port) != 0);
}

TEST_CASE("a port in use is an error that names it") {
    Fd first = listen_on_loopback(0);
    const int port = ntohs(bound_address(first.get()).sin_port);
    CHECK(thrown_by([port] { listen_on_loopback(port); }) ==
          "--debug: cannot listen on 127.0.0.1:" + std::to_string(port) +
              ": bind failed: Address already in use");
}

TEST_CASE("gdbserver is looked for in the PATH's absolute directories") {
    const std::filesystem::path dir =
        std::filesystem::path(LL_BUILD_DIR) / ("debug-port-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "bin");
    const std::string fake = (dir / "bin" / "gdbserver").string();
    std::ofstream(fake) << "#!/bin/sh\n";
    ::chmod(fake.c_str(), 0755);
    const std::string path = "relative:" + (dir / "none").string() + ":" + (dir / "bin").string();
    CHECK(find_gdbserver(path.c_str()) == fake);
    const std::string without = (dir / "none").string();
    CHECK(thrown_by([&without] { find_gdbserver(without.c_str()); }) ==
          "--debug needs gdbserver, which is not on the PATH (" + without +
              "): install it (Debian and Ubuntu: apt-get install gdbserver)");
    std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
