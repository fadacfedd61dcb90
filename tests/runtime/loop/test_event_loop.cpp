// Tests of the supervisor's event loop: timers, posted tasks, descriptor readiness, and that
// a callback's captures are let go of when they can no longer be called.
#include "runtime/loop/event_loop.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

using namespace lambda_local::runtime::loop;
using namespace std::chrono_literals;

TEST_SUITE("event loop") {
    TEST_CASE("a one-shot timer fires once, then lets go of its callback") {
        EventLoop loop;
        Timer timer(loop);
        auto token = std::make_shared<int>(0);
        int fired = 0;
        timer.start(1ms, [token, &fired] { ++fired; });
        CHECK(token.use_count() == 2);
        loop.run_until([&] { return fired > 0; });
        CHECK(fired == 1);
        CHECK_FALSE(timer.active());
        CHECK(token.use_count() == 1);
    }

    TEST_CASE("stopping a timer cancels it and lets go of its callback") {
        EventLoop loop;
        Timer timer(loop);
        auto token = std::make_shared<int>(0);
        bool fired = false;
        timer.start(50ms, [token, &fired] { fired = true; });
        timer.stop();
        CHECK(token.use_count() == 1);
        Timer guard(loop);
        bool waited = false;
        guard.start(100ms, [&] { waited = true; });
        loop.run_until([&] { return waited; });
        CHECK_FALSE(fired);
    }

    TEST_CASE("a callback that owns its timer's owner does not keep it alive") {
        // The shape of an invocation that waits for its log: the record owns the timer, and
        // the timer's callback holds the record.
        struct Record {
            std::unique_ptr<Timer> wait;
        };
        EventLoop loop;
        auto record = std::make_shared<Record>();
        std::weak_ptr<Record> watched = record;
        record->wait = std::make_unique<Timer>(loop);
        record->wait->start(1h, [record] { (void)record; });
        record->wait->stop();
        record.reset();
        CHECK(watched.expired());
    }

    TEST_CASE("a repeating timer fires until stopped, and may stop itself") {
        EventLoop loop;
        Timer timer(loop);
        int fired = 0;
        timer.repeat(1ms, [&] {
            if (++fired == 3) {
                timer.stop();
            }
        });
        loop.run_until([&] { return fired >= 3; });
        loop.run(); // nothing left to wait for: returns
        CHECK(fired == 3);
    }

    TEST_CASE("a one-shot timer may restart itself from its callback") {
        EventLoop loop;
        Timer timer(loop);
        int fired = 0;
        std::function<void()> again = [&] {
            if (++fired < 2) {
                timer.start(1ms, again);
            }
        };
        timer.start(1ms, again);
        loop.run();
        CHECK(fired == 2);
    }

    TEST_CASE("tasks posted from another thread run on the loop, in order") {
        EventLoop loop;
        std::vector<int> seen;
        std::thread poster([&] {
            for (int i = 0; i < 100; ++i) {
                loop.post([&seen, i] { seen.push_back(i); });
            }
        });
        // Until the thread has posted, the loop has nothing to wait for and run_until would
        // return at once (a busy machine starts the thread late): the timer keeps it waiting,
        // for 10 s at most.
        Timer deadline(loop);
        bool expired = false;
        deadline.start(std::chrono::seconds(10), [&] { expired = true; });
        loop.run_until([&] { return seen.size() == 100 || expired; });
        poster.join();
        REQUIRE(seen.size() == 100);
        for (int i = 0; i < 100; ++i) {
            CHECK(seen[static_cast<std::size_t>(i)] == i);
        }
    }

    TEST_CASE("blocking work runs off the loop, and its continuation on it") {
        EventLoop loop;
        std::thread::id loop_thread = std::this_thread::get_id();
        std::thread::id work_thread;
        std::thread::id after_thread;
        bool done = false;
        loop.run_blocking([&] { work_thread = std::this_thread::get_id(); },
                          [&] {
                              after_thread = std::this_thread::get_id();
                              done = true;
                          });
        loop.run_until([&] { return done; });
        CHECK(work_thread != loop_thread);
        CHECK(after_thread == loop_thread);
    }

    TEST_CASE("a descriptor's readiness is reported, and stopping the watch ends it") {
        EventLoop loop;
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        FdWatch watch(loop, fds[0]);
        std::string read;
        watch.start(UV_READABLE, [&](int events) {
            REQUIRE(events > 0);
            char buffer[16];
            ssize_t n = ::read(fds[0], buffer, sizeof buffer);
            if (n > 0) {
                read.append(buffer, static_cast<std::size_t>(n));
            }
            if (read == "ping") {
                watch.stop();
            }
        });
        REQUIRE(::write(fds[1], "ping", 4) == 4);
        loop.run_until([&] { return read == "ping"; });
        CHECK(read == "ping");
        watch.stop();
        loop.run(); // the stopped watch is not waited for
        ::close(fds[0]);
        ::close(fds[1]);
    }

    TEST_CASE("starting a started watch again replaces its callback and goes on watching") {
        EventLoop loop;
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        FdWatch watch(loop, fds[0]);
        int first = 0;
        int second = 0;
        auto drain = [&fds] {
            char buffer[16];
            return ::read(fds[0], buffer, sizeof buffer) > 0;
        };
        watch.start(UV_READABLE, [&](int) {
            first += drain() ? 1 : 0;
            watch.stop();
        });
        REQUIRE(::write(fds[1], "a", 1) == 1);
        loop.run_until([&] { return first == 1; });
        watch.start(UV_READABLE, [&](int) { first += drain() ? 1 : 0; });
        watch.start(UV_READABLE, [&](int) { // the same events: only the callback changes
            second += drain() ? 1 : 0;
            if (second == 2) {
                watch.stop();
            }
        });
        REQUIRE(::write(fds[1], "b", 1) == 1);
        loop.run_until([&] { return second == 1; });
        REQUIRE(::write(fds[1], "c", 1) == 1);
        loop.run_until([&] { return second == 2; });
        CHECK(first == 1);
        CHECK(second == 2);
        ::close(fds[0]);
        ::close(fds[1]);
    }
}
