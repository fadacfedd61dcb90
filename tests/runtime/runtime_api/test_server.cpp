// Tests of the Runtime API's routes (without sockets) and of its server on 127.0.0.1.
#include "runtime/runtime_api/server.hpp"

#include "runtime/runtime_api/http_host.hpp"

#include "runtime/http/client.hpp"
#include "runtime/util/encoding.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::runtime_api;
using nlohmann::json;

namespace {

http::Request request(std::string method, std::string path, std::string body = {},
                      http::HeaderList headers = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = path;
    r.path = std::move(path);
    r.version = "HTTP/1.1";
    r.headers = std::move(headers);
    r.body = std::move(body);
    return r;
}

// The answer to `r`, or 0 as its status while there is none yet (a /next that waits).
http::Response answer(State& state, const http::Request& r) {
    auto got = std::make_shared<http::Response>();
    got->status = 0;
    handle_request(state, r, [got](http::Response response) { *got = std::move(response); });
    return *got;
}

// A state past init with the invocation "id-1" in flight.
void start_invocation(State& state) {
    auto got = std::make_shared<http::Response>();
    handle_request(state, request("GET", "/2018-06-01/runtime/invocation/next"),
                   [got](http::Response response) { *got = std::move(response); });
    Invocation invocation;
    invocation.request_id = "id-1";
    invocation.event = "{}";
    state.invoke(invocation);
    REQUIRE(got->status == 200);
    state.take_notices();
}

} // namespace

TEST_SUITE_BEGIN("runtime::runtime_api::Server");

TEST_CASE("the four endpoints are routed to the state") {
    State state;
    start_invocation(state);
    SUBCASE("a response") {
        http::Response r = answer(
            state, request("POST", "/2018-06-01/runtime/invocation/id-1/response", "\"ok\""));
        CHECK(r.status == 202);
        CHECK(r.body == R"({"status":"OK"})");
        auto notices = state.take_notices();
        REQUIRE(notices.size() == 1);
        CHECK(notices[0].kind == Notice::Kind::Response);
        CHECK(notices[0].body == "\"ok\"");
    }
    SUBCASE("an error with its type header, read without regard to case") {
        http::Response r =
            answer(state, request("POST", "/2018-06-01/runtime/invocation/id-1/error", R"({"a":1})",
                                  {{"lambda-runtime-function-error-type", "Custom.Error"}}));
        CHECK(r.status == 202);
        auto notices = state.take_notices();
        REQUIRE(notices.size() == 1);
        CHECK(notices[0].kind == Notice::Kind::Error);
        CHECK(notices[0].error_type == "Custom.Error");
        CHECK(notices[0].body == R"({"a":1})");
    }
    SUBCASE("an init error after init is refused") {
        http::Response r = answer(state, request("POST", "/2018-06-01/runtime/init/error", "{}"));
        CHECK(r.status == 403);
    }
    SUBCASE("a wrong id") {
        http::Response r =
            answer(state, request("POST", "/2018-06-01/runtime/invocation/id-2/response", "1"));
        CHECK(r.status == 400);
        CHECK(r.body == R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
    }
}

TEST_CASE("a body over 6291556 bytes is 413 and ends the invocation") {
    State state;
    start_invocation(state);
    SUBCASE("a response") {
        http::Response r =
            answer(state, request("POST", "/2018-06-01/runtime/invocation/id-1/response",
                                  std::string(k_max_response_payload + 1, 'x')));
        CHECK(r.status == 413);
        CHECK(json::parse(r.body)["errorType"] == "RequestEntityTooLarge");
    }
    SUBCASE("an error") {
        http::Response r =
            answer(state, request("POST", "/2018-06-01/runtime/invocation/id-1/error",
                                  std::string(k_max_response_payload + 1, 'x')));
        CHECK(r.status == 413);
    }
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::ResponseTooLarge);
}

TEST_CASE("a body of exactly 6291556 bytes is accepted") {
    State state;
    start_invocation(state);
    http::Response r = answer(state, request("POST", "/2018-06-01/runtime/invocation/id-1/response",
                                             std::string(k_max_response_payload, 'x')));
    CHECK(r.status == 202);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].body.size() == k_max_response_payload);
}

