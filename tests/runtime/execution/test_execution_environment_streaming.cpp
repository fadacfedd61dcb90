// Tests of an execution environment whose native handler streams its response (ABI version 2,
// samples/cpp-streaming): the sink's bytes, the ends of a stream, the cap, backpressure.
#include "runtime/execution/execution_environment.hpp"

#include "runtime/util/ids.hpp"

#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::runtime;
using nlohmann::json;

namespace {

using lambda_local::tests::k_samples;
using lambda_local::tests::LoopEnvironment;
using lambda_local::tests::OutputFile;

FunctionSpec stream_spec(const std::string& handler, double timeout_s = 5,
                         const std::string& library = "libstream_cpp.so") {
    FunctionSpec spec;
    spec.library = k_samples + "/" + library;
    spec.name = function_name_from_library(spec.library);
    spec.handler = handler;
    spec.code_dir = k_samples;
    spec.timeout_s = timeout_s;
    spec.memory_mb = 128;
    spec.tmp_mb = 512;
    spec.region = "us-east-1";
    return spec;
}

EnvironmentOptions unpaced(const OutputFile& output) {
    EnvironmentOptions options = lambda_local::tests::environment_options(output.fd());
    options.stream_limits.bandwidth_rule = false;
    return options;
}

// A sink that records what it is given, and says it is full past `room` bytes until drained.
class RecordingSink : public ResponseSink {
  public:
    explicit RecordingSink(std::size_t room = SIZE_MAX) : m_room(room) {}
    void begin(std::string_view content_type) override {
        ++begins;
        type = content_type;
    }
    bool write(std::string_view bytes) override {
        received += bytes;
        ++writes;
        m_buffered += bytes.size();
        return m_buffered < m_room;
    }
    void on_ready(std::function<void()> ready) override { m_ready = std::move(ready); }
    // The client read everything it was given (called on the loop's thread).
    void drain() {
        m_buffered = 0;
        m_room = SIZE_MAX;
        if (m_ready) {
            std::function<void()> ready = m_ready;
            ready();
        }
    }

    int begins = 0;
    int writes = 0;
    std::string type;
    std::string received;

