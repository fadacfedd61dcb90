// Tests of LoopServer (HTTP/1.1 on libh2o and libuv) over real sockets on 127.0.0.1.
#include "runtime/http/loop_server.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/http/loop_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using lambda_local::Error;
using lambda_local::Fd;
using namespace lambda_local::testing;

namespace {

using std::chrono::seconds;

// Answers "METHOD path|query|body|x-test|remote ip".
void echo(http::Request request, http::Responder responder) {
    const std::string* test = request.header("x-test");
    http::Response response;
    response.headers = {{"Content-Type", "text/plain"}, {"X-Version", request.version}};
    response.body = request.method + " " + request.path + "|" + request.query + "|" + request.body +
                    "|" + (test ? *test : "-") + "|" + request.remote_ip;
    responder.respond(std::move(response));
}

http::Response text(std::string body, int status = 200) {
    http::Response response;
    response.status = status;
    response.headers = {{"Content-Type", "text/plain"}};
    response.body = std::move(body);
    return response;
}

std::string get(std::string_view path, std::string_view extra = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

std::string post(std::string_view path, std::string_view body) {
    return "POST " + std::string(path) +
           " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + std::string(body);
}

// Times one GET on a new connection; a failed one counts as a minute.
milliseconds time_get(int port) {
    auto started = Clock::now();
    auto response = round_trip(port, get("/"), seconds(5));
    if (!response || response->status != 200) {
        return milliseconds(60000);
    }
    return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
}

// Waits (bounded) until `condition` holds.
template <class Condition> bool eventually(Condition condition, milliseconds limit) {
    auto deadline = Clock::now() + limit;
    while (!condition()) {
        if (Clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
}

// A handler that counts its calls and answers with the path.
struct Recorder {
    std::mutex mutex;
    std::vector<std::string> paths;

    http::Handler handler() {
        return [this](http::Request request, http::Responder responder) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                paths.push_back(request.path);
            }
            responder.respond(text(request.path));
        };
    }
    std::vector<std::string> seen() {
        std::lock_guard<std::mutex> lock(mutex);
        return paths;
    }
};

} // namespace

TEST_SUITE("runtime::http::LoopServer") {

    TEST_CASE("a GET and a POST from cpp-httplib are answered, with the request as sent") {
        ServerThread server;
        server.start(echo);
        httplib::Client client("127.0.0.1", server.port());
        auto got = client.Get("/hello?x=1&y=%20", {{"X-Test", "yes"}});
        REQUIRE(got);
        CHECK(got->status == 200);
        CHECK(got->body == "GET /hello|x=1&y=%20||yes|127.0.0.1");
        CHECK(got->get_header_value("X-Version") == "HTTP/1.1");
        CHECK(got->get_header_value("Content-Type") == "text/plain");
        auto posted = client.Post("/items", "a payload", "application/json");
        REQUIRE(posted);
        CHECK(posted->body == "POST /items||a payload|-|127.0.0.1");
    }

    TEST_CASE("the headers reach the handler in arrival order, spelt as sent") {
        ServerThread server;
        http::HeaderList seen;
        server.start([&](http::Request request, http::Responder responder) {
            seen = request.headers;
            responder.respond(text("ok"));
        });
        auto response =
            round_trip(server.port(), "POST /h HTTP/1.1\r\nhost: test\r\nX-B: 2\r\nX-A: 1\r\n"
                                      "X-B: 3\r\nContent-Length: 2\r\n\r\nhi");
        REQUIRE(response);
        CHECK(seen == http::HeaderList{{"host", "test"},
                                       {"X-B", "2"},
                                       {"X-A", "1"},
                                       {"X-B", "3"},
                                       {"Content-Length", "2"}});
    }

    TEST_CASE("HEAD gets the Content-Length without the body, and 204 and 304 get neither") {
        ServerThread server;
        server.start([](http::Request request, http::Responder responder) {
            int status = request.path == "/none" ? 204 : request.path == "/same" ? 304 : 200;
            responder.respond(text("twelve bytes", status));
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n"));
        auto head = reader.response(seconds(5), true);
        REQUIRE(head);
        CHECK(head->status == 200);
        CHECK(*head->header("Content-Length") == "12");
        REQUIRE(send_all(fd.get(), get("/none") + get("/same") + get("/")));
        auto none = reader.response();
        auto same = reader.response();
        auto full = reader.response();
        REQUIRE(none);
        REQUIRE(same);
        REQUIRE(full);
        CHECK(none->status == 204);
        CHECK(none->header("Content-Length") == nullptr);
        CHECK(same->status == 304);
        CHECK(full->body == "twelve bytes");
    }

    TEST_CASE("requests on one kept-alive connection are answered one after the other") {
        ServerThread server;
        server.start(echo);
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        for (int i = 0; i < 3; ++i) {
            REQUIRE(send_all(fd.get(), post("/n" + std::to_string(i), "body")));
            auto response = reader.response();
            REQUIRE(response);
            CHECK(response->body == "POST /n" + std::to_string(i) + "||body|-|127.0.0.1");
            CHECK(*response->header("Connection") == "keep-alive");
        }
        auto stats = server.stats();
        CHECK(stats.connections == 1);
        CHECK(stats.requests == 3);
    }

    TEST_CASE("pipelined requests are answered in order, a slow first one included") {
        ServerThread server;
        server.start([&](http::Request request, http::Responder responder) {
            if (request.path == "/slow") {
                after(server.loop(), milliseconds(300),
                      [responder]() mutable { responder.respond(text("slow")); });
                return;
            }
            responder.respond(text(request.path + ":" + request.body));
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), get("/slow") + post("/b", "body") + get("/c") + "\r\n" +
                                       get("/after-an-empty-line")));
        std::vector<std::string> bodies;
        for (int i = 0; i < 4; ++i) {
            auto response = reader.response();
            REQUIRE(response);
            bodies.push_back(response->body);
        }
        CHECK(bodies ==
              std::vector<std::string>{"slow", "/b:body", "/c:", "/after-an-empty-line:"});
    }

    TEST_CASE("an answer given later, from a timer on the loop, reaches the client") {
        ServerThread server;
        server.start([&](http::Request, http::Responder responder) {
            after(server.loop(), milliseconds(200),
                  [responder]() mutable { responder.respond(text("later")); });
        });
        httplib::Client client("127.0.0.1", server.port());
        auto got = client.Get("/");
        REQUIRE(got);
        CHECK(got->status == 200);
        CHECK(got->body == "later");
    }

    TEST_CASE("a request left unanswered by its handler gets 500, and a throwing handler too") {
        ServerThread server;
        server.start([](http::Request request, http::Responder) {
            if (request.path == "/throw") {
                throw Error("the handler failed");
            }
        });
        auto dropped = round_trip(server.port(), get("/drop"));
        auto thrown = round_trip(server.port(), get("/throw"));
        REQUIRE(dropped);
        REQUIRE(thrown);
        CHECK(dropped->status == 500);
        CHECK(thrown->status == 500);
    }

    TEST_CASE("a streamed answer reaches the client chunk by chunk, before the last is written") {
        ServerThread server;
        std::shared_ptr<http::Responder> held;
        std::atomic<bool> last_written{false};
        server.start([&](http::Request request, http::Responder responder) {
            if (request.path == "/again") {
                responder.respond(text("again"));
                return;
            }
            responder.start(200, {{"Content-Type", "text/plain"}, {"Trailer", "X-Checksum"}});
            responder.write("first chunk;");
            held = std::make_shared<http::Responder>(std::move(responder));
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), get("/stream")));
        REQUIRE(reader.wait_for("first chunk;", seconds(5)));
        CHECK_FALSE(last_written.load());
        server.call([&] {
            last_written = true;
            held->write(std::string("binary\0bytes", 12));
            held->finish({{"X-Checksum", "42"}});
            held.reset();
        });
        auto response = reader.response();
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->chunked);
        CHECK(response->body == std::string("first chunk;binary\0bytes", 24));
        CHECK(response->trailers == http::HeaderList{{"X-Checksum", "42"}});
        // The connection stays usable after a stream.
        REQUIRE(send_all(fd.get(), get("/again")));
        auto again = reader.response();
        REQUIRE(again);
        CHECK(again->body == "again");
    }

