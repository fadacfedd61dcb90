// Tests of LoopServer against hostile and broken clients: RFC 9112 refusals, limits, deadlines.
#include "runtime/http/loop_server.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/http/loop_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using lambda_local::Error;
using lambda_local::Fd;
using namespace lambda_local::testing;

TEST_SUITE("runtime::http::LoopServer limits") {

    TEST_CASE("500 slow clients (slowloris) do not keep a normal request from its answer") {
        REQUIRE(raise_open_files(4096));
        ServerThread server;
        server.start(echo);
        std::vector<Fd> slow;
        for (int i = 0; i < 500; ++i) {
            slow.push_back(connect_to(server.port()));
            send_all(slow.back().get(), "GET /slow HTTP/1.1\r\nHost: test\r\n");
        }
        std::atomic<bool> done{false};
        std::thread dribble([&] {
            while (!done) {
                for (Fd& fd : slow) {
                    send_all(fd.get(), "X");
                }
                std::this_thread::sleep_for(milliseconds(100));
            }
        });
        REQUIRE(eventually([&] { return server.stats().connections >= 500; }, seconds(10)));
        std::vector<milliseconds> latencies;
        auto until = Clock::now() + seconds(3);
        while (Clock::now() < until) {
            latencies.push_back(time_get(server.port()));
            std::this_thread::sleep_for(milliseconds(200));
        }
        done = true;
        dribble.join();
        for (milliseconds latency : latencies) {
            CHECK(latency < seconds(1));
        }
        CHECK(server.stats().requests == latencies.size());
    }

    TEST_CASE("3,000 idle connections do not keep a normal request from its answer") {
        if (!raise_open_files(8192)) {
            WARN("the open files limit is below 8192: skipped");
            return;
        }
        ServerThread server;
        server.start(echo);
        std::vector<Fd> idle;
        for (int i = 0; i < 3000; ++i) {
            idle.push_back(connect_to(server.port()));
        }
        REQUIRE(eventually([&] { return server.stats().connections >= 3000; }, seconds(20)));
        for (int i = 0; i < 5; ++i) {
            CHECK(time_get(server.port()) < seconds(1));
        }
    }

    TEST_CASE("clients that do not read a 4 MB answer hold bounded memory and are dropped") {
        static constexpr int k_clients = 70;
        static constexpr std::size_t k_size = 4 * 1024 * 1024;
        bool streamed = false;
        long bound_mib = 0;
        SUBCASE("a whole answer: the server holds each body once, no copy") {
            bound_mib = k_clients * 4 * 5 / 4 + 64;
        }
        SUBCASE("a streamed answer that follows write()'s backpressure") {
            streamed = true;
            bound_mib = 64;
        }
        REQUIRE(raise_open_files(4096));
        http::LoopServerOptions options;
        options.write_timeout = seconds(1);
        options.idle_timeout = seconds(2);
        options.stream_buffer = 64 * 1024;
        ServerThread server(options);
        struct Pump {
            http::Responder responder;
            std::size_t written = 0;
        };
        server.start([&](http::Request request, http::Responder responder) {
            if (request.path == "/") {
                responder.respond(text("small"));
            } else if (!streamed) {
                responder.respond(text(std::string(k_size, 'b')));
            } else {
                auto pump = std::make_shared<Pump>();
                pump->responder = std::move(responder);
                pump->responder.start(200, {});
                auto go = [weak = std::weak_ptr<Pump>(pump)] {
                    auto self = weak.lock();
                    while (self && self->written < k_size) {
                        self->written += 64 * 1024;
                        if (!self->responder.write(std::string(64 * 1024, 's'))) {
                            return;
                        }
                    }
                    if (self) {
                        self->responder.finish();
                    }
                };
                pump->responder.on_drain([go, pump] { go(); });
                pump->responder.on_gone([pump]() mutable { pump->responder = {}; });
                go();
            }
        });
        long before = memory_kib();
        reset_peak_rss();
        std::vector<Fd> clients;
        for (int i = 0; i < k_clients; ++i) {
            clients.push_back(connect_to(server.port(), 4096));
            REQUIRE(send_all(clients.back().get(), get("/big")));
        }
        REQUIRE(eventually([&] { return server.stats().requests >= k_clients; }, seconds(60)));
        CHECK(time_get(server.port()) < seconds(1));
        std::this_thread::sleep_for(milliseconds(200));
        long peak = memory_kib("VmHWM");
        MESSAGE("RSS growth with ", k_clients, " clients not reading: ", (peak - before) / 1024,
                " MiB");
        CHECK((peak - before) / 1024 < bound_mib);
        // Dropped: at the write deadline, or at the idle deadline if the kernel took it all.
        CHECK(eventually([&] { return server.stats().connections == 0; }, seconds(15)));
        CHECK(server.stats().dropped >= k_clients);
    }

    TEST_CASE("a flood of chunked trailers holds bounded memory and gets 408 at the deadline") {
        http::LoopServerOptions options;
        options.body_timeout = seconds(2);
        ServerThread server(options);
        Recorder recorder;
        server.start(recorder.handler());
        Fd fd = connect_to(server.port());
        REQUIRE(send_all(fd.get(), "POST /flood HTTP/1.1\r\nHost: test\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"));
        long before = memory_kib();
        reset_peak_rss();
        std::atomic<bool> done{false};
        std::thread flood([&] {
            std::string line = "X-Flood: " + std::string(64 * 1024, 'a') + "\r\n";
            std::string unterminated(64 * 1024, 'b');
            auto until = Clock::now() + seconds(8);
            while (!done && Clock::now() < until) {
                if (!send_all(fd.get(), line) || !send_all(fd.get(), unterminated)) {
                    break;
                }
            }
        });
        RawReader reader(fd.get());
        auto response = reader.response(seconds(8));
        done = true;
        flood.join();
        long peak = memory_kib("VmHWM");
        REQUIRE(response);
        CHECK(response->status == 408);
        CHECK(reader.closes_within(seconds(5)));
        MESSAGE("RSS growth during the trailer flood: ", (peak - before) / 1024, " MiB");
        CHECK((peak - before) / 1024 < 32);
        CHECK(recorder.seen().empty());
    }

    TEST_CASE("Content-Length with Transfer-Encoding gets 400 and the connection closes") {
        ServerThread server;
        Recorder recorder;
        server.start(recorder.handler());
        std::string smuggling = "POST /carrier HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                                get("/smuggled");
        std::string first;
        bool separately = false;
        std::vector<std::string> expected;
        SUBCASE("as the first request of a connection") {}
        SUBCASE("pipelined after a valid request") {
            first = get("/ok");
            expected = {"/ok"};
        }
        SUBCASE("on a kept-alive connection, after the answer to a valid request") {
            first = get("/ok");
            separately = true;
            expected = {"/ok"};
        }
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), separately ? first : first + smuggling));
        if (!first.empty()) {
            auto ok = reader.response();
            REQUIRE(ok);
            CHECK(ok->status == 200);
        }
        if (separately) {
            REQUIRE(send_all(fd.get(), smuggling));
        }
        auto refused = reader.response();
        REQUIRE(refused);
        CHECK(refused->status == 400);
        CHECK(*refused->header("Connection") == "close");
        CHECK(reader.closes_within(seconds(5)));
        CHECK(reader.buffered().empty()); // no answer to the smuggled request
        CHECK(recorder.seen() == expected);
    }

    TEST_CASE("an unknown transfer coding gets 501") {
        ServerThread server;
        Recorder recorder;
        server.start(recorder.handler());
        std::string gzip = "POST /gz HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked"
                           "\r\n\r\n0\r\n\r\n";
        auto alone = round_trip(server.port(), gzip);
        REQUIRE(alone);
        CHECK(alone->status == 501);
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), get("/first") + gzip));
        auto first = reader.response();
        auto refused = reader.response();
        REQUIRE(first);
        REQUIRE(refused);
        CHECK(first->status == 200);
        CHECK(refused->status == 501);
        CHECK(reader.closes_within(seconds(5)));
        CHECK(recorder.seen() == std::vector<std::string>{"/first"});
    }

    TEST_CASE("CR, LF or NUL inside a header value gets 400") {
        ServerThread server;
        Recorder recorder;
        server.start(recorder.handler());
        std::string value;
        SUBCASE("a bare CR") {
            value = "a\rb";
        }
        SUBCASE("a NUL") {
            value = std::string("a\0b", 3);
        }
        SUBCASE("an LF that folds the line") {
            value = "a\n b";
        }
        SUBCASE("an LF before a line that is no field") {
            value = "a\nb";
        }
        SUBCASE("another control character") {
            value = "a\x7f";
        }
        auto response = round_trip(server.port(), get("/", "X-Bad: " + value + "\r\n"));
        REQUIRE(response);
        CHECK(response->status == 400);
        CHECK(recorder.seen().empty());
    }

    TEST_CASE("a body over max_body gets 413, announced or chunked") {
        http::LoopServerOptions options;
        options.max_body = 1000;
        ServerThread server(options);
        Recorder recorder;
        server.start(recorder.handler());
        // Announced: answered before the body is sent.
        auto announced = round_trip(
            server.port(), "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1001\r\n\r\n");
        REQUIRE(announced);
        CHECK(announced->status == 413);
        std::string chunked = "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 3; ++i) {
            chunked += "190\r\n" + std::string(400, 'c') + "\r\n";
        }
        auto streamed = round_trip(server.port(), chunked + "0\r\n\r\n");
        REQUIRE(streamed);
        CHECK(streamed->status == 413);
        auto fits = round_trip(server.port(), post("/fits", std::string(1000, 'f')));
        REQUIRE(fits);
        CHECK(fits->status == 200);
        CHECK(recorder.seen() == std::vector<std::string>{"/fits"});
    }

    TEST_CASE("an oversize head gets 431, an overlong request line 414") {
        ServerThread server;
        Recorder recorder;
        server.start(recorder.handler());
        auto line = round_trip(server.port(), get("/" + std::string(9000, 'l')));
        REQUIRE(line);
        CHECK(line->status == 414);
        auto field =
            round_trip(server.port(), get("/", "X-Big: " + std::string(70000, 'h') + "\r\n"));
        REQUIRE(field);
        CHECK(field->status == 431);
        // Past h2o's own limit (about 400 KB, which it would answer with 400).
        auto huge =
            round_trip(server.port(), get("/", "X-Big: " + std::string(600000, 'h') + "\r\n"));
        REQUIRE(huge);
        CHECK(huge->status == 431);
        std::string many;
        for (int i = 0; i < 120; ++i) {
            many += "X-" + std::to_string(i) + ": v\r\n";
        }
        auto fields = round_trip(server.port(), get("/", many));
        REQUIRE(fields);
        CHECK(fields->status == 431);
        CHECK(recorder.seen().empty());
    }

    TEST_CASE("a head not complete in time gets 408, and idle connections are closed") {
        http::LoopServerOptions options;
        options.head_timeout = seconds(1);
        options.body_timeout = seconds(1);
        options.idle_timeout = seconds(1);
        ServerThread server(options);
        Recorder recorder;
        server.start(recorder.handler());
        SUBCASE("a partial head: 408, then the connection closes") {
            Fd fd = connect_to(server.port());
            REQUIRE(send_all(fd.get(), "GET / HTTP/1.1\r\nHost: te"));
            RawReader reader(fd.get());
            auto response = reader.response(seconds(5));
            REQUIRE(response);
            CHECK(response->status == 408);
            CHECK(reader.closes_within(seconds(5)));
        }
        SUBCASE("a partial body: 408") {
            Fd fd = connect_to(server.port());
            REQUIRE(send_all(fd.get(), "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n"
                                       "\r\nabc"));
            RawReader reader(fd.get());
            auto response = reader.response(seconds(5));
            REQUIRE(response);
            CHECK(response->status == 408);
        }
        SUBCASE("a connection that never sends: closed without an answer") {
            Fd fd = connect_to(server.port());
            RawReader reader(fd.get());
            CHECK(reader.closes_within(seconds(5)));
            CHECK(reader.buffered().empty());
        }
        SUBCASE("a kept-alive connection after its answer: closed") {
            Fd fd = connect_to(server.port());
            RawReader reader(fd.get());
            REQUIRE(send_all(fd.get(), get("/one")));
            REQUIRE(reader.response());
            CHECK(reader.closes_within(seconds(5)));
        }
        CHECK(eventually([&] { return server.stats().connections == 0; }, seconds(5)));
    }
}
