// Tests of collecting a worker's output case by case.
#include "runtime/testing/log_capture.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

using namespace lambda_local::runtime::testing;

namespace {

void write_text(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

TEST_SUITE("runtime::testing::LogCapture") {

    TEST_CASE("each take returns what was written since the previous one") {
        LogCapture capture;
        CHECK(capture.take() == "");
        write_text(capture.fd(), "first\n");
        CHECK(capture.take() == "first\n");
        write_text(capture.fd(), "second\n");
        // A second writer sharing the descriptor (the worker's stdout and stderr) appends.
        const int other = ::dup(capture.fd());
        write_text(other, "third\n");
        ::close(other);
        CHECK(capture.take() == "second\nthird\n");
        CHECK(capture.take() == "");
    }

    TEST_CASE("a huge output keeps its head and tail and says how much is left out") {
        LogCapture capture;
        const std::string head(k_max_case_output / 4, 'h');
        const std::string middle(1000, 'm');
        const std::string tail(k_max_case_output - head.size(), 't');
        write_text(capture.fd(), head + middle + tail);
        const std::string text = capture.take();
        CHECK(text == head + "\n[... 1000 bytes not shown ...]\n" + tail);
    }

} // TEST_SUITE
