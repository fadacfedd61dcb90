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
