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
#include <utility>

using lambda_local::Error;
namespace http = lambda_local::runtime::http;
namespace loop = lambda_local::runtime::loop;

namespace {

// A LoopServer echoing "METHOD target|query|body|X-Test". Its loop runs on the test's own thread
// and the client on another: h2o keeps freed buffers in per-thread free lists, which a thread
// that served with h2o leaves behind (a leak, to LeakSanitizer) when it ends.
class EchoServer {
  public:
    explicit EchoServer(std::chrono::milliseconds idle_timeout = std::chrono::seconds(60))
        : m_server(m_loop.uv(), options(idle_timeout),
                   [this](http::Request request, http::Responder responder) {
                       ++served;
                       const std::string* test = request.header("x-test");
                       responder.respond({200,
                                          {{"Content-Type", "text/plain"}},
                                          request.method + " " + request.target + "|" +
                                              request.query + "|" + request.body + "|" +
                                              (test ? *test : "-")});
                   }) {
        m_server.listen();
    }

    int port() const { return m_server.port(); }

    // Serves until `client`, run on a thread of its own, returns; then returns what it returned
    // (or throws what it threw).
    template <class Client> auto while_serving(Client client) -> decltype(client()) {
        std::atomic<bool> done{false};
        auto result = std::async(std::launch::async, [&] {
            struct Wake {
                std::atomic<bool>& done;
                loop::EventLoop& loop;
                ~Wake() {
                    done = true;
                    loop.post([] {});
                }
            } wake{done, m_loop};
            return client();
        });
        m_loop.run_until([&] { return done.load(); });
        return result.get();
    }

    int served = 0; // touched on the loop's thread only

  private:
    static http::LoopServerOptions options(std::chrono::milliseconds idle_timeout) {
        http::LoopServerOptions options;
        options.idle_timeout = idle_timeout;
        return options;
    }

    loop::EventLoop m_loop;
    http::LoopServer m_server;
};

} // namespace

TEST_SUITE("runtime::http::Client") {

    TEST_CASE("the client sends a request with its body and reads the answer, kept alive") {
        EchoServer server;
        auto [first, second] = server.while_serving([port = server.port()] {
            http::Client client("127.0.0.1", port);
            http::Response first = client.request("POST", "/a?x=1", {{"X-Test", "yes"}}, "body");
            http::Response second = client.request("GET", "/b");
            return std::pair(first, second);
        });
        CHECK(first.status == 200);
        CHECK(first.body == "POST /a?x=1|x=1|body|yes");
        CHECK(second.body == "GET /b|||-");
        CHECK(server.served == 2);
    }

    TEST_CASE("the client reconnects when the server closed the kept-alive connection") {
        EchoServer server(std::chrono::milliseconds(100));
        auto [first, second] = server.while_serving([port = server.port()] {
            http::Client client("127.0.0.1", port);
            http::Response first = client.request("GET", "/1");
            std::this_thread::sleep_for(std::chrono::milliseconds(400)); // the server closes it
            http::Response second = client.request("GET", "/2");
            return std::pair(first, second);
        });
        CHECK(first.status == 200);
        CHECK(second.body == "GET /2|||-");
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
