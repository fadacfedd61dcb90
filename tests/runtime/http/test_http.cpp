// Tests of lambda-local's own HTTP/1.1 client (what lambda-local-bootstrap speaks the Runtime
// API with), against the LoopServer of `serve` on 127.0.0.1.
#include "runtime/http/client.hpp"
#include "runtime/http/loop_server.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

using lambda_local::Error;
namespace http = lambda_local::runtime::http;
namespace loop = lambda_local::runtime::loop;

namespace {

// A LoopServer echoing "METHOD target|query|body|X-Test", on a loop of a thread of its own.
class EchoServer {
  public:
    explicit EchoServer(std::chrono::milliseconds idle_timeout = std::chrono::seconds(60)) {
        std::promise<int> listening;
        auto port = listening.get_future();
        m_thread = std::thread([this, idle_timeout, &listening] {
            loop::EventLoop event_loop;
            m_loop = &event_loop;
            http::LoopServerOptions options;
            options.idle_timeout = idle_timeout;
            {
                http::LoopServer server(event_loop.uv(), options,
                                        [this](http::Request request, http::Responder responder) {
                                            ++served;
                                            const std::string* test = request.header("x-test");
                                            responder.respond(
                                                {200,
                                                 {{"Content-Type", "text/plain"}},
                                                 request.method + " " + request.target + "|" +
                                                     request.query + "|" + request.body + "|" +
                                                     (test ? *test : "-")});
                                        });
                server.listen();
                listening.set_value(server.port());
                event_loop.run_until([this] { return m_stop.load(); });
                server.stop();
            }
        });
        m_port = port.get();
    }
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;
    ~EchoServer() {
        m_stop = true;
        m_loop->post([] {});
        m_thread.join();
    }
    int port() const { return m_port; }
    std::atomic<int> served{0};

  private:
    std::atomic<bool> m_stop{false};
    loop::EventLoop* m_loop = nullptr;
    int m_port = 0;
    std::thread m_thread;
};

} // namespace

TEST_SUITE("runtime::http::Client") {

    TEST_CASE("the client sends a request with its body and reads the answer, kept alive") {
        EchoServer server;
        http::Client client("127.0.0.1", server.port());
        http::Response first = client.request("POST", "/a?x=1", {{"X-Test", "yes"}}, "body");
        CHECK(first.status == 200);
        CHECK(first.body == "POST /a?x=1|x=1|body|yes");
        http::Response second = client.request("GET", "/b");
        CHECK(second.body == "GET /b|||-");
        CHECK(server.served == 2);
    }

    TEST_CASE("the client reconnects when the server closed the kept-alive connection") {
        EchoServer server(std::chrono::milliseconds(100));
        http::Client client("127.0.0.1", server.port());
        CHECK(client.request("GET", "/1").status == 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(400)); // the server closes it
        CHECK(client.request("GET", "/2").body == "GET /2|||-");
        CHECK(server.served == 2);
    }

    TEST_CASE("a server that cannot be reached is a lambda_local::Error that says where") {
        int port = 0;
        {
            EchoServer gone;
            port = gone.port();
        }
        http::Client client("127.0.0.1", port);
        CHECK_THROWS_WITH_AS(
            client.request("GET", "/"),
            ("127.0.0.1:" + std::to_string(port) + ": connect failed: Connection refused").c_str(),
            Error);
    }

} // TEST_SUITE
