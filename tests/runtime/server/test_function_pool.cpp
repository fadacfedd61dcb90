// Tests of a function's pool of execution environments while serving: warm reuse, the
// concurrency limit and its queue, retiring old code, idle reaping, and shutdown.
#include "runtime/server/function_pool.hpp"

#include "runtime/server/serve_log.hpp"
#include "tests/runtime/process_tree.hpp"
#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::server;
using nlohmann::json;

namespace {

FunctionSpec api_function(const std::string& handler) {
    return lambda_local::tests::sample_function("libhttp_api.so", handler, "api");
}

EnvironmentOptions environment_options() {
    return lambda_local::tests::environment_options();
}

using LogFile = lambda_local::tests::OutputFile;

InvocationRequest request(std::string id = "00000000-0000-4000-8000-000000000001") {
    InvocationRequest r;
    r.request_id = std::move(id);
    r.event = "{}";
    return r;
}

// The JSON body of the http_api sample's proxy response.
json body_of(const std::variant<PoolInvocation, Throttled>& outcome) {
    REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
    const InvocationResult& result = std::get<PoolInvocation>(outcome).result;
    REQUIRE_MESSAGE(result.ok(), result.payload);
    return json::parse(json::parse(result.payload).at("body").get<std::string>());
}

// Kills this process's lambda-local-worker children (the pools' workers); returns how many.
int kill_workers() {
    int killed = 0;
    for (const lambda_local::tests::ProcessEntry& process : lambda_local::tests::processes()) {
        if (process.parent == ::getpid() && process.name.rfind("lambda-local-wo", 0) == 0) {
            killed += ::kill(process.pid, SIGKILL) == 0 ? 1 : 0;
        }
    }
    return killed;
}

using Outcome = std::variant<PoolInvocation, Throttled>;

// A pool on a loop of its own, its log in a file; every wait runs the loop (bounded).
class Harness {
  public:
    explicit Harness(FunctionSpec spec, PoolSettings settings = {}) {
        m_serve_log = std::make_unique<server::ServeLog>(m_loop, m_log.fd());
        pool = std::make_unique<FunctionPool>(m_loop, std::move(spec), settings,
                                              environment_options(), *m_serve_log);
    }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;
    ~Harness() { stop(); }

    // Runs the loop until `done()` (REQUIREd within 60 s).
    void run_until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        loop::Timer tick(m_loop);
        tick.repeat(std::chrono::milliseconds(10), [] {});
        m_loop.run_until([&] { return done() || std::chrono::steady_clock::now() > deadline; });
        REQUIRE(done());
    }
    // Submits `r` and returns a place its outcome will be in.
    std::shared_ptr<std::optional<Outcome>> submit(InvocationRequest r,
                                                   InvocationControls controls = {}) {
        auto outcome = std::make_shared<std::optional<Outcome>>();
        pool->submit(std::move(r), std::move(controls),
                     [outcome](Outcome done) { *outcome = std::move(done); });
        return outcome;
    }
    Outcome invoke(InvocationRequest r, InvocationControls controls = {}) {
        auto outcome = submit(std::move(r), std::move(controls));
        run_until([&] { return outcome->has_value(); });
        return std::move(**outcome);
    }
    // Shuts the pool down, then closes the log: its text is complete after this.
    void stop() {
        if (pool) {
            bool stopped = false;
            pool->shutdown(std::chrono::milliseconds(0), [&stopped] { stopped = true; });
            run_until([&] { return stopped; });
            pool.reset();
        }
        m_serve_log.reset();
    }
    std::string log_text() const { return m_log.text(); }
    loop::EventLoop& loop() { return m_loop; }

    std::unique_ptr<FunctionPool> pool;

  private:
    loop::EventLoop m_loop;
    LogFile m_log;
    std::unique_ptr<server::ServeLog> m_serve_log;
};

} // namespace

