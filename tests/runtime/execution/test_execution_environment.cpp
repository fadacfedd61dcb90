// Tests of an execution environment driving the real sandboxed worker.
#include "runtime/execution/execution_environment.hpp"

#include "runtime/protocol/worker_config.hpp"
#include "runtime/util/ids.hpp"

#include "tests/runtime/process_tree.hpp"
#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::runtime;
using nlohmann::json;

namespace {

using lambda_local::tests::k_samples;
using lambda_local::tests::k_worker;
using lambda_local::tests::LoopEnvironment;

FunctionSpec spec_for(const std::string& library_file, const std::string& handler) {
    FunctionSpec spec;
    spec.library = k_samples + "/" + library_file;
    spec.name = function_name_from_library(spec.library);
    spec.handler = handler;
    spec.code_dir = k_samples;
    spec.timeout_s = 3;
    spec.memory_mb = 128;
    spec.tmp_mb = 512;
    spec.region = "us-east-1";
    return spec;
}

using HandlerOutput = lambda_local::tests::OutputFile;

EnvironmentOptions options_for(const HandlerOutput& output) {
    return lambda_local::tests::environment_options(output.fd());
}

InvocationRequest request_with(std::string event = "{}") {
    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = std::move(event);
    return request;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++count;
    }
    return count;
}

// The "count" of a tmp_use response.
long tmp_count(const InvocationResult& result) {
    json payload = json::parse(result.payload, nullptr, false);
    REQUIRE_MESSAGE(payload.is_object(), result.payload);
    return payload.value("count", -1L);
}

} // namespace

TEST_SUITE_BEGIN("runtime::ExecutionEnvironment");

TEST_CASE("the first invocation is a cold start and the next one reuses the environment") {
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libecho_cpp.so", "tmp_use"), options_for(output));
    CHECK_FALSE(environment.warm());

    InvocationResult cold = environment.invoke(request_with());
    REQUIRE_MESSAGE(cold.ok(), cold.payload);
    CHECK(cold.init_duration_ms.has_value());
    CHECK(environment.warm());
    CHECK(tmp_count(cold) == 1);

    InvocationResult warm = environment.invoke(request_with());
    REQUIRE_MESSAGE(warm.ok(), warm.payload);
    CHECK_FALSE(warm.init_duration_ms.has_value());
    CHECK(environment.warm());
    // /tmp persists across warm invocations.
    CHECK(tmp_count(warm) == 2);
    // lambda_local_init ran once for both.
    CHECK(occurrences(output.text(), "init: cold start\n") == 1);

    SUBCASE("after shutdown the next invocation is cold, with a new /tmp") {
        environment.shutdown();
        CHECK_FALSE(environment.warm());
        InvocationResult again = environment.invoke(request_with());
        REQUIRE_MESSAGE(again.ok(), again.payload);
        CHECK(again.init_duration_ms.has_value());
        CHECK(environment.warm());
        CHECK(tmp_count(again) == 1);
        CHECK(occurrences(output.text(), "init: cold start\n") == 2);
    }
    SUBCASE("a second environment of the same function has its own /tmp") {
        LoopEnvironment other(spec_for("libecho_cpp.so", "tmp_use"), options_for(output));
        InvocationResult first = other.invoke(request_with());
        REQUIRE_MESSAGE(first.ok(), first.payload);
        CHECK(first.init_duration_ms.has_value());
        CHECK(tmp_count(first) == 1);
        InvocationResult third = environment.invoke(request_with());
        REQUIRE_MESSAGE(third.ok(), third.payload);
        CHECK(tmp_count(third) == 3);
    }
}

