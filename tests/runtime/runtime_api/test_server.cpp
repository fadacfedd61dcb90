// Tests of the Runtime API's routes (without sockets) and of its server on 127.0.0.1.
#include "runtime/runtime_api/server.hpp"

#include "runtime/http/client.hpp"

#include <doctest/doctest.h>

#include <poll.h>

#include <chrono>
#include <future>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

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

// A state past init with the invocation "id-1" in flight.
void start_invocation(State& state) {
    auto next = std::async(std::launch::async, [&state] {
        return handle_request(state, request("GET", "/2018-06-01/runtime/invocation/next"));
    });
    Invocation invocation;
    invocation.request_id = "id-1";
    invocation.event = "{}";
    state.invoke(invocation);
    REQUIRE(next.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    REQUIRE(next.get().status == 200);
    state.take_notices();
}

// Waits up to 10 s for `fd` to be readable.
bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 10000) == 1;
}

} // namespace

TEST_SUITE_BEGIN("runtime::runtime_api::Server");

TEST_CASE("the four endpoints are routed to the state") {
    State state;
    start_invocation(state);
    SUBCASE("a response") {
        http::Response r = handle_request(
            state, request("POST", "/2018-06-01/runtime/invocation/id-1/response", "\"ok\""));
        CHECK(r.status == 202);
        CHECK(r.body == R"({"status":"OK"})");
        auto notices = state.take_notices();
        REQUIRE(notices.size() == 1);
        CHECK(notices[0].kind == Notice::Kind::Response);
        CHECK(notices[0].body == "\"ok\"");
    }
    SUBCASE("an error with its type header, read without regard to case") {
        http::Response r = handle_request(
            state, request("POST", "/2018-06-01/runtime/invocation/id-1/error", R"({"a":1})",
                           {{"lambda-runtime-function-error-type", "Custom.Error"}}));
        CHECK(r.status == 202);
        auto notices = state.take_notices();
        REQUIRE(notices.size() == 1);
        CHECK(notices[0].kind == Notice::Kind::Error);
        CHECK(notices[0].error_type == "Custom.Error");
        CHECK(notices[0].body == R"({"a":1})");
    }
    SUBCASE("an init error after init is refused") {
        http::Response r =
            handle_request(state, request("POST", "/2018-06-01/runtime/init/error", "{}"));
        CHECK(r.status == 403);
    }
    SUBCASE("a wrong id") {
        http::Response r = handle_request(
            state, request("POST", "/2018-06-01/runtime/invocation/id-2/response", "1"));
        CHECK(r.status == 400);
        CHECK(r.body == R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
    }
}

TEST_CASE("a body over 6291556 bytes is 413 and ends the invocation") {
    State state;
    start_invocation(state);
    SUBCASE("a response") {
        http::Response r =
            handle_request(state, request("POST", "/2018-06-01/runtime/invocation/id-1/response",
                                          std::string(k_max_payload + 1, 'x')));
        CHECK(r.status == 413);
        CHECK(json::parse(r.body)["errorType"] == "RequestEntityTooLarge");
    }
    SUBCASE("an error") {
        http::Response r =
            handle_request(state, request("POST", "/2018-06-01/runtime/invocation/id-1/error",
                                          std::string(k_max_payload + 1, 'x')));
        CHECK(r.status == 413);
    }
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::ResponseTooLarge);
}

TEST_CASE("a body of exactly 6291556 bytes is accepted") {
    State state;
    start_invocation(state);
    http::Response r =
        handle_request(state, request("POST", "/2018-06-01/runtime/invocation/id-1/response",
                                      std::string(k_max_payload, 'x')));
    CHECK(r.status == 202);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].body.size() == k_max_payload);
}

TEST_CASE("other paths are 404 and other methods 405") {
    State state;
    CHECK(handle_request(state, request("GET", "/2018-06-01/runtime/invocation")).status == 404);
    CHECK(handle_request(state, request("GET", "/2018-06-01/runtime/invocation/x/other")).status ==
          404);
    CHECK(
        handle_request(state, request("GET", "/2018-06-01/runtime/invocation//response")).status ==
        404);
    CHECK(handle_request(state, request("GET", "/2020-01-01/runtime/invocation/next")).status ==
          404);
    CHECK(handle_request(state, request("POST", "/2018-06-01/runtime/invocation/next")).status ==
          405);
    CHECK(handle_request(state, request("GET", "/2018-06-01/runtime/init/error")).status == 405);
    CHECK(
        handle_request(state, request("GET", "/2018-06-01/runtime/invocation/x/response")).status ==
        405);
    CHECK_FALSE(state.has_notices());
}

TEST_CASE("the server answers a runtime over HTTP on 127.0.0.1 and signals its notices") {
    Server server;
    std::smatch m;
    const std::string address = server.address();
    REQUIRE(std::regex_match(address, m, std::regex(R"(127\.0\.0\.1:(\d+))")));
    const int port = std::stoi(m[1].str());
    CHECK(port > 0);

    http::Client client("127.0.0.1", port);
    auto next = std::async(std::launch::async, [&client] {
        return client.request("GET", "/2018-06-01/runtime/invocation/next");
    });
    REQUIRE(readable(server.notify_fd()));
    server.clear_notify();
    auto notices = server.state().take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Ready);

    Invocation invocation;
    invocation.request_id = "0d9a4d3c-5b5e-4c1e-9a39-6b0d7e0b3a51";
    invocation.event = R"({"over":"http"})";
    invocation.deadline_ms = 1700000000123;
    invocation.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
    invocation.trace_id =
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";
    server.state().invoke(invocation);
    REQUIRE(next.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    http::Response got = next.get();
    CHECK(got.status == 200);
    CHECK(got.body == R"({"over":"http"})");
    REQUIRE(got.header("lambda-runtime-aws-request-id") != nullptr);
    CHECK(*got.header("lambda-runtime-aws-request-id") == invocation.request_id);
    REQUIRE(got.header("Lambda-Runtime-Deadline-Ms") != nullptr);
    CHECK(*got.header("Lambda-Runtime-Deadline-Ms") == "1700000000123");

    http::Response posted = client.request(
        "POST", "/2018-06-01/runtime/invocation/" + invocation.request_id + "/response", {},
        R"({"answer":42})");
    CHECK(posted.status == 202);
    CHECK(posted.body == R"({"status":"OK"})");
    REQUIRE(readable(server.notify_fd()));
    notices = server.state().take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Response);
    CHECK(notices[0].body == R"({"answer":42})");

    // A /next still waiting when the server stops is ended, and stop() returns.
    auto waiting = std::async(std::launch::async, [&client] {
        return client.request("GET", "/2018-06-01/runtime/invocation/next");
    });
    for (int i = 0; i < 1000 && !server.state().waiting(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(server.state().waiting());
    server.stop();
    REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(waiting.get().status == 500);
}

TEST_SUITE_END();
