// Tests of StreamRelay: gathering without a sink, the size cap, the sink's pace and the
// bandwidth rule.
#include "runtime/execution/stream_relay.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace std::chrono_literals;

namespace {

// A sink that takes `room` bytes before it says it is full, then waits to be drained.
class FakeSink : public ResponseSink {
  public:
    explicit FakeSink(std::size_t room = SIZE_MAX) : m_room(room) {}
    void begin(std::string_view content_type) override {
        ++begins;
        type = content_type;
    }
    bool write(std::string_view bytes) override {
        received += bytes;
        buffered += bytes.size();
        return buffered < m_room;
    }
    void on_ready(std::function<void()> ready) override { m_ready = std::move(ready); }
    // The client read everything.
    void drain() {
        buffered = 0;
        if (m_ready) {
            m_ready();
        }
    }
    bool has_callback() const { return static_cast<bool>(m_ready); }

    int begins = 0;
    std::string type;
    std::string received;
    std::size_t buffered = 0;

  private:
    std::size_t m_room;
    std::function<void()> m_ready;
};

StreamLimits unpaced(std::size_t max_bytes = k_max_streamed_response) {
    StreamLimits limits;
    limits.max_bytes = max_bytes;
    limits.bandwidth_rule = false;
    return limits;
}

} // namespace

TEST_SUITE("stream relay") {
    TEST_CASE("without a sink the bytes are gathered, up to the cap") {
        loop::EventLoop loop;
        StreamRelay relay(loop, nullptr, unpaced(10));
        CHECK(relay.write("hello ") == StreamRelay::Next::More);
        CHECK(relay.content_type() == "application/octet-stream");
        CHECK(relay.write("world!") == StreamRelay::Next::TooLarge);
        CHECK(relay.bytes() == 12);
        CHECK(relay.take_gathered() == "hello worl");
    }

    TEST_CASE("the sink is told the content type once, then gets the bytes in order") {
        loop::EventLoop loop;
        auto sink = std::make_shared<FakeSink>();
        StreamRelay relay(loop, sink, unpaced());
        relay.begin(k_http_integration_content_type);
        relay.begin("text/plain");
        CHECK(relay.write("a") == StreamRelay::Next::More);
        CHECK(relay.write(std::string_view("\0b", 2)) == StreamRelay::Next::More);
        CHECK(sink->begins == 1);
        CHECK(sink->type == k_http_integration_content_type);
        CHECK(sink->received == std::string("a\0b", 3));
    }

    TEST_CASE("a full sink makes the source wait until it drains, never from inside write") {
        loop::EventLoop loop;
        auto sink = std::make_shared<FakeSink>(4);
        StreamRelay relay(loop, sink, unpaced());
        int ready = 0;
        relay.on_ready([&] { ++ready; });
        CHECK(relay.write("ab") == StreamRelay::Next::More);
        CHECK(relay.write("cd") == StreamRelay::Next::Wait);
        CHECK(relay.waiting());
        sink->drain();
        CHECK(ready == 0);
        loop.run_until([&] { return ready > 0; });
        CHECK(ready == 1);
        CHECK_FALSE(relay.waiting());
        // Each wait is reported once.
        CHECK(relay.write("efgh") == StreamRelay::Next::Wait);
        sink->drain();
        loop.run_until([&] { return ready > 1; });
        CHECK(ready == 2);
        CHECK(sink->received == "abcdefgh");
    }

    TEST_CASE("a stream over the cap is cut at the cap") {
        loop::EventLoop loop;
        auto sink = std::make_shared<FakeSink>();
        StreamRelay relay(loop, sink, unpaced(5));
        CHECK(relay.write("abc") == StreamRelay::Next::More);
        CHECK(relay.write("defg") == StreamRelay::Next::TooLarge);
        CHECK(sink->received == "abcde");
        CHECK(relay.bytes() == 7);
    }

    TEST_CASE("past the full-speed allowance, the bandwidth rule paces the stream") {
        loop::EventLoop loop;
        auto sink = std::make_shared<FakeSink>();
        StreamLimits limits;
        limits.full_speed_bytes = 100;
        limits.bandwidth = 1000; // bytes per second
        StreamRelay relay(loop, sink, limits);
        bool ready = false;
        relay.on_ready([&] { ready = true; });
        CHECK(relay.write(std::string(100, 'x')) == StreamRelay::Next::More);
        const auto paced_from = MonotonicClock::now();
        // 200 bytes past the allowance may go out 0.2 s after it was reached.
        CHECK(relay.write(std::string(200, 'y')) == StreamRelay::Next::Wait);
        loop.run_until([&] { return ready; });
        CHECK(ready);
        // A lower bound only (a loaded machine is late, never early), with room for the
        // loop's millisecond clock.
        CHECK(MonotonicClock::now() - paced_from >= 150ms);
        CHECK(sink->received.size() == 300);
    }

    TEST_CASE("with the bandwidth rule lifted, nothing is paced") {
        loop::EventLoop loop;
        auto sink = std::make_shared<FakeSink>();
        StreamLimits limits = unpaced();
        limits.full_speed_bytes = 1;
        limits.bandwidth = 1;
        StreamRelay relay(loop, sink, limits);
        CHECK(relay.write(std::string(1000, 'z')) == StreamRelay::Next::More);
        CHECK_FALSE(relay.waiting());
    }

    TEST_CASE("a relay that goes away takes its callback back from the sink") {
        loop::EventLoop loop;
        auto sink = std::make_shared<FakeSink>(1);
        {
            StreamRelay relay(loop, sink, unpaced());
            CHECK(relay.write("a") == StreamRelay::Next::Wait);
            CHECK(sink->has_callback());
        }
        CHECK_FALSE(sink->has_callback());
        sink->drain();
    }
}