TEST_CASE("other paths are 404 and other methods 405") {
    State state;
    CHECK(answer(state, request("GET", "/2018-06-01/runtime/invocation")).status == 404);
    CHECK(answer(state, request("GET", "/2018-06-01/runtime/invocation/x/other")).status == 404);
    CHECK(answer(state, request("GET", "/2018-06-01/runtime/invocation//response")).status == 404);
    CHECK(answer(state, request("GET", "/2020-01-01/runtime/invocation/next")).status == 404);
    CHECK(answer(state, request("POST", "/2018-06-01/runtime/invocation/next")).status == 405);
    CHECK(answer(state, request("GET", "/2018-06-01/runtime/init/error")).status == 405);
    CHECK(answer(state, request("GET", "/2018-06-01/runtime/invocation/x/response")).status == 405);
    CHECK_FALSE(state.has_notices());
}

TEST_CASE("the host answers a runtime over HTTP on 127.0.0.1 and signals its notices") {
    loop::EventLoop loop;
    auto host = std::make_unique<HttpHost>(loop);
    int notified = 0;
    std::unique_ptr<Endpoint> endpoint = host->open(Fd(), [&notified] { ++notified; });
    std::smatch m;
    const std::string address = endpoint->address();
    REQUIRE(std::regex_match(address, m, std::regex(R"(127\.0\.0\.1:(\d+))")));
    const int port = std::stoi(m[1].str());
    CHECK(port > 0);
    auto run_until = [&loop](const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        loop::Timer bound(loop);
        bound.repeat(std::chrono::milliseconds(10), [] {});
        loop.run_until([&] { return done() || std::chrono::steady_clock::now() > deadline; });
        REQUIRE(done());
    };

    // The runtime: a client on a thread of its own, as a bootstrap is a process of its own.
    http::Client client("127.0.0.1", port);
    auto next = std::async(std::launch::async, [&client] {
        return client.request("GET", "/2018-06-01/runtime/invocation/next");
    });
    run_until([&] { return notified > 0; });
    auto notices = endpoint->state().take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Ready);

    Invocation invocation;
    invocation.request_id = "0d9a4d3c-5b5e-4c1e-9a39-6b0d7e0b3a51";
    invocation.event = R"({"over":"http"})";
    invocation.deadline_ms = 1700000000123;
    invocation.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
    invocation.trace_id =
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";
    endpoint->state().invoke(invocation);
    run_until([&] { return next.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    http::Response got = next.get();
    CHECK(got.status == 200);
    CHECK(got.body == R"({"over":"http"})");
    REQUIRE(got.header("lambda-runtime-aws-request-id") != nullptr);
    CHECK(*got.header("lambda-runtime-aws-request-id") == invocation.request_id);
    REQUIRE(got.header("Lambda-Runtime-Deadline-Ms") != nullptr);
    CHECK(*got.header("Lambda-Runtime-Deadline-Ms") == "1700000000123");

    auto posted = std::async(std::launch::async, [&client, &invocation] {
        return client.request(
            "POST", "/2018-06-01/runtime/invocation/" + invocation.request_id + "/response", {},
            R"({"answer":42})");
    });
    run_until(
        [&] { return posted.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    http::Response answered = posted.get();
    CHECK(answered.status == 202);
    CHECK(answered.body == R"({"status":"OK"})");
    notices = endpoint->state().take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Response);
    CHECK(notices[0].body == R"({"answer":42})");

    // A /next still waiting when the endpoint goes is answered 500.
    auto waiting = std::async(std::launch::async, [&client] {
        return client.request("GET", "/2018-06-01/runtime/invocation/next");
    });
    run_until([&] { return endpoint->state().waiting(); });
    endpoint.reset();
    run_until(
        [&] { return waiting.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    CHECK(waiting.get().status == 500);
    host.reset();
}

namespace {

// A raw connection to 127.0.0.1:port, for a runtime that sends its body in pieces.
class RawRuntime {
  public:
    explicit RawRuntime(int port) : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(m_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        timeval bound{20, 0};
        ::setsockopt(m_fd.get(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    }
    bool send(std::string_view bytes) {
        return ::send(m_fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // The next response's head and Content-Length body, as text ("" when none came).
    std::string response() {
        std::size_t end;
        while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) {
                return {};
            }
        }
        std::string head = m_buffer.substr(0, end + 4);
        m_buffer.erase(0, end + 4);
        std::smatch m;
        std::size_t length = 0;
        if (std::regex_search(head, m, std::regex("Content-Length: (\\d+)", std::regex::icase))) {
            length = std::stoul(m[1].str());
        }
        while (m_buffer.size() < length) {
            if (!fill()) {
                return {};
            }
        }
        std::string body = m_buffer.substr(0, length);
        m_buffer.erase(0, length);
        return head + body;
    }

  private:
    bool fill() {
        char chunk[4096];
        ssize_t n = ::recv(m_fd.get(), chunk, sizeof chunk, 0);
        if (n <= 0) {
            return false;
        }
        m_buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    Fd m_fd;
    std::string m_buffer;
};

} // namespace

TEST_CASE("a streamed /response over HTTP: its pieces reach the receiver before its end") {
    loop::EventLoop loop;
    auto host = std::make_unique<HttpHost>(loop);
    std::unique_ptr<Endpoint> endpoint = host->open(Fd(), [] {});
    const std::string address = endpoint->address();
    const int port = std::stoi(address.substr(address.rfind(':') + 1));
    std::string began;
    std::string received;
    State& state = endpoint->state();
    state.receive_streams({[&](std::string_view id, std::string_view type) {
                               began = std::string(id) + "|" + std::string(type);
                           },
                           [&](std::string_view bytes) {
                               received.append(bytes);
                               return true;
                           }});
    auto run_until = [&loop](const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        loop::Timer bound(loop);
        bound.repeat(std::chrono::milliseconds(10), [] {});
        loop.run_until([&] { return done() || std::chrono::steady_clock::now() > deadline; });
        REQUIRE(done());
    };

    RawRuntime runtime(port);
    auto next = std::async(std::launch::async, [&runtime] {
        runtime.send("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: api\r\n\r\n");
        return runtime.response();
    });
    run_until([&] { return state.has_notices(); });
    Invocation invocation;
    invocation.request_id = "id-7";
    invocation.event = "{}";
    state.invoke(invocation);
    run_until([&] { return next.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    CHECK(next.get().starts_with("HTTP/1.1 200"));
    state.take_notices();

    const std::string head =
        "POST /2018-06-01/runtime/invocation/id-7/response HTTP/1.1\r\nHost: api\r\n"
        "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: text/event-stream\r\nTrailer: Lambda-Runtime-Function-Error-Type, "
        "Lambda-Runtime-Function-Error-Body\r\n\r\n";
    REQUIRE(runtime.send(head + "6\r\nfirst \r\n"));
    // The body has not ended: the piece came as it arrived.
    run_until([&] { return received == "first "; });
    CHECK(began == "id-7|text/event-stream");
    CHECK(state.streaming());
    // /error on another connection while the stream runs: refused.
    http::Client other("127.0.0.1", port);
    auto refused = std::async(std::launch::async, [&other] {
        return other.request("POST", "/2018-06-01/runtime/invocation/id-7/error", {}, "{}");
    });
    run_until(
        [&] { return refused.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    http::Response error = refused.get();
    CHECK(error.status == 403);
    CHECK(json::parse(error.body)["errorType"] == "InvalidStateTransition");

    const std::string error_json = R"({"errorType":"Midway","errorMessage":"gone wrong"})";
    auto ended = std::async(std::launch::async, [&] {
        runtime.send("4\r\nmore\r\n0\r\nLambda-Runtime-Function-Error-Type: Midway\r\n"
                     "Lambda-Runtime-Function-Error-Body: " +
                     base64_encode(error_json) + "\r\n\r\n");
        return runtime.response();
    });
    run_until([&] { return ended.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    CHECK(ended.get().starts_with("HTTP/1.1 202"));
    CHECK(received == "first more");
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 2);
    CHECK(notices[0].kind == Notice::Kind::StreamStarted);
    CHECK(notices[1].kind == Notice::Kind::StreamError);
    CHECK(notices[1].error_type == "Midway");
    CHECK(notices[1].body == error_json);
    endpoint.reset();
    host.reset();
}

TEST_CASE("a streamed /response that is refused, or that came whole, is answered by the routes") {
    State state;
    const http::HeaderList streaming = {{"Lambda-Runtime-Function-Response-Mode", "streaming"}};
    // Before an invocation: the head is not taken as a stream, and the whole request is 403.
    CHECK_FALSE(begin_streamed_response(
        state, request("POST", "/2018-06-01/runtime/invocation/id-1/response", {}, streaming), {}));
    CHECK(answer(state,
                 request("POST", "/2018-06-01/runtime/invocation/id-1/response", "x", streaming))
              .status == 403);
    start_invocation(state);
    // A streamed /response that came whole: begun and ended at once, its body gathered.
    http::Response whole = answer(
        state, request("POST", "/2018-06-01/runtime/invocation/id-1/response", "all", streaming));
    CHECK(whole.status == 202);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 2);
    CHECK(notices[1].kind == Notice::Kind::StreamEnded);
    CHECK(notices[1].body == "all");
}

TEST_SUITE_END();