TEST_CASE("an invocation's callback never runs inside invoke(), however quick the handler") {
    // A pool invokes again from an invocation's callback: a callback run from inside invoke()
    // would nest once per queued invocation and deliver them in reverse order.
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libecho_cpp.so", "tmp_use"), options_for(output));
    REQUIRE(environment.invoke(request_with()).ok()); // warm: the next answers are quick
    constexpr int k_chained = 200;
    bool inside_invoke = false;
    int nested = 0;
    std::vector<long> counts;
    std::function<void()> invoke_next = [&] {
        inside_invoke = true;
        environment.environment().invoke(request_with(), [&](InvocationResult result) {
            nested += inside_invoke ? 1 : 0;
            counts.push_back(tmp_count(result));
            if (static_cast<int>(counts.size()) < k_chained) {
                invoke_next();
            }
        });
        inside_invoke = false;
    };
    invoke_next();
    environment.loop().run_until([&] { return static_cast<int>(counts.size()) == k_chained; });
    CHECK(nested == 0);
    REQUIRE(counts.size() == k_chained);
    for (int i = 0; i < k_chained; ++i) {
        CHECK(counts[i] == i + 2); // in order, after the warming invocation's 1
    }
}

TEST_CASE("a successful invocation returns the handler's payload") {
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libecho_cpp.so", "handle"), options_for(output));
    InvocationRequest request = request_with(R"({"name":"world"})");
    InvocationResult result = environment.invoke(request);
    REQUIRE_MESSAGE(result.ok(), result.payload);
    CHECK(result.error_type == "");
    json payload = json::parse(result.payload, nullptr, false);
    REQUIRE(payload.is_object());
    CHECK(payload.at("event") == json{{"name", "world"}});
    CHECK(payload.at("request_id") == request.request_id);
    CHECK(payload.at("function_name") == "echo_cpp");
    CHECK(result.max_memory_used_mb >= 1);
}

TEST_CASE("a handler running past its timeout is killed and its environment discarded") {
    HandlerOutput output;
    FunctionSpec spec = spec_for("libmisbehaving.so", "sleep_forever");
    spec.timeout_s = 1;
    LoopEnvironment environment(spec, options_for(output));
    InvocationRequest request = request_with();
    InvocationResult result = environment.invoke(request);

    CHECK(result.status == InvocationStatus::Timeout);
    CHECK(result.error_type == "Sandbox.Timedout");
    CHECK_FALSE(environment.warm());
    CHECK(result.duration_ms >= 1000);
    CHECK(result.payload == R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )" +
                                request.request_id +
                                R"( Error: Task timed out after 1.00 seconds"})");
    CHECK(result.log_lines.empty()); // the REPORT line's "Status: timeout" says it

    SUBCASE("the next invocation starts a new environment") {
        InvocationResult next = environment.invoke(request_with());
        CHECK(next.status == InvocationStatus::Timeout);
        CHECK(next.init_duration_ms.has_value());
        CHECK(occurrences(output.text(), "sleeping\n") == 2);
    }
    SUBCASE("another function of the same library still works") {
        LoopEnvironment fine(spec_for("libmisbehaving.so", "handle"), options_for(output));
        InvocationResult next = fine.invoke(request_with());
        CHECK(next.status == InvocationStatus::Success);
        CHECK(next.payload == "0");
        CHECK(fine.warm());
    }
}

TEST_CASE("a handler that crashes ends its environment with Runtime.ExitError") {
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libmisbehaving.so", "segfault"), options_for(output));
    InvocationRequest request = request_with();
    InvocationResult result = environment.invoke(request);

    CHECK(result.status == InvocationStatus::Crashed);
    CHECK(result.error_type == "Runtime.ExitError");
    CHECK_FALSE(environment.warm());
    std::string message = "RequestId: " + request.request_id +
                          " Error: Runtime exited with error: signal: segmentation fault";
    json payload = json::parse(result.payload, nullptr, false);
    REQUIRE(payload.is_object());
    CHECK(payload.at("errorType") == "Runtime.ExitError");
    CHECK(payload.at("errorMessage") == message);
    CHECK(result.log_lines == std::vector<std::string>{message, "Runtime.ExitError"});
}