    TEST_CASE("write() says when the client's buffer is full, and on_drain when it was read") {
        http::LoopServerOptions options;
        options.stream_buffer = 64 * 1024;
        ServerThread server(options);
        static constexpr std::size_t k_total = 16 * 1024 * 1024;
        std::atomic<int> full{0};
        std::atomic<int> drained{0};
        struct Pump {
            http::Responder responder;
            std::size_t written = 0;
        };
        server.start([&](http::Request, http::Responder responder) {
            auto pump = std::make_shared<Pump>();
            pump->responder = std::move(responder);
            pump->responder.start(200, {});
            auto go = [&, weak = std::weak_ptr<Pump>(pump)] {
                auto self = weak.lock();
                if (!self) {
                    return;
                }
                std::string chunk(16 * 1024, 'z');
                while (self->written < k_total) {
                    self->written += chunk.size();
                    if (!self->responder.write(chunk)) {
                        ++full;
                        return;
                    }
                }
                self->responder.finish();
            };
            pump->responder.on_drain([&drained, go, pump] {
                ++drained;
                go();
            });
            go();
        });
        Fd fd = connect_to(server.port(), 16 * 1024);
        REQUIRE(send_all(fd.get(), get("/big")));
        REQUIRE(eventually([&] { return full.load() > 0; }, seconds(10)));
        // The socket's buffers fill up; then, with nothing read, nothing drains.
        int stuck = -1;
        REQUIRE(eventually(
            [&] {
                int now = drained.load();
                std::this_thread::sleep_for(milliseconds(300));
                stuck = now;
                return drained.load() == now;
            },
            seconds(20)));
        std::this_thread::sleep_for(milliseconds(300));
        CHECK(drained.load() == stuck);
        CHECK(full.load() == stuck + 1);
        RawReader reader(fd.get());
        auto response = reader.response(seconds(30));
        REQUIRE(response);
        CHECK(response->body.size() == k_total);
        CHECK(drained.load() > stuck);
        CHECK(full.load() == drained.load());
    }

