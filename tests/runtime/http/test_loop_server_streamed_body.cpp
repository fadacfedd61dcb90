// Tests of request bodies a LoopServer handler takes as they arrive (stream_body), over raw
// sockets on 127.0.0.1, and of the chunked decoder behind them.
#include "runtime/http/chunked_body.hpp"
#include "runtime/http/loop_server.hpp"
#include "tests/runtime/http/loop_support.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

using lambda_local::Fd;
using namespace lambda_local::testing;
using lambda_local::runtime::http::ChunkedDecoder;
using lambda_local::runtime::http::ChunkedLimits;

namespace {

// What the server saw of streamed bodies, shared with the loop thread.
struct Seen {
    std::mutex mutex;
    std::string pieces; // the bytes delivered so far
    std::size_t piece_count = 0;
    std::vector<std::string> handled; // "path|body|body_streamed|trailers" per handled request
    std::vector<std::string> aborted;
    std::function<void()> resume;
    bool wait_after_first = false; // the first piece answers false

    std::string bytes() {
        std::lock_guard<std::mutex> lock(mutex);
        return pieces;
    }
    std::size_t handled_count() {
        std::lock_guard<std::mutex> lock(mutex);
        return handled.size();
    }
};

// Streams the bodies of POSTs to /stream; answers every request with what it saw.
http::LoopServerOptions streaming_options(const std::shared_ptr<Seen>& seen) {
    http::LoopServerOptions options;
    options.stream_body = [seen](const http::Request& head, std::function<void()> resume) {
        http::BodyStream stream;
        if (head.path != "/stream") {
            return stream;
        }
        {
            std::lock_guard<std::mutex> lock(seen->mutex);
            seen->resume = std::move(resume);
        }
        stream.piece = [seen](std::string_view piece) {
            std::lock_guard<std::mutex> lock(seen->mutex);
            seen->pieces.append(piece);
            ++seen->piece_count;
            return !(seen->wait_after_first && seen->piece_count == 1);
        };
        stream.aborted = [seen](std::string_view why) {
            std::lock_guard<std::mutex> lock(seen->mutex);
            seen->aborted.emplace_back(why);
        };
        return stream;
    };
    return options;
}

http::Handler recording_handler(const std::shared_ptr<Seen>& seen) {
    return [seen](http::Request request, http::Responder responder) {
        std::string trailers;
        for (const auto& [name, value] : request.trailers) {
            trailers += name + "=" + value + ";";
        }
        std::string line = request.path + "|" + request.body + "|" +
                           (request.body_streamed ? "streamed" : "whole") + "|" + trailers;
        {
            std::lock_guard<std::mutex> lock(seen->mutex);
            seen->handled.push_back(line);
        }
        responder.respond(text(line, request.body_streamed ? 202 : 200));
    };
}

const std::string k_stream_head =
    "POST /stream HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
    "Trailer: X-Error\r\n\r\n";

} // namespace