  private:
    std::size_t m_room;
    std::size_t m_buffered = 0;
    std::function<void()> m_ready;
};

InvocationRequest request_with(std::string event, std::shared_ptr<ResponseSink> sink) {
    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = std::move(event);
    request.stream = std::move(sink);
    return request;
}

// Byte i of the stream_bytes handler's stream.
std::string pattern(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<char>(i % 251);
    }
    return bytes;
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& line : lines) {
        if (line.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_SUITE_BEGIN("runtime::ExecutionEnvironment streaming");

TEST_CASE("a streamed response reaches the sink in order, with its content type") {
    OutputFile output;
    auto sink = std::make_shared<RecordingSink>();
    LoopEnvironment environment(stream_spec("stream_text"), unpaced(output));
    InvocationResult result = environment.invoke(request_with("{}", sink));
    REQUIRE_MESSAGE(result.ok(), result.payload);
    CHECK(result.streamed);
    CHECK(result.streamed_bytes == 24);
    CHECK(result.stream_content_type == "text/plain");
    CHECK(result.payload.empty());
    CHECK(sink->begins == 1);
    CHECK(sink->type == "text/plain");
    CHECK(sink->received == "chunk 1\nchunk 2\nchunk 3\n");
    CHECK(sink->writes == 3);
    CHECK(environment.warm());

    SUBCASE("the next invocation streams again in the same environment") {
        auto again = std::make_shared<RecordingSink>();
        InvocationResult second = environment.invoke(request_with("{}", again));
        REQUIRE_MESSAGE(second.ok(), second.payload);
        CHECK_FALSE(second.init_duration_ms.has_value());
        CHECK(again->received == "chunk 1\nchunk 2\nchunk 3\n");
    }
}

TEST_CASE("binary bytes and big writes pass unchanged") {
    OutputFile output;
    LoopEnvironment environment(stream_spec("stream_binary"), unpaced(output));
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result = environment.invoke(request_with("{}", sink));
    REQUIRE_MESSAGE(result.ok(), result.payload);
    std::string expected;
    for (int i = 0; i < 256; ++i) {
        expected += static_cast<char>(i);
    }
    expected += std::string(expected.rbegin(), expected.rend());
    CHECK(sink->received == expected);
    CHECK(sink->type == "application/octet-stream");

    SUBCASE("a write bigger than a frame is split, in order") {
        LoopEnvironment bytes(stream_spec("stream_bytes"), unpaced(output));
        auto big = std::make_shared<RecordingSink>();
        const std::size_t size = (std::size_t{5} << 20) / 2; // 2.5 MiB in one write
        InvocationResult r =
            bytes.invoke(request_with(json({{"bytes", size}, {"chunk", size}}).dump(), big));
        REQUIRE_MESSAGE(r.ok(), r.payload);
        CHECK(r.streamed_bytes == size);
        CHECK(big->received == pattern(size));
        CHECK(big->writes >= 3); // frames of at most 1 MiB
    }
}

TEST_CASE("an HTTP stream starts with its prelude and the eight-NUL delimiter") {
    OutputFile output;
    LoopEnvironment environment(stream_spec("stream_http"), unpaced(output));
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result = environment.invoke(request_with("{}", sink));
    REQUIRE_MESSAGE(result.ok(), result.payload);
    CHECK(sink->type == k_http_integration_content_type);
    CHECK(result.stream_content_type == k_http_integration_content_type);
    const std::string prelude =
        R"({"statusCode":201,"headers":{"content-type":"text/plain","x-streamed":"yes"},)"
        R"("cookies":["flavour=oat; Path=/"]})";
    CHECK(sink->received == prelude + std::string(k_http_prelude_delimiter) + "hello world\n");
}

TEST_CASE("a stream that ends abnormally keeps its bytes, and its status says why") {
    OutputFile output;
    auto sink = std::make_shared<RecordingSink>();

    SUBCASE("a function error mid-stream") {
        LoopEnvironment environment(stream_spec("stream_fail"), unpaced(output));
        InvocationResult result = environment.invoke(request_with("{}", sink));
        CHECK(result.status == InvocationStatus::FunctionError);
        CHECK(result.error_type == "StreamFailure");
        CHECK(json::parse(result.payload)["errorMessage"] == "went wrong mid-stream");
        CHECK(result.streamed);
        CHECK(result.streamed_bytes == 7);
        CHECK(sink->received == "partial");
        CHECK(contains(result.log_lines, "the response stream ended after 7 bytes: the function "
                                         "reported StreamFailure"));
        CHECK(environment.warm());
    }
    SUBCASE("a crash mid-stream") {
        LoopEnvironment environment(stream_spec("stream_crash"), unpaced(output));
        InvocationResult result = environment.invoke(request_with("{}", sink));
        CHECK(result.status == InvocationStatus::Crashed);
        CHECK(result.error_type == "Runtime.ExitError");
        CHECK(result.streamed);
        CHECK(sink->received == "partial");
        CHECK(contains(result.log_lines, "ended after 7 bytes: the runtime exited"));
        CHECK_FALSE(environment.warm());
    }
    SUBCASE("a timeout mid-stream") {
        LoopEnvironment environment(stream_spec("stream_forever", 1), unpaced(output));
        InvocationResult result = environment.invoke(request_with("{}", sink));
        CHECK(result.status == InvocationStatus::Timeout);
        CHECK(result.streamed);
        CHECK(sink->received == "before the timeout\n");
        CHECK(contains(result.log_lines, "ended after 19 bytes: the function timed out"));
        CHECK_FALSE(environment.warm());
    }
}

TEST_CASE("a stream past its cap is cut there, and ends as too large") {
    OutputFile output;
    EnvironmentOptions options = unpaced(output);
    options.stream_limits.max_bytes = 1000;
    LoopEnvironment environment(stream_spec("stream_bytes"), options);
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result =
        environment.invoke(request_with(R"({"bytes": 5000, "chunk": 300})", sink));
    CHECK(result.status == InvocationStatus::FunctionError);
    CHECK(result.error_type == "Function.ResponseSizeTooLarge");
    CHECK(json::parse(result.payload)["errorMessage"] ==
          "Response payload size exceeded maximum allowed payload size (1000 bytes).");
    CHECK(sink->received == pattern(1000));
    CHECK(result.streamed);
    CHECK(contains(result.log_lines, "it passed 1000 bytes"));
    // The handler was told no (stream_write returned -1) and answered: the environment is
    // still good.
    CHECK(environment.warm());
    auto next = std::make_shared<RecordingSink>();
    InvocationResult again = environment.invoke(request_with(R"({"bytes": 10})", next));
    CHECK_MESSAGE(again.ok(), again.payload);
    CHECK(next->received == pattern(10));
}

TEST_CASE("a sink that waits holds the handler in its write until it drains") {
    OutputFile output;
    LoopEnvironment environment(stream_spec("stream_bytes", 60), unpaced(output));
    auto sink = std::make_shared<RecordingSink>(1); // full from its first write
    const std::size_t size = std::size_t{4} << 20;
    std::optional<InvocationResult> result;
    environment.environment().invoke(
        request_with(json({{"bytes", size}, {"chunk", 64 * 1024}}).dump(), sink),
        [&result](InvocationResult done) { result = std::move(done); });
    environment.loop().run_until([&] { return !sink->received.empty() || result.has_value(); });
    REQUIRE_FALSE(result.has_value());
    // While the sink waits, the environment reads nothing more of the handler, whose writes
    // block once the pipe is full: it cannot finish, however long this waits.
    loop::Timer tick(environment.loop());
    bool ticked = false;
    tick.start(std::chrono::milliseconds(1500), [&] { ticked = true; });
    environment.loop().run_until([&] { return ticked || result.has_value(); });
    CHECK_FALSE(result.has_value());
    CHECK(sink->received.size() < size);
    const std::size_t held = sink->received.size();
    CHECK(held <= std::size_t{2} << 20); // one frame, what the decoder held: not the stream
    sink->drain();
    environment.loop().run_until([&] { return result.has_value(); });
    REQUIRE(result.has_value());
    CHECK_MESSAGE(result->ok(), result->payload);
    CHECK(sink->received == pattern(size));
}

TEST_CASE("a handler held by a caller that never reads still times out") {
    OutputFile output;
    LoopEnvironment environment(stream_spec("stream_bytes", 1), unpaced(output));
    auto sink = std::make_shared<RecordingSink>(1); // never drained
    InvocationResult result =
        environment.invoke(request_with(json({{"bytes", std::size_t{4} << 20}}).dump(), sink));
    CHECK(result.status == InvocationStatus::Timeout);
    CHECK(result.streamed);
    CHECK(sink->received.size() < (std::size_t{4} << 20));
    CHECK(contains(result.log_lines, "the function timed out"));
}

TEST_CASE("without a sink a streamed response is gathered into the payload") {
    OutputFile output;
    SUBCASE("within Lambda's buffered limit") {
        LoopEnvironment environment(stream_spec("stream_text"), unpaced(output));
        InvocationResult result = environment.invoke(request_with("{}", nullptr));
        REQUIRE_MESSAGE(result.ok(), result.payload);
        CHECK(result.streamed);
        CHECK(result.payload == "chunk 1\nchunk 2\nchunk 3\n");
    }
    SUBCASE("past 6 MB it is too large, as a buffered response") {
        LoopEnvironment environment(stream_spec("stream_bytes"), unpaced(output));
        InvocationResult result = environment.invoke(
            request_with(json({{"bytes", std::size_t{7} << 20}}).dump(), nullptr));
        CHECK(result.status == InvocationStatus::FunctionError);
        CHECK(result.error_type == "Function.ResponseSizeTooLarge");
        CHECK(json::parse(result.payload)["errorMessage"] ==
              "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
    }
    SUBCASE("a handler that does not stream answers as before, even with a sink") {
        LoopEnvironment environment(stream_spec("buffered"), unpaced(output));
        auto sink = std::make_shared<RecordingSink>();
        InvocationResult result = environment.invoke(request_with("{}", sink));
        REQUIRE_MESSAGE(result.ok(), result.payload);
        CHECK_FALSE(result.streamed);
        CHECK(result.payload == R"({"streamed":false})");
        CHECK(sink->begins == 0);
    }
}

TEST_CASE("a library built for ABI version 1 runs unchanged") {
    // The Rust native sample declares version 1 (samples/rust-native).
    const std::string library = k_samples + "/librust_native.so";
    REQUIRE_MESSAGE(::access(library.c_str(), R_OK) == 0,
                    library << " is missing: the Rust samples are built only when cargo is found");
    OutputFile output;
    LoopEnvironment environment(stream_spec("handle", 5, "librust_native.so"), unpaced(output));
    auto sink = std::make_shared<RecordingSink>();
    InvocationResult result = environment.invoke(request_with(R"({"a":1})", sink));
    REQUIRE_MESSAGE(result.ok(), result.payload);
    CHECK_FALSE(result.streamed);
    CHECK(json::parse(result.payload)["message"] == "hello from rust");
    CHECK(sink->begins == 0);
}

TEST_SUITE_END();
