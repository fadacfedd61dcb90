// Tests of collecting a worker's output case by case.
#include "runtime/testing/log_capture.hpp"

#include "runtime/loop/event_loop.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

using namespace lambda_local::runtime::testing;
using lambda_local::runtime::loop::EventLoop;

namespace {

void write_text(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

// Writes `text` from a thread of its own while the loop runs (a pipe holds only so much).
void write_while_reading(EventLoop& loop, int fd, const std::string& text) {
    std::atomic<bool> written{false};
    std::thread writer([&] {
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
            if (n <= 0) {
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        written = true;
        loop.post([] {}); // wakes the loop to see it
    });
    loop.run_until([&] { return written.load(); });
    writer.join();
}

} // namespace

TEST_SUITE("runtime::testing::LogCapture") {

    TEST_CASE("each take returns what was written since the previous one") {
        EventLoop loop;
        LogCapture capture(loop);
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

    TEST_CASE("the handler's descriptor is a pipe, nothing of the host's to read back or cut") {
        EventLoop loop;
        LogCapture capture(loop);
        struct stat info {};
        REQUIRE(::fstat(capture.fd(), &info) == 0);
        CHECK(S_ISFIFO(info.st_mode));
        write_text(capture.fd(), "a line\n");
        CHECK(::ftruncate(capture.fd(), 0) != 0);
        char byte = 0;
        CHECK(::pread(capture.fd(), &byte, 1, 0) < 0);
        CHECK(capture.take() == "a line\n");
    }

    TEST_CASE("a huge output keeps its head and tail and says how much is left out") {
        EventLoop loop;
        LogCapture capture(loop);
        const std::string head(k_max_case_output / 4, 'h');
        const std::string middle(1000, 'm');
        const std::string tail(k_max_case_output - head.size(), 't');
        write_while_reading(loop, capture.fd(), head + middle + tail);
        CHECK(capture.take() == head + "\n[... 1000 bytes not shown ...]\n" + tail);
        // Far more than the limit costs no more than the limit.
        const std::string flood(5 * k_max_case_output, 'f');
        write_while_reading(loop, capture.fd(), flood);
        const std::string text = capture.take();
        CHECK(text.size() < k_max_case_output + 100);
        CHECK(text.find("[... " + std::to_string(4 * k_max_case_output) + " bytes not shown") !=
              std::string::npos);
    }

} // TEST_SUITE