TEST_SUITE("runtime::http::LoopServer streamed request bodies") {

    TEST_CASE("each piece reaches the consumer before the body ends, then the handler answers") {
        auto seen = std::make_shared<Seen>();
        ServerThread server(streaming_options(seen));
        server.start(recording_handler(seen));
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), k_stream_head + "5\r\nfirst\r\n"));
        // The body is not over: the piece can only have come as it arrived.
        REQUIRE(eventually([&] { return seen->bytes() == "first"; }, seconds(10)));
        CHECK(seen->handled_count() == 0);
        REQUIRE(send_all(fd.get(), "6;ext=1\r\nsecond\r\n"));
        REQUIRE(eventually([&] { return seen->bytes() == "firstsecond"; }, seconds(10)));
        REQUIRE(send_all(fd.get(), "0\r\nX-Error: none\r\n\r\n"));
        auto response = reader.response(seconds(10));
        REQUIRE(response);
        CHECK(response->status == 202);
        CHECK(response->body == "/stream||streamed|X-Error=none;");
        CHECK(seen->aborted.empty());
    }

    TEST_CASE("trailers are parsed, and a request pipelined after a streamed one is answered") {
        auto seen = std::make_shared<Seen>();
        ServerThread server(streaming_options(seen));
        server.start(recording_handler(seen));
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), k_stream_head +
                                       "3\r\nabc\r\n0\r\nX-One: 1\r\nX-Two:  two words \r\n\r\n" +
                                       post("/after", "plain") + get("/last")));
        auto streamed = reader.response(seconds(10));
        auto after = reader.response(seconds(10));
        auto last = reader.response(seconds(10));
        REQUIRE(streamed);
        REQUIRE(after);
        REQUIRE(last);
        CHECK(streamed->body == "/stream||streamed|X-One=1;X-Two=two words;");
        CHECK(after->body == "/after|plain|whole|");
        CHECK(last->body == "/last||whole|");
        CHECK(seen->bytes() == "abc");
    }

    TEST_CASE("a request the BodyStreamer declines, on the same server, gets its body whole") {
        auto seen = std::make_shared<Seen>();
        ServerThread server(streaming_options(seen));
        server.start(recording_handler(seen));
        auto response =
            round_trip(server.port(), "POST /other HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: "
                                      "chunked\r\n\r\n4\r\nwhol\r\n1\r\ne\r\n0\r\n\r\n");
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->body == "/other|whole|whole|");
        CHECK(seen->bytes().empty());
    }

    TEST_CASE("malformed chunks are refused with 400 and the consumer learns it") {
        const char* bodies[] = {"zz\r\nabc\r\n", "3\r\nabcdef\r\n", "3 x\r\nabc\r\n",
                                "3\r\nabc\r\n0\r\nbad trailer\r\n\r\n"};
        for (const char* body : bodies) {
            CAPTURE(body);
            auto seen = std::make_shared<Seen>();
            ServerThread server(streaming_options(seen));
            server.start(recording_handler(seen));
            auto response = round_trip(server.port(), k_stream_head + body);
            REQUIRE(response);
            CHECK(response->status == 400);
            CHECK(*response->header("Connection") == "close");
            CHECK(eventually(
                [&] {
                    std::lock_guard<std::mutex> lock(seen->mutex);
                    return seen->aborted.size() == 1;
                },
                seconds(10)));
            CHECK(seen->handled_count() == 0);
        }
    }

    TEST_CASE("a streamed body over max_streamed_body gets 413; a huge chunk size too") {
        for (std::string body : {std::string("10\r\n0123456789abcdef\r\n"),
                                 std::string("fffffffffffffffffffffff\r\n")}) {
            auto seen = std::make_shared<Seen>();
            http::LoopServerOptions options = streaming_options(seen);
            options.max_streamed_body = 8;
            ServerThread server(options);
            server.start(recording_handler(seen));
            auto response = round_trip(server.port(), k_stream_head + body);
            REQUIRE(response);
            CHECK(response->status == 413);
            CHECK(seen->handled_count() == 0);
        }
    }

    TEST_CASE("a streamed body is bounded by streamed_body_timeout, not body_timeout") {
        auto seen = std::make_shared<Seen>();
        http::LoopServerOptions options = streaming_options(seen);
        options.body_timeout = milliseconds(100);
        options.streamed_body_timeout = seconds(2);
        ServerThread server(options);
        server.start(recording_handler(seen));
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), k_stream_head + "1\r\na\r\n"));
        // Past body_timeout, the body goes on.
        std::this_thread::sleep_for(milliseconds(400));
        REQUIRE(send_all(fd.get(), "1\r\nb\r\n"));
        REQUIRE(eventually([&] { return seen->bytes() == "ab"; }, seconds(10)));
        // A client that stops sending gets 408 at streamed_body_timeout.
        auto response = reader.response(seconds(20));
        REQUIRE(response);
        CHECK(response->status == 408);
        CHECK(eventually(
            [&] {
                std::lock_guard<std::mutex> lock(seen->mutex);
                return seen->aborted.size() == 1;
            },
            seconds(10)));
    }

    TEST_CASE("a consumer that waits stops the reading until it resumes") {
        auto seen = std::make_shared<Seen>();
        seen->wait_after_first = true;
        ServerThread server(streaming_options(seen));
        server.start(recording_handler(seen));
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), k_stream_head + "3\r\none\r\n"));
        REQUIRE(eventually([&] { return seen->bytes() == "one"; }, seconds(10)));
        REQUIRE(send_all(fd.get(), "3\r\ntwo\r\n0\r\n\r\n"));
        // Nothing more is delivered, nor the request handled, while the consumer waits.
        std::this_thread::sleep_for(milliseconds(300));
        CHECK(seen->bytes() == "one");
        CHECK(seen->handled_count() == 0);
        server.call([&] {
            std::function<void()> resume;
            {
                std::lock_guard<std::mutex> lock(seen->mutex);
                resume = seen->resume;
            }
            resume();
        });
        auto response = reader.response(seconds(10));
        REQUIRE(response);
        CHECK(response->status == 202);
        CHECK(seen->bytes() == "onetwo");
    }

    TEST_CASE("a client that waits for 100 Continue gets it before it sends the body") {
        auto seen = std::make_shared<Seen>();
        ServerThread server(streaming_options(seen));
        server.start(recording_handler(seen));
        Fd fd = connect_to(server.port());
        REQUIRE(send_all(fd.get(), "POST /stream HTTP/1.1\r\nHost: test\r\nExpect: "
                                   "100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"));
        // Nothing else comes before the body is sent: the interim answer alone.
        const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
        std::string got;
        auto deadline = Clock::now() + seconds(10);
        while (got.size() < interim.size() && Clock::now() < deadline) {
            pollfd readable{fd.get(), POLLIN, 0};
            if (::poll(&readable, 1, 100) > 0) {
                char buffer[256];
                ssize_t n = ::recv(fd.get(), buffer, interim.size() - got.size(), 0);
                if (n <= 0) {
                    break;
                }
                got.append(buffer, static_cast<std::size_t>(n));
            }
        }
        CHECK(got == interim);
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), "2\r\nok\r\n0\r\n\r\n"));
        auto response = reader.response(seconds(10));
        REQUIRE(response);
        CHECK(response->status == 202);
        CHECK(seen->bytes() == "ok");
    }

    TEST_CASE("a client that closes mid-body aborts the stream; the server stays well") {
        auto seen = std::make_shared<Seen>();
        ServerThread server(streaming_options(seen));
        server.start(recording_handler(seen));
        {
            Fd fd = connect_to(server.port());
            REQUIRE(send_all(fd.get(), k_stream_head + "3\r\nabc\r\n"));
            REQUIRE(eventually([&] { return seen->bytes() == "abc"; }, seconds(10)));
        }
        CHECK(eventually(
            [&] {
                std::lock_guard<std::mutex> lock(seen->mutex);
                return seen->aborted.size() == 1;
            },
            seconds(10)));
        CHECK(seen->handled_count() == 0);
        auto response = round_trip(server.port(), get("/still"));
        REQUIRE(response);
        CHECK(response->status == 200);
    }
}

