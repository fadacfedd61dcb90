// Tests of the bootstrap's response streaming (native ABI version 2) against the raw fake
// Runtime API, which parses the chunked body and its trailers from the bytes on the wire
// (AWS: "Response streaming for custom runtimes").
#include "runtime/bootstrap/bootstrap.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/encoding.hpp"
#include "tests/runtime/bootstrap/raw_api.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <memory>

namespace lambda_local::runtime::bootstrap {
namespace {

using testing::has_line;
using testing::RawApi;
using testing::Received;
using testing::reply;

// Serves one event (id-1), accepts every post, then answers /next with 500: the bootstrap
// exits.
std::function<std::string(const Received&)> serve_one(std::string event) {
    auto served = std::make_shared<bool>(false);
    return [event = std::move(event), served](const Received& request) {
        if (!testing::is_next(request)) {
            return reply(202, R"({"status":"OK"})");
        }
        if (*served) {
            return reply(500, R"({"errorMessage":"done","errorType":"InternalServerError"})");
        }
        *served = true;
        return reply(200, event,
                     "Lambda-Runtime-Aws-Request-Id: id-1\r\nLambda-Runtime-Deadline-Ms: " +
                         std::to_string(epoch_ms() + 5000) + "\r\n");
    };
}

// Runs the bootstrap on one event with a handler of the streaming sample; returns its one
// post.
Received streamed_post(const std::string& symbol, const std::string& event = "{}") {
    RawApi api(serve_one(event));
    BootstrapSettings settings;
    settings.runtime_api = api.endpoint();
    settings.handler = "libstream_cpp.so:" + symbol;
    settings.task_root = LL_SAMPLES_DIR;
    settings.context.function_name = "stream-fn";
    settings.retry = RetryPolicy{1, std::chrono::milliseconds(1)};
    CHECK(run_bootstrap(settings) == 1);
    std::vector<Received> posts;
    for (const auto& request : api.received()) {
        if (!testing::is_next(request)) {
            posts.push_back(request);
        }
    }
    REQUIRE(posts.size() == 1);
    return posts[0];
}

} // namespace

TEST_SUITE("runtime::bootstrap::Bootstrap streaming") {

    TEST_CASE("a streamed response is one chunked /response, a chunk per write") {
        const Received post = streamed_post("stream_text");
        CAPTURE(post.head);
        CHECK(post.head.rfind("POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\n",
                              0) == 0);
        CHECK(has_line(post, "Lambda-Runtime-Function-Response-Mode: streaming"));
        CHECK(has_line(post, "Transfer-Encoding: chunked"));
        CHECK(has_line(post, "Content-Type: text/plain"));
        CHECK(has_line(post, "Trailer: Lambda-Runtime-Function-Error-Type, "
                             "Lambda-Runtime-Function-Error-Body"));
        CHECK(post.head.find("Content-Length") == std::string::npos);
        CHECK(post.chunked);
        CHECK(post.chunks == std::vector<std::string>{"chunk 1\n", "chunk 2\n", "chunk 3\n"});
        CHECK(post.trailers.empty());
    }

    TEST_CASE("an HTTP stream declares the integration type and starts with its prelude") {
        const Received post = streamed_post("stream_http");
        CHECK(has_line(post, "Content-Type: application/vnd.awslambda.http-integration-response"));
        const std::string prelude =
            R"({"statusCode":201,"headers":{"content-type":"text/plain","x-streamed":"yes"},)"
            R"("cookies":["flavour=oat; Path=/"]})";
        CHECK(post.body == prelude + std::string(8, '\0') + "hello world\n");
    }

    TEST_CASE("binary bytes pass unchanged") {
        const Received post = streamed_post("stream_binary");
        std::string expected;
        for (int i = 0; i < 256; ++i) {
            expected += static_cast<char>(i);
        }
        expected += std::string(expected.rbegin(), expected.rend());
        CHECK(post.body == expected);
    }

    TEST_CASE("an error mid-stream is in the trailers, its body in base64") {
        const Received post = streamed_post("stream_fail");
        CHECK(post.body == "partial");
        REQUIRE(post.trailers.size() == 2);
        CHECK(post.trailers[0] == "Lambda-Runtime-Function-Error-Type: StreamFailure");
        const std::string prefix = "Lambda-Runtime-Function-Error-Body: ";
        REQUIRE(post.trailers[1].rfind(prefix, 0) == 0);
        auto body = base64_decode(post.trailers[1].substr(prefix.size()));
        REQUIRE(body.has_value());
        CHECK(nlohmann::json::parse(*body) ==
              nlohmann::json::parse(R"({"errorMessage":"went wrong mid-stream",)"
                                    R"("errorType":"StreamFailure","stackTrace":[]})"));
    }

    TEST_CASE("a handler that does not stream posts its response as before") {
        const Received post = streamed_post("buffered");
        CHECK_FALSE(post.chunked);
        CHECK(has_line(post, "Content-Length: 18"));
        CHECK(post.body == R"({"streamed":false})");
    }
}

} // namespace lambda_local::runtime::bootstrap
