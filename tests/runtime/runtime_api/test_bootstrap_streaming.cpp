// Tests of a custom runtime's streamed /response through an execution environment: the
// streaming sample's bootstrap, a sink that records what reaches it, and the results.
#include "runtime/execution/execution_environment.hpp"

#include "runtime/util/ids.hpp"

#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::runtime;
using nlohmann::json;

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace bootstrap_streaming_tests {

namespace {

using lambda_local::tests::k_samples;
using lambda_local::tests::LoopEnvironment;
using RuntimeOutput = lambda_local::tests::OutputFile;

FunctionSpec streaming_spec(double timeout_s = 10) {
    FunctionSpec spec;
    spec.code_dir = k_samples + "/bootstrap-streaming";
    spec.bootstrap = spec.code_dir + "/bootstrap";
    spec.handler.clear();
    spec.name = "bootstrap-streaming";
    spec.timeout_s = timeout_s;
    return spec;
}

InvocationRequest request_with(const json& event, std::shared_ptr<ResponseSink> sink = {}) {
    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = event.dump();
    request.stream = std::move(sink);
    return request;
}

// Records what reaches it; creates `touch` (when set) as its first bytes come.
class RecordingSink : public ResponseSink {
  public:
    void begin(std::string_view content_type) override {
        ++begins;
        this->content_type = std::string(content_type);
    }
    bool write(std::string_view bytes) override {
        if (this->bytes.empty() && !touch.empty()) {
            std::ofstream(touch) << "seen";
        }
        this->bytes.append(bytes);
        return true;
    }
    void on_ready(std::function<void()>) override {}

    int begins = 0;
    std::string content_type;
    std::string bytes;
    std::string touch;
};

} // namespace

TEST_SUITE_BEGIN("runtime::runtime_api::BootstrapStreaming");

TEST_CASE("a streamed /response reaches the sink as the runtime writes it") {
    // The runtime waits, after its first piece, for the file the sink makes when that piece
    // reaches it (up to 20 s, past the function's 10 s timeout): the invocation succeeds only
    // if the first piece reached the sink before the body ended. The file is in the runtime's
    // code directory, which the sandbox shows at the same path even under /tmp (the
    // environment has a private one), where the sandbox's user can see it.
    std::string dir = k_samples + "/bootstrap-streaming/ll-stream-test-XXXXXX";
    REQUIRE(::mkdtemp(dir.data()) != nullptr);
    ::chmod(dir.c_str(), 0755);
    std::string flag = dir + "/first-piece-seen";
    RuntimeOutput output;
    LoopEnvironment environment(streaming_spec(),
                                lambda_local::tests::environment_options(output.fd()));
    auto sink = std::make_shared<RecordingSink>();
    sink->touch = flag;
    InvocationResult result = environment.invoke(
        request_with({{"pieces", {"first ", "second ", "third"}}, {"wait_for", flag}}, sink));
    ::unlink(flag.c_str());
    ::rmdir(dir.c_str());
    REQUIRE_MESSAGE(result.ok(), result.payload, output.text());
    CHECK(result.streamed);
    CHECK(result.streamed_bytes == 18);
    CHECK(result.stream_content_type == "text/plain");
    CHECK(result.payload.empty());
    CHECK(sink->begins == 1);
    CHECK(sink->content_type == "text/plain");
    CHECK(sink->bytes == "first second third");
    CHECK(environment.warm());
}

TEST_CASE("without a sink, the streamed bytes are the payload; the HTTP form is kept as is") {
    RuntimeOutput output;
    LoopEnvironment environment(streaming_spec(),
                                lambda_local::tests::environment_options(output.fd()));
    InvocationResult plain = environment.invoke(request_with({{"pieces", {"a", "bc", "def"}}}));
    REQUIRE_MESSAGE(plain.ok(), plain.payload, output.text());
    CHECK(plain.streamed);
    CHECK(plain.payload == "abcdef");

    json prelude = {{"statusCode", 201}, {"headers", {{"X-Streamed", "yes"}}}};
    InvocationResult http =
        environment.invoke(request_with({{"http", prelude}, {"pieces", {"<p>", "body</p>"}}}));
    REQUIRE_MESSAGE(http.ok(), http.payload, output.text());
    CHECK(http.stream_content_type == std::string(k_http_integration_content_type));
    CHECK(http.payload == prelude.dump() + std::string(k_http_prelude_delimiter) + "<p>body</p>");
    CHECK(environment.warm());
}

TEST_CASE("an error in the trailers ends the invocation with it; the bytes written stay") {
    RuntimeOutput output;
    LoopEnvironment environment(streaming_spec(),
                                lambda_local::tests::environment_options(output.fd()));
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result = environment.invoke(
        request_with({{"pieces", {"partial ", "output"}}, {"fail", "broke midway"}}, sink));
    CHECK(result.status == InvocationStatus::FunctionError);
    CHECK(result.error_type == "StreamError");
    json error = json::parse(result.payload, nullptr, false);
    REQUIRE_MESSAGE(error.is_object(), result.payload);
    CHECK(error["errorMessage"] == "broke midway");
    CHECK(result.streamed);
    CHECK(sink->bytes == "partial output");
    // A function error: the environment stays warm, and serves the next invocation.
    CHECK(environment.warm());
    InvocationResult next = environment.invoke(request_with({{"pieces", {"again"}}}));
    REQUIRE_MESSAGE(next.ok(), next.payload);
    CHECK(next.payload == "again");
}

TEST_CASE("a runtime that exits mid-stream is a crash, streamed") {
    RuntimeOutput output;
    LoopEnvironment environment(streaming_spec(),
                                lambda_local::tests::environment_options(output.fd()));
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result =
        environment.invoke(request_with({{"pieces", {"before the end"}}, {"exit", true}}, sink));
    CHECK(result.status == InvocationStatus::Crashed);
    CHECK(result.error_type == "Runtime.ExitError");
    CHECK(result.streamed);
    CHECK(result.streamed_bytes == 14);
    CHECK(sink->bytes == "before the end");
    CHECK_FALSE(environment.warm());
}

TEST_CASE("a runtime that stops sending mid-stream is bounded by the invocation's deadline") {
    RuntimeOutput output;
    LoopEnvironment environment(streaming_spec(1),
                                lambda_local::tests::environment_options(output.fd()));
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result =
        environment.invoke(request_with({{"pieces", {"stalled"}}, {"hang", true}}, sink));
    CHECK(result.status == InvocationStatus::Timeout);
    CHECK(result.streamed);
    CHECK(sink->bytes == "stalled");
    CHECK_FALSE(environment.warm());
}

TEST_CASE("a stream past its cap ends the invocation and the environment") {
    RuntimeOutput output;
    LoopEnvironment environment(streaming_spec(),
                                lambda_local::tests::environment_options(output.fd()));
    // Without a sink the cap is the buffered payload's (6291556 bytes).
    InvocationResult result = environment.invoke(request_with({{"bytes", 8 * 1024 * 1024}}));
    CHECK(result.status == InvocationStatus::FunctionError);
    CHECK(result.error_type == "Function.ResponseSizeTooLarge");
    CHECK(result.streamed);
    CHECK(result.streamed_bytes > k_max_response_payload);
    CHECK_FALSE(environment.warm());
}

TEST_SUITE_END();

} // namespace bootstrap_streaming_tests