TEST_SUITE("runtime::http::ChunkedDecoder") {

    // Feeds `input` to the decoder `step` bytes at a time; returns the data found.
    std::string decode(ChunkedDecoder & decoder, std::string_view input, std::size_t step) {
        std::string data;
        std::string pending;
        for (std::size_t at = 0; at < input.size(); at += step) {
            pending.append(input.substr(at, step));
            while (!pending.empty() && !decoder.complete() && !decoder.failed()) {
                auto found = decoder.feed(pending);
                data.append(found.data);
                pending.erase(0, found.consumed);
                if (found.consumed == 0) {
                    break;
                }
            }
        }
        return data;
    }

    TEST_CASE("a body split anywhere decodes the same, and stops at its end") {
        const std::string body = "4\r\nWiki\r\n5;a=b\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n"
                                 "Expires: never\r\n\r\nGET / HTTP/1.1";
        for (std::size_t step : {1u, 2u, 7u, 1000u}) {
            CAPTURE(step);
            ChunkedDecoder decoder;
            std::string data = decode(decoder, body, step);
            REQUIRE(decoder.complete());
            CHECK(data == "Wikipedia in\r\n\r\nchunks.");
            CHECK(decoder.trailers() == http::HeaderList{{"Expires", "never"}});
            CHECK(decoder.body_bytes() == data.size());
        }
        ChunkedDecoder decoder;
        auto first = decoder.feed("0\r\n\r\nrest");
        CHECK(decoder.complete());
        CHECK(first.consumed == 5);
    }

    TEST_CASE("bounds: a long size line, too many trailer fields, a body over its limit") {
        ChunkedDecoder long_line;
        decode(long_line, std::string(2000, '1'), 100);
        CHECK(long_line.failed());
        CHECK(long_line.status() == 400);

        ChunkedLimits limits;
        limits.max_trailer_fields = 2;
        ChunkedDecoder trailers(limits);
        decode(trailers, "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 3);
        CHECK(trailers.failed());
        CHECK(trailers.status() == 431);

        limits = {};
        limits.max_body = 10;
        ChunkedDecoder over(limits);
        decode(over, "6\r\nabcdef\r\n6\r\nghijkl\r\n", 4);
        CHECK(over.failed());
        CHECK(over.status() == 413);

        ChunkedDecoder overflow;
        decode(overflow, "ffffffffffffffffffffffffffffffff\r\n", 5);
        CHECK(overflow.failed());
        CHECK(overflow.status() == 413);

        ChunkedDecoder bare_cr;
        decode(bare_cr, "3\rx\r\nabc\r\n", 50);
        CHECK(bare_cr.failed());
        CHECK(bare_cr.status() == 400);
    }
}