    TEST_CASE("a client that goes away mid-stream: the responder learns it, the server goes on") {
        ServerThread server;
        std::atomic<bool> gone{false};
        std::atomic<int> writes_after{0};
        server.start([&](http::Request request, http::Responder responder) {
            if (request.path != "/stream") {
                responder.respond(text("still here"));
                return;
            }
            responder.start(200, {});
            responder.write("hello;");
            responder.on_gone([&] { gone = true; });
            auto tick = std::make_shared<std::function<void()>>();
            *tick = [&, responder, tick]() mutable {
                if (responder.gone()) {
                    writes_after += responder.write("ignored") ? 1 : 0;
                    *tick = nullptr; // ends the cycle
                    return;
                }
                responder.write(std::string(1024, 'x'));
                after(server.loop(), milliseconds(20), [tick] {
                    if (*tick) {
                        (*tick)();
                    }
                });
            };
            (*tick)();
        });
        {
            Fd fd = connect_to(server.port());
            RawReader reader(fd.get());
            REQUIRE(send_all(fd.get(), get("/stream")));
            REQUIRE(reader.wait_for("hello;", seconds(5)));
        } // closed
        REQUIRE(eventually([&] { return gone.load(); }, seconds(10)));
        std::this_thread::sleep_for(milliseconds(100));
        CHECK(writes_after.load() == 0);
        auto response = round_trip(server.port(), get("/other"));
        REQUIRE(response);
        CHECK(response->body == "still here");
        CHECK(eventually([&] { return server.stats().connections == 0; }, seconds(5)));
    }

    TEST_CASE("an answer to a client that has gone does no harm") {
        ServerThread server;
        std::atomic<int> answered{0};
        server.start([&](http::Request, http::Responder responder) {
            after(server.loop(), milliseconds(300), [&, responder]() mutable {
                responder.respond(text("too late"));
                ++answered;
            });
        });
        {
            Fd fd = connect_to(server.port());
            REQUIRE(send_all(fd.get(), get("/")));
        }
        REQUIRE(eventually([&] { return answered.load() == 1; }, seconds(5)));
        CHECK(eventually([&] { return server.stats().connections == 0; }, seconds(5)));
        CHECK(time_get(server.port()) < seconds(5));
    }

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
        REQUIRE(eventually([&] { return server.stats().requests >= k_clients; }, seconds(20)));
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

    TEST_CASE("an HTTP/1.0 client gets a streamed answer raw, ended by the connection's close") {
        ServerThread server;
        server.start([](http::Request, http::Responder responder) {
            responder.start(200, {{"Content-Type", "text/plain"}});
            responder.write("one,");
            responder.write("two");
            responder.finish({{"X-Ignored", "trailer"}});
        });
        auto response = round_trip(server.port(), "GET / HTTP/1.0\r\n\r\n");
        REQUIRE(response);
        CHECK_FALSE(response->chunked);
        CHECK(response->body == "one,two");
    }

    TEST_CASE("abort() ends a stream without its last chunk") {
        ServerThread server;
        server.start([](http::Request, http::Responder responder) {
            responder.start(200, {});
            responder.write("partial");
            responder.abort();
        });
        Fd fd = connect_to(server.port());
        RawReader reader(fd.get());
        REQUIRE(send_all(fd.get(), get("/")));
        REQUIRE(reader.wait_for("partial", seconds(5)));
        CHECK(reader.closes_within(seconds(5)));
        CHECK(reader.buffered().find("partial") != std::string::npos);
        CHECK(reader.buffered().find("0\r\n\r\n") == std::string::npos);
    }

