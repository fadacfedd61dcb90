// Tests of the sinks of streamed invocations (runtime/server/stream_sinks.cpp), driven
// directly, over a real LoopServer and a raw socket client.
#include "runtime/server/stream_sinks.hpp"
#include "tests/runtime/http/loop_support.hpp"
#include "tests/runtime/server/event_stream_decoder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace lambda_local::runtime::server {

using namespace lambda_local::testing;

namespace {

InvocationResult streamed_ok(std::size_t bytes) {
    InvocationResult result;
    result.streamed = true;
    result.streamed_bytes = bytes;
    return result;
}

InvocationResult failed_mid_stream() {
    InvocationResult result;
    result.status = InvocationStatus::FunctionError;
    result.error_type = "StreamFailure";
    result.payload = R"({"errorMessage":"went wrong mid-stream","errorType":"StreamFailure"})";
    result.streamed = true;
    return result;
}

std::string http_form(std::string_view prelude, std::string_view body) {
    return std::string(prelude) + std::string(k_http_prelude_delimiter) + std::string(body);
}

http::Response bad_gateway() {
    http::Response response;
    response.status = 502;
    response.body = "Internal Server Error";
    return response;
}

} // namespace

TEST_SUITE("runtime::server::StreamSinks") {
    TEST_CASE("InvokeStreamSink: PayloadChunk events as written, then InvokeComplete") {
        ServerThread server;
        std::shared_ptr<InvokeStreamSink> held;
        server.start([&](http::Request, http::Responder responder) {
            held = InvokeStreamSink::create(responder, {{"x-amzn-RequestId", "req-1"}});
            held->begin("text/plain");
            CHECK(held->write("first;"));
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(),
                         post("/2021-11-15/functions/f/response-streaming-invocations", "{}")));
        // The first event arrives while the invocation goes on.
        REQUIRE(reader.wait_for("first;", seconds(5)));
        const std::string binary("\0\1\2\xff", 4);
        server.call([&] {
            held->write(binary);
            held->complete(streamed_ok(10), "TG9n");
            held.reset();
        });
        auto response = reader.response();
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->chunked);
        REQUIRE(response->header("Content-Type"));
        CHECK(*response->header("Content-Type") == "text/plain");
        REQUIRE(response->header("x-amzn-RequestId"));
        CHECK(*response->header("x-amzn-RequestId") == "req-1");
        std::string why;
        auto events = decode_event_stream(response->body, &why);
        REQUIRE_MESSAGE(events, why);
        REQUIRE(events->size() == 3);
        CHECK((*events)[0].payload == "first;");
        CHECK((*events)[1].payload == binary);
        CHECK((*events)[2].headers.at(":event-type") == "InvokeComplete");
        CHECK(nlohmann::json::parse((*events)[2].payload) == nlohmann::json{{"LogResult", "TG9n"}});
    }

    TEST_CASE(
        "InvokeStreamSink: an error mid-stream is InvokeComplete's ErrorCode and ErrorDetails") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            auto sink = InvokeStreamSink::create(responder, {});
            sink->write("partial");
            sink->complete(failed_mid_stream(), "");
        });
        auto response = round_trip(server.port(), post("/", "{}"));
        REQUIRE(response);
        CHECK(*response->header("Content-Type") == "application/octet-stream");
        auto events = decode_event_stream(response->body);
        REQUIRE(events);
        REQUIRE(events->size() == 2);
        CHECK((*events)[0].payload == "partial");
        CHECK(nlohmann::json::parse((*events)[1].payload) ==
              nlohmann::json{{"ErrorCode", "StreamFailure"},
                             {"ErrorDetails", "went wrong mid-stream"}});
    }

    TEST_CASE("InvokeStreamSink: a function that did not stream is one PayloadChunk") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            InvocationResult result;
            result.payload = R"({"streamed":false})";
            InvokeStreamSink::create(responder, {})->complete(result, "");
        });
        auto response = round_trip(server.port(), post("/", "{}"));
        REQUIRE(response);
        CHECK(*response->header("Content-Type") == "application/json");
        auto events = decode_event_stream(response->body);
        REQUIRE(events);
        REQUIRE(events->size() == 2);
        CHECK((*events)[0].headers.at(":event-type") == "PayloadChunk");
        CHECK((*events)[0].payload == R"({"streamed":false})");
        CHECK((*events)[1].headers.at(":event-type") == "InvokeComplete");
    }

    TEST_CASE("InvokeStreamSink: refused before it ran, the whole answer goes out") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            InvokeStreamSink::create(responder, {})->refuse(text("throttled", 429));
        });
        auto response = round_trip(server.port(), post("/", "{}"));
        REQUIRE(response);
        CHECK(response->status == 429);
        CHECK(response->body == "throttled");
    }

    TEST_CASE("HttpStreamSink: the prelude becomes the head, the body goes as written") {
        ServerThread server;
        std::shared_ptr<HttpStreamSink> held;
        server.start([&](http::Request, http::Responder responder) {
            held = HttpStreamSink::create(responder, {{"Access-Control-Allow-Origin", "*"}},
                                          bad_gateway());
            held->begin(k_http_integration_content_type);
            // The prelude arrives in two pieces, the first body bytes with its end.
            CHECK(held->write(R"({"statusCode":201,"headers":{"x-streamed":"yes"},)"));
            CHECK(held->reading_prelude());
            CHECK(held->write(std::string(R"("cookies":["a=1"]})") +
                              std::string(k_http_prelude_delimiter) + "hello "));
            CHECK_FALSE(held->reading_prelude());
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), get("/")));
        REQUIRE(reader.wait_for("hello ", seconds(5)));
        server.call([&] {
            held->write(std::string("world\0", 6));
            held->complete(streamed_ok(0), {});
            CHECK(held->status() == 201);
            held.reset();
        });
        auto response = reader.response();
        REQUIRE(response);
        CHECK(response->status == 201);
        CHECK(response->chunked);
        CHECK(*response->header("x-streamed") == "yes");
        CHECK(*response->header("set-cookie") == "a=1");
        CHECK(*response->header("Access-Control-Allow-Origin") == "*");
        CHECK(response->body == std::string("hello world\0", 12));
    }

    TEST_CASE("HttpStreamSink: another content type is a 200 of that type") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            auto sink = HttpStreamSink::create(responder, {}, bad_gateway());
            sink->begin("text/event-stream");
            sink->write("data: 1\n\n");
            sink->complete(streamed_ok(9), {});
        });
        auto response = round_trip(server.port(), get("/"));
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(*response->header("content-type") == "text/event-stream");
        CHECK(response->body == "data: 1\n\n");
    }

    TEST_CASE("HttpStreamSink: a malformed prelude is the failure answer, the rest discarded") {
        ServerThread server;
        std::atomic<bool> discarded{false};
        server.start([&](http::Request, http::Responder responder) {
            auto sink = HttpStreamSink::create(responder, {}, bad_gateway());
            sink->begin(k_http_integration_content_type);
            sink->write(http_form(R"({"statusCode":"nope"})", "secret"));
            discarded =
                sink->write("more") && sink->malformed().find("statusCode") != std::string::npos;
            sink->complete(streamed_ok(10), {});
        });
        auto response = round_trip(server.port(), get("/"));
        REQUIRE(response);
        CHECK(response->status == 502);
        CHECK(response->body == "Internal Server Error");
        // Set on the loop's thread after the answer went out.
        CHECK(eventually([&] { return discarded.load(); }, seconds(5)));
    }

    TEST_CASE("HttpStreamSink: an error after the head went out aborts the stream") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            auto sink = HttpStreamSink::create(responder, {}, bad_gateway());
            sink->begin("text/plain");
            sink->write("partial");
            sink->complete(failed_mid_stream(), {});
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), get("/")));
        REQUIRE(reader.wait_for("partial", seconds(5)));
        CHECK(reader.closes_within(seconds(5)));
        CHECK(reader.buffered().find("0\r\n\r\n") == std::string::npos);
    }

    TEST_CASE("HttpStreamSink: nothing went out, the caller's answer does") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            auto sink = HttpStreamSink::create(responder, {}, bad_gateway());
            InvocationResult buffered;
            buffered.payload = "{}";
            sink->complete(buffered, text("whole"));
        });
        auto response = round_trip(server.port(), get("/"));
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->body == "whole");
    }

    TEST_CASE("a slow client: write() says false when the buffer is full, ready once it drained") {
        http::LoopServerOptions options;
        options.stream_buffer = 64 * 1024;
        ServerThread server(options);
        static constexpr std::size_t k_total = 8 * 1024 * 1024;
        std::atomic<int> full{0};
        std::atomic<int> ready{0};
        struct Producer {
            std::shared_ptr<HttpStreamSink> sink;
            std::size_t written = 0;
        };
        server.start([&](http::Request, http::Responder responder) {
            auto producer = std::make_shared<Producer>();
            producer->sink = HttpStreamSink::create(responder, {}, bad_gateway());
            producer->sink->begin("application/octet-stream");
            auto go = [&full, producer] {
                const std::string piece(16 * 1024, 'z');
                while (producer->written < k_total) {
                    producer->written += piece.size();
                    if (!producer->sink->write(piece)) {
                        ++full;
                        return;
                    }
                }
                producer->sink->complete(streamed_ok(k_total), {});
                producer->sink->on_ready({}); // lets go of the producer
            };
            producer->sink->on_ready([&ready, go] {
                ++ready;
                go();
            });
            go();
        });
        Fd fd = connect_to(server.port(), 16 * 1024);
        REQUIRE(send_all(fd.get(), get("/")));
        REQUIRE(eventually([&] { return full.load() > 0; }, seconds(10)));
        // Nothing read: no ready callback comes.
        std::this_thread::sleep_for(milliseconds(300));
        const int stuck = ready.load();
        std::this_thread::sleep_for(milliseconds(300));
        CHECK(ready.load() == stuck);
        RawReader reader(fd.get());
        auto response = reader.response(seconds(60));
        REQUIRE(response);
        CHECK(response->body.size() == k_total);
        CHECK(ready.load() > stuck);
        CHECK(ready.load() == full.load());
    }

    TEST_CASE("a client gone mid-stream: the function's writes go on to its end, discarded") {
        http::LoopServerOptions options;
        options.stream_buffer = 64 * 1024;
        ServerThread server(options);
        // Far more than the socket buffers hold: the function must get past the client.
        static constexpr std::size_t k_total = 64 * 1024 * 1024;
        std::atomic<bool> finished{false};
        std::atomic<bool> gone_at_end{false};
        struct Producer {
            std::shared_ptr<HttpStreamSink> sink;
            std::size_t written = 0;
        };
        server.start([&](http::Request, http::Responder responder) {
            auto producer = std::make_shared<Producer>();
            producer->sink = HttpStreamSink::create(responder, {}, bad_gateway());
            producer->sink->begin("application/octet-stream");
            auto go = [&finished, &gone_at_end, producer] {
                const std::string piece(64 * 1024, 'y');
                while (producer->written < k_total) {
                    producer->written += piece.size();
                    if (!producer->sink->write(piece)) {
                        return; // the ready callback goes on
                    }
                }
                gone_at_end = producer->sink->gone();
                producer->sink->complete(streamed_ok(k_total), {});
                producer->sink->on_ready({});
                finished = true;
            };
            producer->sink->on_ready(go);
            go();
        });
        {
            Fd fd = connect_to(server.port(), 4 * 1024);
            RawReader reader(fd.get());
            REQUIRE(send_all(fd.get(), get("/")));
            REQUIRE(reader.wait_for("yyyy", seconds(10)));
        } // the client goes away without reading the rest
        CHECK(eventually([&] { return finished.load(); }, seconds(30)));
        CHECK(gone_at_end.load());
        CHECK(eventually([&] { return server.stats().connections == 0; }, seconds(5)));
    }
}

} // namespace lambda_local::runtime::server