TEST_SUITE("runtime::server::FunctionPool") {

    TEST_CASE("one environment serves invocations one after another, warm after the first") {
        Harness harness(api_function("counter"));
        json first = body_of(harness.invoke(request()));
        json second = body_of(harness.invoke(request()));
        json third = body_of(harness.invoke(request()));
        CHECK(first.at("count") == 1);
        CHECK(second.at("count") == 2);
        CHECK(third.at("count") == 3);
        CHECK(first.at("environment") == third.at("environment"));
        PoolStats stats = harness.pool->stats();
        CHECK(stats.environments == 1);
        CHECK(stats.cold_starts == 1);
        CHECK(stats.busy == 0);
        harness.stop();
        std::string text = harness.log_text();
        CHECK(text.find("[api] START RequestId: 00000000-0000-4000-8000-000000000001") !=
              std::string::npos);
        CHECK(text.find("[api] REPORT RequestId: ") != std::string::npos);
    }

    TEST_CASE("parallel invocations get parallel environments up to the limit, then wait or are "
              "throttled") {
        PoolSettings settings;
        settings.max_concurrency = 2;
        settings.max_queued = 0;
        Harness harness(api_function("slow"), settings);
        // Two start at once; the third arrives while both are busy (each takes 1 s) and, with no
        // room in the queue, is refused at once.
        auto first = harness.submit(request());
        auto second = harness.submit(request());
        CHECK(harness.pool->stats().busy == 2);
        auto third = harness.submit(request());
        REQUIRE(third->has_value());
        CHECK(std::holds_alternative<Throttled>(**third));
        harness.run_until([&] { return first->has_value() && second->has_value(); });
        CHECK(body_of(**first).at("environment") != body_of(**second).at("environment"));
        CHECK(harness.pool->stats().environments == 2);
    }

    TEST_CASE("a queued invocation waits for an environment instead of being throttled") {
        PoolSettings settings;
        settings.max_concurrency = 1;
        settings.max_queued = 5;
        Harness harness(api_function("slow"), settings);
        auto first = harness.submit(request());
        auto second = harness.submit(request());
        CHECK(harness.pool->stats().queued == 1);
        harness.run_until([&] { return first->has_value() && second->has_value(); });
        body_of(**first);
        body_of(**second);
        CHECK(harness.pool->stats().environments == 1);
    }

    TEST_CASE("submitted invocations are served first come, first served") {
        PoolSettings settings;
        settings.max_concurrency = 1;
        Harness harness(api_function("counter"), settings);
        std::vector<int> counts;
        for (int i = 0; i < 5; ++i) {
            harness.pool->submit(request(), {}, [&counts](Outcome outcome) {
                counts.push_back(body_of(outcome).at("count").get<int>());
            });
        }
        harness.run_until([&] { return counts.size() == 5; });
        std::string seen;
        for (int count : counts) {
            seen += std::to_string(count) + " ";
        }
        INFO("counts: ", seen);
        CHECK(counts == std::vector<int>{1, 2, 3, 4, 5}); // one warm environment, in order
    }

    TEST_CASE("an idle environment whose worker has died is replaced by a fresh one") {
        Harness harness(api_function("counter"));
        body_of(harness.invoke(request()));
        REQUIRE(kill_workers() == 1); // killed from outside while idle
        // The worker may still be on its way out for an instant: an invocation that meets it dying
        // fails like any crash; one after that must find a fresh environment.
        bool fresh = false;
        for (int attempt = 0; attempt < 50 && !fresh; ++attempt) {
            Outcome outcome = harness.invoke(request());
            REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
            const InvocationResult& result = std::get<PoolInvocation>(outcome).result;
            fresh = result.ok() &&
                    json::parse(json::parse(result.payload).at("body").get<std::string>())
                            .at("count") == 1;
            if (!fresh) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        CHECK(fresh);
    }

    TEST_CASE("new code retires idle environments: the next invocation is a cold start") {
        Harness harness(api_function("counter"));
        json before = body_of(harness.invoke(request()));
        harness.pool->replace_code(api_function("counter"));
        CHECK(harness.pool->stats().environments == 0);
        json after = body_of(harness.invoke(request()));
        CHECK(after.at("count") == 1);
        CHECK(after.at("environment") != before.at("environment"));
        CHECK(harness.pool->stats().cold_starts == 2);
    }

    TEST_CASE("idle environments are reaped after the idle timeout, busy or recent ones are not") {
        PoolSettings settings;
        settings.idle_timeout = std::chrono::milliseconds(1000);
        Harness harness(api_function("counter"), settings);
        body_of(harness.invoke(request()));
        CHECK(harness.pool->reap_idle() == 0); // used just now
        CHECK(harness.pool->reap_idle(MonotonicClock::now() + std::chrono::seconds(2)) == 1);
        CHECK(harness.pool->stats().environments == 0);
    }

    TEST_CASE("--warm starts environments and runs init before the first invocation") {
        Harness harness(api_function("counter"));
        std::optional<int> warm;
        harness.pool->start_warm(2, [&warm](int started) { warm = started; });
        harness.run_until([&] { return warm.has_value(); });
        CHECK(*warm == 2);
        CHECK(harness.pool->stats().environments == 2);
        Outcome outcome = harness.invoke(request());
        REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
        CHECK_FALSE(std::get<PoolInvocation>(outcome).result.init_duration_ms.has_value());
    }

    TEST_CASE("shutdown stops an invocation still running after the grace period") {
        FunctionSpec spec = api_function("slow");
        spec.timeout_s = 30;
        Harness harness(spec);
        auto outcome = harness.submit(request());
        harness.run_until([&] { return harness.pool->stats().busy == 1; });
        bool stopped = false;
        harness.pool->shutdown(std::chrono::milliseconds(0), [&stopped] { stopped = true; });
        harness.run_until([&] { return stopped && outcome->has_value(); });
        REQUIRE(std::holds_alternative<PoolInvocation>(**outcome));
        CHECK(std::get<PoolInvocation>(**outcome).result.status == InvocationStatus::Cancelled);
        CHECK(harness.pool->stats().environments == 0);
        auto refused = harness.submit(request());
        REQUIRE(refused->has_value());
        CHECK(std::holds_alternative<Throttled>(**refused));
    }

    TEST_CASE("an invocation's log can be captured, and an access line follows its REPORT") {
        Harness harness(api_function("echo"));
        InvocationControls controls;
        controls.capture_log = true;
        controls.after = [](const InvocationResult&) { return std::string("GET / 200 api"); };
        Outcome outcome = harness.invoke(request("11111111-0000-4000-8000-000000000001"), controls);
        REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
        std::string captured = std::get<PoolInvocation>(outcome).log;
        harness.stop();
        CHECK(captured.rfind("START RequestId: 11111111-0000-4000-8000-000000000001", 0) == 0);
        CHECK(captured.find("echo: 2 bytes of event\n") != std::string::npos);
        CHECK(captured.find("REPORT RequestId: 11111111-0000-4000-8000-000000000001") !=
              std::string::npos);
        std::string text = harness.log_text();
        std::size_t report = text.find("[api] REPORT");
        std::size_t access = text.find("\nGET / 200 api\n");
        CHECK(report != std::string::npos);
        CHECK(access != std::string::npos);
        CHECK(access > report);
    }

} // TEST_SUITE