    TEST_CASE("stop() answers requests in flight and closes everything within its bound") {
        REQUIRE(raise_open_files(4096));
        http::LoopServerOptions options;
        options.stop_timeout = seconds(1);
        ServerThread server(options);
        std::vector<http::Responder> never;
        server.start([&](http::Request request, http::Responder responder) {
            if (request.path == "/late") {
                after(server.loop(), milliseconds(300),
                      [responder]() mutable { responder.respond(text("late")); });
            } else if (request.path == "/never") {
                never.push_back(std::move(responder));
            } else {
                responder.respond(text(std::string(4 * 1024 * 1024, 'b')));
            }
        });
        std::vector<Fd> idle, slow, readless;
        for (int i = 0; i < 20; ++i) {
            idle.push_back(connect_to(server.port()));
            slow.push_back(connect_to(server.port()));
            send_all(slow.back().get(), "GET / HTTP/1.1\r\nHo");
        }
        for (int i = 0; i < 10; ++i) {
            readless.push_back(connect_to(server.port(), 4096));
            send_all(readless.back().get(), get("/big"));
        }
        Fd never_fd = connect_to(server.port());
        REQUIRE(send_all(never_fd.get(), get("/never")));
        REQUIRE(eventually([&] { return server.stats().requests >= 11; }, seconds(10)));
        Fd late_fd = connect_to(server.port());
        REQUIRE(send_all(late_fd.get(), get("/late")));
        REQUIRE(eventually([&] { return server.stats().requests >= 12; }, seconds(10)));

        milliseconds took = server.stop();
        MESSAGE("stopped in ", took.count(), " ms");
        CHECK(took < options.stop_timeout + seconds(2));
        RawReader late(late_fd.get());
        auto answered = late.response(seconds(5));
        REQUIRE(answered);
        CHECK(answered->body == "late");
        CHECK(*answered->header("Connection") == "close");
        RawReader unanswered(never_fd.get());
        auto refused = unanswered.response(seconds(5));
        REQUIRE(refused);
        CHECK(refused->status == 503);
        REQUIRE(never.size() == 1);
        CHECK(never[0].gone()); // its responder learnt it (the loop has ended: no race)
        for (Fd& fd : idle) {
            RawReader reader(fd.get());
            CHECK(reader.closes_within(seconds(5)));
        }
        for (Fd& fd : slow) {
            RawReader reader(fd.get());
            auto response = reader.response(seconds(5));
            CHECK((response && response->status == 503));
        }
    }

    TEST_CASE("once stopped, the server leaves nothing that keeps its loop running") {
        uv_loop_t loop;
        uv_loop_init(&loop);
        // A way to end a loop that would not end, which does not keep it running itself.
        uv_async_t rescue;
        uv_async_init(&loop, &rescue, [](uv_async_t* async) { uv_stop(async->loop); });
        uv_unref(reinterpret_cast<uv_handle_t*>(&rescue));
        std::unique_ptr<http::LoopServer> server;
        server = std::make_unique<http::LoopServer>(
            &loop, http::LoopServerOptions{}, [&](http::Request, http::Responder responder) {
                server->stop(); // the answer after it says `Connection: close`
                responder.respond(text("last"));
            });
        server->listen();
        int port = server->port();
        auto ran = std::async(std::launch::async, [&] { uv_run(&loop, UV_RUN_DEFAULT); });
        Fd fd = connect_to(port); // kept open: stop() closes it
        REQUIRE(send_all(fd.get(), get("/")));
        RawReader reader(fd.get());
        auto response = reader.response();
        REQUIRE(response);
        CHECK(*response->header("Connection") == "close");
        bool ended = ran.wait_for(seconds(10)) == std::future_status::ready;
        CHECK(ended);
        if (!ended) {
            uv_async_send(&rescue);
            ran.wait();
        }
        server.reset();
        uv_close(reinterpret_cast<uv_handle_t*>(&rescue), nullptr);
        uv_run(&loop, UV_RUN_DEFAULT);
        CHECK(uv_loop_close(&loop) == 0);
    }

    TEST_CASE("a listening socket made elsewhere is served, and a busy port is an error") {
        Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener.get(), 16) == 0);
        socklen_t length = sizeof address;
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
        int port = ntohs(address.sin_port);

        ServerThread server;
        server.start(echo, std::move(listener));
        CHECK(server.port() == port);
        auto response = round_trip(port, get("/handed"));
        REQUIRE(response);
        CHECK(response->body == "GET /handed|||-|127.0.0.1");

        http::LoopServerOptions busy;
        busy.port = port;
        ServerThread second(busy);
        CHECK_THROWS_WITH_AS(second.start(echo),
                             ("cannot listen on 127.0.0.1:" + std::to_string(port) +
                              ": bind failed: Address already in use")
                                 .c_str(),
                             Error);
    }
}
