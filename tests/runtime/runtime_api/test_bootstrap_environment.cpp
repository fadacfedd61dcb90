// Tests of an execution environment running a custom runtime (a `bootstrap`) through the
// Runtime API: warm reuse, and what ends the environment (the misbehaving sample's bootstrap).
#include "runtime/execution_environment.hpp"

#include "runtime/util/ids.hpp"

#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
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

FunctionSpec bootstrap_spec(const std::string& sample_dir) {
    FunctionSpec spec;
    spec.code_dir = k_samples + "/" + sample_dir;
    spec.bootstrap = spec.code_dir + "/bootstrap";
    spec.handler.clear();
    spec.name = sample_dir;
    spec.timeout_s = 10;
    return spec;
}

using RuntimeOutput = lambda_local::tests::OutputFile;

EnvironmentOptions options_for(const RuntimeOutput& output) {
    return lambda_local::tests::environment_options(output.fd());
}

InvocationRequest request_with(json event = json::object()) {
    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = event.dump();
    return request;
}

json payload_of(const InvocationResult& result) {
    json payload = json::parse(result.payload, nullptr, false);
    REQUIRE_MESSAGE(payload.is_object(), result.payload);
    return payload;
}

} // namespace

TEST_SUITE_BEGIN("runtime::runtime_api::BootstrapEnvironment");

TEST_CASE("a custom runtime is started once and reused while warm") {
    RuntimeOutput output;
    LoopEnvironment environment(bootstrap_spec("bootstrap-misbehaving"), options_for(output));
    InvocationResult cold = environment.invoke(request_with());
    REQUIRE_MESSAGE(cold.ok(), cold.payload);
    CHECK(cold.init_duration_ms.has_value());
    CHECK(environment.warm());
    json first = payload_of(cold);
    CHECK(first["init_count"] == 1);
    CHECK(first["invocations"] == 1);

    InvocationResult warm = environment.invoke(request_with());
    REQUIRE_MESSAGE(warm.ok(), warm.payload);
    CHECK_FALSE(warm.init_duration_ms.has_value());
    json second = payload_of(warm);
    // The same process, its init done once, and /tmp kept across invocations.
    CHECK(second["pid"] == first["pid"]);
    CHECK(second["init_count"] == 1);
    CHECK(second["invocations"] == 2);
    CHECK(warm.max_memory_used_mb >= 1);
}

TEST_CASE("a timed-out runtime is ended and the next invocation is a cold start") {
    RuntimeOutput output;
    FunctionSpec spec = bootstrap_spec("bootstrap-misbehaving");
    spec.timeout_s = 1;
    LoopEnvironment environment(spec, options_for(output));
    REQUIRE(environment.invoke(request_with()).ok());
    InvocationResult timed_out = environment.invoke(request_with({{"do", "sleep"}}));
    CHECK(timed_out.status == InvocationStatus::Timeout);
    CHECK(timed_out.error_type == "Sandbox.Timedout");
    CHECK_FALSE(environment.warm());

    InvocationResult again = environment.invoke(request_with());
    REQUIRE_MESSAGE(again.ok(), again.payload);
    CHECK(again.init_duration_ms.has_value());
    json payload = payload_of(again);
    CHECK(payload["init_count"] == 1); // a fresh /tmp
    CHECK(payload["invocations"] == 1);
}

TEST_CASE("a runtime that ends after answering keeps its answer, the next invocation is cold") {
    RuntimeOutput output;
    LoopEnvironment environment(bootstrap_spec("bootstrap-misbehaving"), options_for(output));
    InvocationResult last = environment.invoke(request_with({{"do", "respond_and_exit"}}));
    REQUIRE_MESSAGE(last.ok(), last.payload);
    CHECK(payload_of(last)["answer"] == "last");

    InvocationResult again = environment.invoke(request_with());
    REQUIRE_MESSAGE(again.ok(), again.payload);
    CHECK(again.init_duration_ms.has_value());
    CHECK(payload_of(again)["init_count"] == 1);
}

TEST_CASE("a runtime that exits during an invocation is Runtime.ExitError, the next one is cold") {
    RuntimeOutput output;
    LoopEnvironment environment(bootstrap_spec("bootstrap-misbehaving"), options_for(output));
    REQUIRE(environment.invoke(request_with()).ok());
    InvocationResult crashed = environment.invoke(request_with({{"do", "exit"}, {"status", 7}}));
    CHECK(crashed.status == InvocationStatus::Crashed);
    CHECK(crashed.error_type == "Runtime.ExitError");
    CHECK(payload_of(crashed)["errorMessage"].get<std::string>().ends_with(
        "Error: Runtime exited with error: exit status 7"));
    CHECK_FALSE(environment.warm());
    InvocationResult again = environment.invoke(request_with());
    REQUIRE_MESSAGE(again.ok(), again.payload);
    CHECK(again.init_duration_ms.has_value());
}

TEST_CASE("what a runtime does after its answer, until its next /next, is part of the invocation") {
    RuntimeOutput output;
    LoopEnvironment environment(bootstrap_spec("bootstrap-misbehaving"), options_for(output));
    InvocationResult result = environment.invoke(request_with({{"do", "twice"}}));
    REQUIRE_MESSAGE(result.ok(), result.payload);
    CHECK(payload_of(result)["answer"] == "first");
    // Logged by the runtime after the first answer was taken, before invoke() returned.
    std::string text = output.text();
    CHECK(text.find("first answer: 202 {\"status\":\"OK\"}") != std::string::npos);
    CHECK(text.find("second answer: 403 ") != std::string::npos);
    CHECK(text.find("\"errorType\":\"InvalidStateTransition\"") != std::string::npos);
    CHECK(environment.warm());
}

TEST_CASE("the caller's client context and identity reach /next as headers") {
    RuntimeOutput output;
    LoopEnvironment environment(bootstrap_spec("bootstrap-misbehaving"), options_for(output));
    InvocationRequest request = request_with();
    request.client_context = R"({"client":{"app_title":"t"},"custom":{"k":"v"}})";
    request.cognito_identity = R"({"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"})";
    request.trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    InvocationResult result = environment.invoke(request);
    REQUIRE_MESSAGE(result.ok(), result.payload);
    json headers = payload_of(result)["headers"];
    CHECK(headers["Lambda-Runtime-Client-Context"] == request.client_context);
    CHECK(headers["Lambda-Runtime-Cognito-Identity"] == request.cognito_identity);
    CHECK(headers["Lambda-Runtime-Trace-Id"] == request.trace_id);
    CHECK(headers["Lambda-Runtime-Aws-Request-Id"] == request.request_id);
}

TEST_SUITE_END();
