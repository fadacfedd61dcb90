// Tests of the descriptor and file helpers every part shares: write_all, bounded reads, and
// finding the programs installed with lambda-local.
#include "runtime/util/fd.hpp"
#include "runtime/util/file.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <sstream>
#include <string>
#include <thread>

using namespace lambda_local;

TEST_SUITE("util::fd") {
    TEST_CASE("write_all writes everything, across short writes into a full pipe") {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        Fd read_end(fds[0]);
        Fd write_end(fds[1]);
        // More than a pipe holds: the writer blocks, and the reader drains it meanwhile.
        std::string bytes(1 << 20, '\0');
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = static_cast<char>(i * 7);
        }
        std::string read;
        std::thread reader([&] {
            char buffer[4096];
            ssize_t n;
            while ((n = ::read(read_end.get(), buffer, sizeof buffer)) > 0) {
                read.append(buffer, static_cast<std::size_t>(n));
            }
        });
        CHECK(write_all(write_end.get(), bytes));
        write_end.reset();
        reader.join();
        CHECK(read == bytes);
    }

    TEST_CASE(
        "write_all reports a closed reader with errno, and nothing written is lost silently") {
        std::signal(SIGPIPE, SIG_IGN);
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        Fd write_end(fds[1]);
        ::close(fds[0]);
        errno = 0;
        CHECK_FALSE(write_all(write_end.get(), "lost"));
        CHECK(errno == EPIPE);
        CHECK_FALSE(write_all(-1, "x"));
        CHECK(errno == EBADF);
        CHECK(write_all(write_end.get(), "")); // nothing to write: nothing fails
    }
}

TEST_SUITE("util::file") {
    TEST_CASE("the running executable's folder holds the programs built beside it") {
        std::string dir = own_executable_dir();
        REQUIRE(dir.rfind('/', 0) == 0);
        // The unit tests are built beside nothing of lambda-local's: a name that is not there
        // is not found, and the test binary itself is.
        CHECK(find_companion("no-such-program-of-lambda-local", X_OK).empty());
        char path[4096];
        ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
        REQUIRE(n > 0);
        std::string self(path, static_cast<std::size_t>(n));
        std::string name = self.substr(self.rfind('/') + 1);
        CHECK(find_companion(name, X_OK) == dir + "/" + name);
    }

    TEST_CASE("a bounded read takes a file up to its limit and refuses one past it") {
        char pattern[] = "/tmp/ll-test-file-XXXXXX";
        int fd = ::mkstemp(pattern);
        REQUIRE(fd >= 0);
        REQUIRE(write_all(fd, std::string(100, 'x')));
        ::close(fd);
        CHECK(read_file(pattern, "f", 100) == std::string(100, 'x'));
        CHECK_THROWS_WITH_AS(read_file(pattern, "f", 99), "f is over 99 bytes", TooLarge);
        ::unlink(pattern);
        // A file without an end is refused at the limit, having read no more than that.
        CHECK_THROWS_AS(read_file("/dev/zero", "zero", 1u << 20), TooLarge);
        CHECK_THROWS_WITH_AS(read_file("/no/such/file", "g", 10),
                             "g: cannot open: No such file or directory", Error);
    }

    TEST_CASE("a bounded read of a stream stops at its limit") {
        std::istringstream short_one("abc");
        CHECK(read_bounded(short_one, "s", 3) == "abc");
        std::istringstream long_one(std::string(200000, 'y'));
        CHECK_THROWS_WITH_AS(read_bounded(long_one, "stdin", 150000), "stdin is over 150000 bytes",
                             TooLarge);
    }
}