TEST_CASE("a handler that writes over the frame pipe ends its environment, not the caller") {
    for (const char* handler : {"corrupt_frame", "corrupt_result"}) {
        CAPTURE(handler);
        HandlerOutput output;
        LoopEnvironment environment(spec_for("libmisbehaving.so", handler), options_for(output));
        InvocationRequest request = request_with();
        InvocationResult result = environment.invoke(request);

        CHECK(result.status == InvocationStatus::Crashed);
        CHECK(result.error_type == "Runtime.ExitError");
        CHECK_FALSE(environment.warm());
        std::string message = "RequestId: " + request.request_id +
                              " Error: Runtime exited with error: signal: killed";
        CHECK(result.log_lines ==
              std::vector<std::string>{
                  "lambda-local: the handler process wrote something other than its answer on "
                  "the worker protocol's descriptor; its environment was ended",
                  message, "Runtime.ExitError"});

        // The next invocation starts a fresh environment, which the same handler breaks again.
        InvocationResult next = environment.invoke(request_with());
        CHECK(next.status == InvocationStatus::Crashed);
        CHECK(next.init_duration_ms.has_value());
    }
}

TEST_CASE("frames forged on every descriptor end the environment and touch no host process") {
    // A process of this test's, whose pid the handler writes into a frame of the kind
    // lambda-local once took a pid to kill from.
    pid_t victim = ::fork();
    REQUIRE(victim >= 0);
    if (victim == 0) {
        ::pause();
        ::_exit(0);
    }
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libhostile.so", "forge_frames"), options_for(output));
    InvocationRequest request = request_with(R"({"pid": )" + std::to_string(victim) + "}");
    InvocationResult result = environment.invoke(request);
    environment.shutdown();

    CHECK(result.status == InvocationStatus::Crashed);
    CHECK(result.error_type == "Runtime.ExitError");
    CHECK_FALSE(environment.warm());
    CHECK(::kill(victim, 0) == 0); // still alive
    int status = 0;
    CHECK(::waitpid(victim, &status, WNOHANG) == 0);
    ::kill(victim, SIGKILL);
    ::waitpid(victim, &status, 0);
}

