// Tests of a function's pool of execution environments while serving: warm reuse, the
// concurrency limit and its queue, retiring old code, idle reaping, and shutdown.
#include "runtime/server/function_pool.hpp"

#include "runtime/server/log_pump.hpp"
#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::server;
using nlohmann::json;

namespace {

using lambda_local::tests::k_samples;

FunctionSpec api_function(const std::string& handler) {
    FunctionSpec spec;
    spec.library = k_samples + "/libhttp_api.so";
    spec.name = "api";
    spec.handler = handler;
    spec.code_dir = k_samples;
    return spec;
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
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream status(entry.path() / "status");
        std::string line;
        std::string command;
        pid_t parent = -1;
        while (std::getline(status, line)) {
            if (line.rfind("Name:", 0) == 0) {
                command = line.substr(line.find_first_not_of(" \t", 5));
            } else if (line.rfind("PPid:", 0) == 0) {
                parent = std::stoi(line.substr(5));
            }
        }
        if (parent == ::getpid() && command.rfind("lambda-local-wo", 0) == 0) {
            killed += ::kill(std::stoi(name), SIGKILL) == 0 ? 1 : 0;
        }
    }
    return killed;
}

} // namespace

TEST_SUITE("runtime::server::FunctionPool") {

    TEST_CASE("one environment serves invocations one after another, warm after the first") {
        LogFile log;
        {
            LogPump pump(log.fd());
            FunctionPool pool(api_function("counter"), {}, environment_options(), pump);
            json first = body_of(pool.invoke(request()));
            json second = body_of(pool.invoke(request()));
            json third = body_of(pool.invoke(request()));
            CHECK(first.at("count") == 1);
            CHECK(second.at("count") == 2);
            CHECK(third.at("count") == 3);
            CHECK(first.at("environment") == third.at("environment"));
            PoolStats stats = pool.stats();
            CHECK(stats.environments == 1);
            CHECK(stats.cold_starts == 1);
            CHECK(stats.busy == 0);
        }
        std::string text = log.text();
        CHECK(text.find("[api] START RequestId: 00000000-0000-4000-8000-000000000001") !=
              std::string::npos);
        CHECK(text.find("[api] REPORT RequestId: ") != std::string::npos);
    }

    TEST_CASE("parallel invocations get parallel environments up to the limit, then wait or are "
              "throttled") {
        LogFile log;
        LogPump pump(log.fd());
        PoolSettings settings;
        settings.max_concurrency = 2;
        settings.max_queued = 0;
        FunctionPool pool(api_function("slow"), settings, environment_options(), pump);
        std::atomic<int> throttled{0};
        std::vector<json> bodies(3);
        std::vector<std::thread> threads;
        // Two start at once; the third arrives while both are busy (each takes 1 s) and, with no
        // room in the queue, is refused.
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&, i] { bodies[i] = body_of(pool.invoke(request())); });
        }
        for (int waited = 0; pool.stats().busy < 2 && waited < 500; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        REQUIRE(pool.stats().busy == 2);
        if (std::holds_alternative<Throttled>(pool.invoke(request()))) {
            ++throttled;
        }
        for (auto& thread : threads) {
            thread.join();
        }
        CHECK(throttled == 1);
        CHECK(bodies[0].at("environment") != bodies[1].at("environment"));
        CHECK(pool.stats().environments == 2);
    }

    TEST_CASE("a queued invocation waits for an environment instead of being throttled") {
        LogFile log;
        LogPump pump(log.fd());
        PoolSettings settings;
        settings.max_concurrency = 1;
        settings.max_queued = 5;
        FunctionPool pool(api_function("slow"), settings, environment_options(), pump);
        std::vector<std::thread> threads;
        std::atomic<int> served{0};
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&] {
                auto outcome = pool.invoke(request());
                if (std::holds_alternative<PoolInvocation>(outcome) &&
                    std::get<PoolInvocation>(outcome).result.ok()) {
                    ++served;
                }
            });
        }
        for (int waited = 0; served < 2 && waited < 1000; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        CHECK(served == 2);
        CHECK(pool.stats().environments == 1);
        for (auto& thread : threads) {
            thread.join();
        }
    }

    TEST_CASE("submitted invocations are served first come, first served, on the environment's "
              "own thread") {
        LogFile log;
        LogPump pump(log.fd());
        PoolSettings settings;
        settings.max_concurrency = 1;
        FunctionPool pool(api_function("counter"), settings, environment_options(), pump);
        std::mutex mutex;
        std::condition_variable all_done;
        std::vector<int> counts;
        std::set<std::thread::id> threads;
        for (int i = 0; i < 5; ++i) {
            pool.submit(request(), {}, [&](std::variant<PoolInvocation, Throttled> outcome) {
                json body = body_of(outcome);
                std::lock_guard lock(mutex);
                counts.push_back(body.at("count").get<int>());
                threads.insert(std::this_thread::get_id());
                all_done.notify_all();
            });
        }
        std::unique_lock lock(mutex);
        REQUIRE(
            all_done.wait_for(lock, std::chrono::seconds(60), [&] { return counts.size() == 5; }));
        CHECK(counts == std::vector<int>{1, 2, 3, 4, 5}); // one warm environment, in order
        CHECK(threads.size() == 1);
        CHECK(threads.count(std::this_thread::get_id()) == 0);
    }

    TEST_CASE("an environment outlives the thread that first invoked it") {
        LogFile log;
        LogPump pump(log.fd());
        FunctionPool pool(api_function("counter"), {}, environment_options(), pump);
        std::thread([&] { body_of(pool.invoke(request())); }).join();
        json second = body_of(pool.invoke(request()));
        CHECK(second.at("count") == 2);
        CHECK(pool.stats().cold_starts == 1);
    }

    TEST_CASE("an idle environment whose worker has died is replaced by a fresh one") {
        LogFile log;
        LogPump pump(log.fd());
        FunctionPool pool(api_function("counter"), {}, environment_options(), pump);
        body_of(pool.invoke(request()));
        REQUIRE(kill_workers() == 1); // killed from outside while idle
        // The worker may still be on its way out for an instant: an invocation that meets it dying
        // fails like any crash; one after that must find a fresh environment.
        bool fresh = false;
        for (int attempt = 0; attempt < 50 && !fresh; ++attempt) {
            auto outcome = pool.invoke(request());
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
        LogFile log;
        LogPump pump(log.fd());
        FunctionPool pool(api_function("counter"), {}, environment_options(), pump);
        json before = body_of(pool.invoke(request()));
        pool.replace_code(api_function("counter"));
        CHECK(pool.stats().environments == 0);
        json after = body_of(pool.invoke(request()));
        CHECK(after.at("count") == 1);
        CHECK(after.at("environment") != before.at("environment"));
        CHECK(pool.stats().cold_starts == 2);
    }

    TEST_CASE("idle environments are reaped after the idle timeout, busy or recent ones are not") {
        LogFile log;
        LogPump pump(log.fd());
        PoolSettings settings;
        settings.idle_timeout = std::chrono::milliseconds(1000);
        FunctionPool pool(api_function("counter"), settings, environment_options(), pump);
        body_of(pool.invoke(request()));
        CHECK(pool.reap_idle() == 0); // used just now
        CHECK(pool.reap_idle(lambda_local::MonotonicClock::now() + std::chrono::seconds(2)) == 1);
        CHECK(pool.stats().environments == 0);
    }

    TEST_CASE("--warm starts environments and runs init before the first invocation") {
        LogFile log;
        LogPump pump(log.fd());
        FunctionPool pool(api_function("counter"), {}, environment_options(), pump);
        CHECK(pool.start_warm(2) == 2);
        CHECK(pool.stats().environments == 2);
        auto outcome = pool.invoke(request());
        REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
        CHECK_FALSE(std::get<PoolInvocation>(outcome).result.init_duration_ms.has_value());
    }

    TEST_CASE("shutdown stops an invocation still running after the grace period") {
        LogFile log;
        LogPump pump(log.fd());
        FunctionSpec spec = api_function("slow");
        spec.timeout_s = 30;
        FunctionPool pool(spec, {}, environment_options(), pump);
        std::variant<PoolInvocation, Throttled> outcome;
        std::thread caller([&] { outcome = pool.invoke(request()); });
        for (int waited = 0; pool.stats().busy < 1 && waited < 500; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pool.shutdown(std::chrono::milliseconds(0));
        caller.join();
        REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
        CHECK(std::get<PoolInvocation>(outcome).result.status == InvocationStatus::Cancelled);
        CHECK(pool.stats().environments == 0);
        CHECK(std::holds_alternative<Throttled>(pool.invoke(request())));
    }

    TEST_CASE("an invocation's log can be captured, and an access line follows its REPORT") {
        LogFile log;
        std::string captured;
        {
            LogPump pump(log.fd());
            FunctionPool pool(api_function("echo"), {}, environment_options(), pump);
            InvocationControls controls;
            controls.capture_log = true;
            controls.after = [](const InvocationResult&) { return std::string("GET / 200 api"); };
            auto outcome = pool.invoke(request("11111111-0000-4000-8000-000000000001"), controls);
            REQUIRE(std::holds_alternative<PoolInvocation>(outcome));
            captured = std::get<PoolInvocation>(outcome).log;
        }
        CHECK(captured.rfind("START RequestId: 11111111-0000-4000-8000-000000000001", 0) == 0);
        CHECK(captured.find("echo: 2 bytes of event\n") != std::string::npos);
        CHECK(captured.find("REPORT RequestId: 11111111-0000-4000-8000-000000000001") !=
              std::string::npos);
        std::string text = log.text();
        std::size_t report = text.find("[api] REPORT");
        std::size_t access = text.find("\nGET / 200 api\n");
        CHECK(report != std::string::npos);
        CHECK(access != std::string::npos);
        CHECK(access > report);
    }

} // TEST_SUITE
