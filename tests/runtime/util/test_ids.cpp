// Tests of runtime/util/ids.hpp.
#include "runtime/util/ids.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using lambda_local::new_request_id;
using lambda_local::random_hex;

TEST_SUITE_BEGIN("util::ids");

TEST_CASE("a request id is a lowercase version-4 UUID") {
    const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    for (int i = 0; i < 100; ++i) {
        std::string id = new_request_id();
        CHECK_MESSAGE(std::regex_match(id, uuid), id);
    }
}

TEST_CASE("random hex has the asked length, odd lengths included") {
    const std::regex hex("[0-9a-f]*");
    for (std::size_t count : {0u, 1u, 7u, 16u, 22u, 33u}) {
        std::string text = random_hex(count);
        CHECK(text.size() == count);
        CHECK(std::regex_match(text, hex));
    }
}

TEST_CASE("ids do not repeat, across threads too") {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        seen.insert(new_request_id());
    }
    std::vector<std::string> other(1000);
    std::thread thread([&other] {
        for (auto& id : other) {
            id = new_request_id();
        }
    });
    thread.join();
    seen.insert(other.begin(), other.end());
    CHECK(seen.size() == 11000);
}

TEST_CASE("a forked child does not repeat its parent's ids") {
    new_request_id(); // the parent's generator is seeded before the fork
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        std::string id = new_request_id();
        [[maybe_unused]] ssize_t n = ::write(pipe_fds[1], id.data(), id.size());
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string parent = new_request_id();
    char buffer[64] = {};
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(n == 36);
    CHECK(std::string(buffer, 36) != parent);
}

TEST_SUITE_END();