TEST_CASE("a Result frame the handler writes itself is its own answer, and nothing more") {
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libhostile.so", "forge_result"), options_for(output));
    InvocationResult first = environment.invoke(request_with());
    CHECK(first.ok());
    CHECK(first.payload == R"({"forged":true})");
    // Its figures (the largest numbers there are) are its word: bounded by what was measured.
    CHECK(first.duration_ms >= 0);
    CHECK(first.duration_ms < 60'000);
    CHECK(first.max_memory_used_mb > 0);
    CHECK(first.max_memory_used_mb <= (std::int64_t{1} << 20));
    // Its real answer follows while the environment is idle: once the loop has heard it, the
    // environment is not reused.
    runtime::loop::Timer tick(environment.loop());
    int ticks = 0;
    tick.repeat(std::chrono::milliseconds(5), [&ticks] { ++ticks; });
    environment.loop().run_until(
        [&] { return !environment.idle_worker_alive() || ticks >= 2000; }); // 10 s at most
    tick.stop();
    CHECK_FALSE(environment.idle_worker_alive());
}

TEST_CASE("a handler process that stops reading holds its invocation, not the loop") {
    HandlerOutput output;
    FunctionSpec spec = spec_for("libhostile.so", "stop_after_answer");
    spec.timeout_s = 1;
    LoopEnvironment environment(spec, options_for(output));
    REQUIRE(environment.invoke(request_with()).ok());
    for (int i = 0; i < 1000 && !lambda_local::tests::stopped_process_below(::getpid());
         ++i) { // 10 s at most
        ::usleep(10000);
    }
    REQUIRE(lambda_local::tests::stopped_process_below(::getpid()));
    // An event far larger than the channel's buffer: writing it would block for ever.
    runtime::loop::Timer tick(environment.loop());
    int ticks = 0;
    tick.repeat(std::chrono::milliseconds(10), [&ticks] { ++ticks; });
    InvocationResult result =
        environment.invoke(request_with('"' + std::string(8 << 20, 'x') + '"'));
    tick.stop();
    CHECK(result.status == InvocationStatus::Timeout);
    CHECK(ticks > 0);                // the loop ran its timers meanwhile
    CHECK_FALSE(environment.warm()); // the environment ended with its invocation
    environment.shutdown();
    CHECK_FALSE(lambda_local::tests::stopped_process_below(::getpid()));
}

TEST_CASE("the handler inherits no descriptor of the caller's, only its channel") {
    // Not close-on-exec, as a shell or a CI runner leaks them.
    int leaked = ::open("/dev/null", O_WRONLY);
    REQUIRE(leaked >= 0);
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libhostile.so", "inherited_fds"), options_for(output));
    InvocationResult result = environment.invoke(request_with());
    environment.shutdown();
    ::close(leaked);
    REQUIRE(result.ok());
    json fds = json::parse(result.payload, nullptr, false);
    REQUIRE_MESSAGE(fds.is_object(), result.payload);
    std::vector<std::string> beyond_standard;
    for (const auto& [fd, what] : fds.at("fds").items()) {
        if (std::stoi(fd) > 2) {
            beyond_standard.push_back(what.at("target").get<std::string>());
        }
    }
    INFO(result.payload);
    // The Invoke socket and the Result pipe; nothing of the caller's or the worker's control.
    REQUIRE(beyond_standard.size() == 2);
    CHECK(beyond_standard[0].rfind("socket:", 0) == 0);
    CHECK(beyond_standard[1].rfind("pipe:", 0) == 0);
}

TEST_CASE("a function error leaves the environment warm") {
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libmisbehaving.so", "return_7"), options_for(output));
    InvocationResult result = environment.invoke(request_with());

    CHECK(result.status == InvocationStatus::FunctionError);
    CHECK(result.error_type == "HandlerError");
    CHECK(result.payload ==
          R"({"errorMessage":"handler returned 7","errorType":"HandlerError","stackTrace":[]})");
    CHECK(environment.warm());

    InvocationResult again = environment.invoke(request_with());
    CHECK(again.status == InvocationStatus::FunctionError);
    CHECK_FALSE(again.init_duration_ms.has_value());
    CHECK(environment.warm());
}

TEST_CASE("a response larger than 6291556 bytes is Function.ResponseSizeTooLarge") {
    // libecho_cpp.so's handle echoes its event: an event of 6.5 MB gives a larger response.
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libecho_cpp.so", "handle"), options_for(output));
    std::string event = "\"" + std::string(6500000, 'x') + "\"";
    REQUIRE(event.size() > k_max_response_payload);
    InvocationResult result = environment.invoke(request_with(event));

    CHECK(result.status == InvocationStatus::FunctionError);
    CHECK(result.error_type == "Function.ResponseSizeTooLarge");
    json payload = json::parse(result.payload, nullptr, false);
    REQUIRE(payload.is_object());
    CHECK(payload.at("errorType") == "Function.ResponseSizeTooLarge");
    CHECK(payload.at("errorMessage") ==
          "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
}

TEST_CASE("a failed init is an InitError with the init's error type") {
    HandlerOutput output;
    LoopEnvironment environment(spec_for("libinit_fails.so", "handle"), options_for(output));
    InvocationResult result = environment.invoke(request_with());

    CHECK(result.status == InvocationStatus::InitError);
    CHECK(result.error_type == "ConfigError");
    CHECK(result.init_duration_ms.has_value());
    CHECK_FALSE(environment.warm());
    json payload = json::parse(result.payload, nullptr, false);
    REQUIRE(payload.is_object());
    CHECK(payload.at("errorType") == "ConfigError");
    CHECK(payload.at("errorMessage") == "missing DATABASE_URL");
}

TEST_SUITE_END();
