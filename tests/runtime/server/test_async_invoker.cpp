// Tests of asynchronous invocations: retries after errors and throttles, the event age, the
// bound on what is pending, and shutdown.
#include "runtime/server/async_invoker.hpp"

#include "runtime/server/serve_log.hpp"
#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::server;

namespace async_invoker_tests {

FunctionSpec echo_function(const std::string& handler) {
    return lambda_local::tests::sample_function("libecho_cpp.so", handler, "echo");
}

InvocationRequest request(std::string id) {
    InvocationRequest r;
    r.request_id = std::move(id);
    r.event = "{}";
    return r;
}

// A pool and an invoker on a loop of their own; the invoker's lines kept.
class Harness {
  public:
    Harness(FunctionSpec spec, PoolSettings settings) {
        m_serve_log = std::make_unique<ServeLog>(m_loop, m_log.fd(), true);
        pool = std::make_unique<FunctionPool>(m_loop, std::move(spec), settings,
                                              lambda_local::tests::environment_options(),
                                              *m_serve_log);
        invoker = std::make_unique<AsyncInvoker>(
            m_loop, [this](const std::string& line) { lines.push_back(line); });
    }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;
    ~Harness() {
        invoker->stop();
        bool stopped = false;
        pool->shutdown(std::chrono::milliseconds(0), [&stopped] { stopped = true; });
        run_until([&] { return stopped; });
        invoker.reset();
        pool.reset();
        m_serve_log.reset();
    }

    // Runs the loop until `done()` (REQUIREd within 60 s).
    void run_until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        loop::Timer tick(m_loop);
        tick.repeat(std::chrono::milliseconds(10), [] {});
        m_loop.run_until([&] { return done() || std::chrono::steady_clock::now() > deadline; });
        REQUIRE(done());
    }
    // How many lines hold `text`.
    std::size_t lines_with(const std::string& text) const {
        std::size_t count = 0;
        for (const std::string& line : lines) {
            count += line.find(text) != std::string::npos ? 1 : 0;
        }
        return count;
    }

    std::unique_ptr<FunctionPool> pool;
    std::unique_ptr<AsyncInvoker> invoker;
    std::vector<std::string> lines;

  private:
    loop::EventLoop m_loop;
    lambda_local::tests::OutputFile m_log;
    std::unique_ptr<ServeLog> m_serve_log;
};

TEST_SUITE("runtime::server::AsyncInvoker") {

    TEST_CASE("a failing event is tried again max_retries times, then dropped") {
        Harness harness(echo_function("fail_typed"), {});
        AsyncSettings settings;
        settings.retry_delay = std::chrono::milliseconds(20);
        SUBCASE("Lambda's two retries") {}
        SUBCASE("none") {
            settings.max_retries = 0;
        }
        const std::string id = "00000000-0000-4000-8000-00000000000a";
        REQUIRE(harness.invoker->invoke(*harness.pool, "echo", request(id), settings));
        CHECK(harness.invoker->pending() == 1);
        harness.run_until([&] { return harness.invoker->pending() == 0; });
        CHECK(harness.lines_with(id + " failed (ValidationError); retry ") ==
              static_cast<std::size_t>(settings.max_retries));
        CHECK(harness.lines_with(id + " failed (ValidationError) " +
                                 std::to_string(settings.max_retries + 1) + " time(s); dropped") ==
              1);
        if (settings.max_retries == 2) {
            // The second retry waits twice the first.
            CHECK(harness.lines_with("retry 1 of 2; tried again in 20 ms") == 1);
            CHECK(harness.lines_with("retry 2 of 2; tried again in 40 ms") == 1);
        }
    }

    TEST_CASE("a succeeding event runs once and is done") {
        Harness harness(echo_function("handle"), {});
        REQUIRE(harness.invoker->invoke(*harness.pool, "echo", request("ok"), {}));
        harness.run_until([&] { return harness.invoker->pending() == 0; });
        CHECK(harness.lines.empty());
        CHECK(harness.pool->stats().cold_starts == 1);
    }

    TEST_CASE("a throttled event waits 1 s, then 2, and is dropped once older than its max age") {
        PoolSettings none;
        none.max_concurrency = 0; // a reserved concurrency of 0
        none.max_queued = 0;
        Harness harness(echo_function("handle"), none);
        AsyncSettings settings;
        settings.max_age = std::chrono::seconds(2);
        REQUIRE(harness.invoker->invoke(*harness.pool, "echo", request("old"), settings));
        harness.run_until([&] { return harness.invoker->pending() == 0; });
        REQUIRE(harness.lines.size() == 2);
        CHECK(harness.lines[0] ==
              "lambda-local: echo: asynchronous invocation old throttled; tried again in 1 s");
        CHECK(harness.lines[1] == "lambda-local: echo: asynchronous invocation old throttled; "
                                  "dropped: older than MaximumEventAgeInSeconds (2) by then");
    }

    TEST_CASE("past k_max_pending events, invoke refuses; stop drops what waits") {
        PoolSettings none;
        none.max_concurrency = 0;
        none.max_queued = 0;
        Harness harness(echo_function("handle"), none);
        for (std::size_t i = 0; i < AsyncInvoker::k_max_pending; ++i) {
            REQUIRE(harness.invoker->invoke(*harness.pool, "echo", request(std::to_string(i)), {}));
        }
        CHECK_FALSE(harness.invoker->invoke(*harness.pool, "echo", request("one more"), {}));
        CHECK(harness.invoker->pending() == AsyncInvoker::k_max_pending);
        harness.invoker->stop();
        CHECK(harness.invoker->pending() == 0);
        CHECK(harness.lines.back() == "lambda-local: 1000 asynchronous invocation(s) waiting for "
                                      "a retry dropped at shutdown");
        CHECK_FALSE(harness.invoker->invoke(*harness.pool, "echo", request("after"), {}));
    }
}

} // namespace async_invoker_tests
