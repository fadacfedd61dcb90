// Tests of the native ABI's response streaming (version 2), in this process: what a handler's
// stream functions reach, and what they answer (loaders/include/lambda_local.h).
#include "loaders/loader.hpp"

#include "runtime/execution/response_stream.hpp"
#include "runtime/util/clock.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::loaders;
using nlohmann::json;

namespace {

const std::string k_stream = std::string(LL_SAMPLES_DIR) + "/libstream_cpp.so";

Context stream_context() {
    Context context;
    context.function_name = "stream_cpp";
    context.aws_request_id = "6f1d1d5e-0c4f-4b8e-9d7e-1a2b3c4d5e6f";
    context.deadline_ms = epoch_ms() + 60000;
    return context;
}

// Records what a handler streams; refuses writes past `room` bytes.
class RecordingOutput : public StreamOutput {
  public:
    explicit RecordingOutput(std::size_t room = SIZE_MAX) : m_room(room) {}
    bool start(std::string_view content_type) override {
        starts.emplace_back(content_type);
        return true;
    }
    bool write(std::string_view bytes) override {
        ++writes;
        if (bytes.size() > m_room - std::min(m_room, received.size())) {
            return false;
        }
        received += bytes;
        return true;
    }

    std::vector<std::string> starts;
    std::string received;
    int writes = 0;

  private:
    std::size_t m_room;
};

std::unique_ptr<Handler> load_stream_handler(const std::string& symbol) {
    LoadResult loaded = load_handler(k_stream, symbol, Abi::Auto, stream_context());
    REQUIRE_FALSE(loaded.error.has_value());
    REQUIRE(loaded.handler != nullptr);
    return std::move(loaded.handler);
}

} // namespace

TEST_SUITE_BEGIN("loaders::native streaming");

TEST_CASE("a handler's stream reaches the output in order, started once") {
    auto handler = load_stream_handler("stream_text");
    RecordingOutput output;
    Outcome outcome = handler->invoke("{}", stream_context(), &output);
    CHECK(outcome.ok);
    CHECK(outcome.streamed);
    CHECK(outcome.payload.empty());
    CHECK(output.starts == std::vector<std::string>{"text/plain"});
    CHECK(output.received == "chunk 1\nchunk 2\nchunk 3\n");
}

TEST_CASE("the first write starts an octet-stream response when none was started") {
    auto handler = load_stream_handler("stream_then_sleep");
    RecordingOutput output;
    Outcome outcome = handler->invoke(R"({"sleep_ms": 1})", stream_context(), &output);
    CHECK(outcome.ok);
    CHECK(output.starts == std::vector<std::string>{"application/octet-stream"});
    CHECK(output.received == "now\nlater\n");
}

TEST_CASE("stream_http_start writes the prelude and the eight-NUL delimiter first") {
    auto handler = load_stream_handler("stream_http");
    RecordingOutput output;
    Outcome outcome = handler->invoke("{}", stream_context(), &output);
    CHECK(outcome.ok);
    CHECK(output.starts ==
          std::vector<std::string>{std::string(runtime::k_http_integration_content_type)});
    const std::string prelude =
        R"({"statusCode":201,"headers":{"content-type":"text/plain","x-streamed":"yes"},)"
        R"("cookies":["flavour=oat; Path=/"]})";
    CHECK(output.received == prelude + std::string(8, '\0') + "hello world\n");
}

TEST_CASE("fail() after the stream began is a mid-stream error") {
    auto handler = load_stream_handler("stream_fail");
    RecordingOutput output;
    Outcome outcome = handler->invoke("{}", stream_context(), &output);
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.streamed);
    CHECK(outcome.error.type == "StreamFailure");
    CHECK(outcome.error.message == "went wrong mid-stream");
    CHECK(output.received == "partial");
}

TEST_CASE("a write the output refuses answers -1, and so does every later one") {
    auto handler = load_stream_handler("stream_bytes");
    RecordingOutput output(100);
    Outcome outcome = handler->invoke(R"({"bytes": 1000, "chunk": 60})", stream_context(), &output);
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.type == "StreamRefused");
    CHECK(output.received.size() == 60);
    CHECK(output.writes == 2); // the refused one; the handler stopped there
}

TEST_CASE("the stream functions answer as the header says") {
    auto handler = load_stream_handler("stream_return_codes");
    SUBCASE("after stream_start") {
        RecordingOutput output;
        Outcome outcome = handler->invoke(R"({"mode": "stream_first"})", stream_context(), &output);
        CHECK(outcome.ok);
        CHECK(outcome.streamed);
        CHECK(output.starts == std::vector<std::string>{"application/json"});
        CHECK(json::parse(output.received) ==
              json::parse(R"({"stream_start":0,"stream_start_again":-1,"stream_http_start":-1,)"
                          R"("respond":-1,"empty_write":0,"init":"-1,-1,-1"})"));
    }
    SUBCASE("after respond") {
        RecordingOutput output;
        Outcome outcome =
            handler->invoke(R"({"mode": "respond_first"})", stream_context(), &output);
        CHECK(outcome.ok);
        CHECK_FALSE(outcome.streamed);
        CHECK(output.starts.empty());
        CHECK(json::parse(outcome.payload) ==
              json::parse(R"({"respond":0,"stream_start":-1,"stream_http_start":-1,)"
                          R"("stream_write":-1,"init":"-1,-1,-1"})"));
    }
    SUBCASE("without an output (a host that cannot stream here)") {
        // No stream can start, so respond() still works and the stream's writes are refused.
        Outcome outcome = handler->invoke(R"({"mode": "stream_first"})", stream_context());
        CHECK(outcome.ok);
        CHECK_FALSE(outcome.streamed);
        CHECK(outcome.payload == "{}");
    }
}

TEST_SUITE_END();
