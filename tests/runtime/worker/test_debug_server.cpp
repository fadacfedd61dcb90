// Tests of gdbserver's command line in the handler process.
#include "runtime/worker/debug_server.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

using namespace lambda_local::worker;

TEST_SUITE_BEGIN("runtime::worker::debug_server");

TEST_CASE("gdbserver attaches to the handler process and speaks on its standard streams") {
    CHECK(gdbserver_arguments("/usr/bin/gdbserver", 2) ==
          std::vector<std::string>{"/usr/bin/gdbserver", "--once", "--attach", "-", "2"});
}

TEST_CASE("a gdbserver that cannot run is reported, and nothing waits for it") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    // The channel is given away (closed here) whatever happens.
    CHECK(start_debug_server("/nonexistent/gdbserver", pair[1]) ==
          "gdbserver ended before it attached to the handler process (exit status 127)");
    char byte = 0;
    CHECK(::read(pair[0], &byte, 1) == 0); // no one holds the other end any more
    ::close(pair[0]);
}

TEST_SUITE_END();
