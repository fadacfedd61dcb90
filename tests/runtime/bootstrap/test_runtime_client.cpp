// Tests of the Runtime API client against a fake API on raw sockets (127.0.0.1, an
// ephemeral port), which sees every byte and every connection: the requests' headers,
// keep-alive, retries after dropped connections, and what each status code leads to.
#include "runtime/bootstrap/runtime_client.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/bootstrap/raw_api.hpp"

#include <doctest/doctest.h>

#include <chrono>

namespace lambda_local::runtime::bootstrap {

using testing::has_line;
using testing::invocation_reply;
using testing::is_next;
using testing::RawApi;
using testing::Received;
using testing::reply;

TEST_SUITE("runtime::bootstrap::RuntimeClient") {

    TEST_CASE("an invocation's headers are read case-insensitively") {
        RawApi api([](const Received&) { return invocation_reply("id-1", R"({"a":1})"); });
        RuntimeClient client(api.endpoint());
        auto invocation = client.next();
        REQUIRE(invocation.has_value());
        CHECK(invocation->request_id == "id-1");
        CHECK(invocation->event == R"({"a":1})");
        CHECK(invocation->deadline_ms == 1700000003000);
        CHECK(invocation->invoked_function_arn ==
              "arn:aws:lambda:us-east-1:123456789012:function:f");
        CHECK(invocation->trace_id ==
              "Root=1-5e1b4151-5ac6c58f3e2a1b7d9c0f1e2d;Parent=1;Sampled=1");
        CHECK(invocation->client_context.empty());
    }

    TEST_CASE("next, response and error go over one kept-alive connection with explicit lengths") {
        int served = 0;
        RawApi api([&](const Received& request) {
            if (is_next(request)) {
                ++served;
                return invocation_reply("id-" + std::to_string(served), "{}");
            }
            return reply(202, R"({"status":"OK"})");
        });
        RuntimeClient client(api.endpoint());
        auto first = client.next();
        REQUIRE(first.has_value());
        CHECK(client.post_response(first->request_id, R"({"ok":true})") == Posted::Accepted);
        auto second = client.next();
        REQUIRE(second.has_value());
        CHECK(client.post_error(second->request_id, "MyError", "it \"broke\"\n") ==
              Posted::Accepted);
        CHECK(client.post_init_error("Runtime.InitError", "no") == Posted::Accepted);

        CHECK(api.connections() == 1);
        const auto requests = api.received();
        REQUIRE(requests.size() == 5);
        CHECK(is_next(requests[0]));
        CHECK(requests[1].head.rfind("POST /2018-06-01/runtime/invocation/id-1/response "
                                     "HTTP/1.1\r\n",
                                     0) == 0);
        CHECK(has_line(requests[1], "Content-Length: 11"));
        CHECK(requests[1].body == R"({"ok":true})");
        CHECK(requests[3].head.rfind("POST /2018-06-01/runtime/invocation/id-2/error HTTP/1.1\r\n",
                                     0) == 0);
        CHECK(has_line(requests[3], "Lambda-Runtime-Function-Error-Type: MyError"));
        CHECK(requests[3].body ==
              R"({"errorMessage":"it \"broke\"\n","errorType":"MyError","stackTrace":[]})");
        CHECK(requests[4].head.rfind("POST /2018-06-01/runtime/init/error HTTP/1.1\r\n", 0) == 0);
        CHECK(has_line(requests[4], "Lambda-Runtime-Function-Error-Type: Runtime.InitError"));
        for (const auto& request : requests) {
            CAPTURE(request.head);
            CHECK(request.head.find("Transfer-Encoding") == std::string::npos);
            CHECK(request.head.find("Expect:") == std::string::npos);
            CHECK(has_line(request, "User-Agent: lambda-local-bootstrap/" LAMBDA_LOCAL_VERSION));
        }
    }

    TEST_CASE("dropped connections on /next are retried with backoff, then it goes on") {
        RawApi api([](const Received& request) {
            return request.connection <= 2 ? std::string() : invocation_reply("id-3", "{}");
        });
        RuntimeClient client(api.endpoint(), RetryPolicy{4, std::chrono::milliseconds(20)});
        auto started = std::chrono::steady_clock::now();
        auto invocation = client.next();
        REQUIRE(invocation.has_value());
        CHECK(invocation->request_id == "id-3");
        CHECK(api.connections() == 3);
        // Two waits: 20 ms, then 40 ms.
        CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(60));
    }

    TEST_CASE("an API that cannot be reached is given up after the policy's attempts") {
        int port = 0;
        {
            RawApi closed([](const Received&) { return std::string(); });
            port = std::stoi(closed.endpoint().substr(10));
        } // nothing listens there any more
        RuntimeClient client("127.0.0.1:" + std::to_string(port),
                             RetryPolicy{3, std::chrono::milliseconds(10)});
        CHECK_FALSE(client.next().has_value());
        CHECK(client.error().rfind("giving up after 3 attempts: GET "
                                   "/2018-06-01/runtime/invocation/next: ",
                                   0) == 0);
        CHECK(client.error().find("Connection refused") != std::string::npos);
    }

    TEST_CASE("a status other than 200 on /next is retried, 500 ends the runtime at once") {
        SUBCASE("404 then 200") {
            int calls = 0;
            RawApi api([&](const Received&) {
                return ++calls == 1 ? reply(404, "nope") : invocation_reply("id-2", "{}");
            });
            RuntimeClient client(api.endpoint(), RetryPolicy{3, std::chrono::milliseconds(1)});
            REQUIRE(client.next().has_value());
            CHECK(calls == 2);
        }
        SUBCASE("200 without a request id counts as a failed attempt") {
            RawApi api([](const Received&) { return reply(200, "{}"); });
            RuntimeClient client(api.endpoint(), RetryPolicy{2, std::chrono::milliseconds(1)});
            CHECK_FALSE(client.next().has_value());
            CHECK(api.received().size() == 2);
            CHECK(client.error() == "giving up after 2 attempts: GET "
                                    "/2018-06-01/runtime/invocation/next answered without a "
                                    "Lambda-Runtime-Aws-Request-Id header");
        }
        SUBCASE("500") {
            RawApi api([](const Received&) {
                return reply(500, R"({"errorMessage":"boom","errorType":"InternalServerError"})");
            });
            RuntimeClient client(api.endpoint(), RetryPolicy{4, std::chrono::milliseconds(1)});
            CHECK_FALSE(client.next().has_value());
            CHECK(api.received().size() == 1);
            CHECK(client.error().find("answered HTTP 500") != std::string::npos);
        }
    }

    TEST_CASE("4xx on a post is rejected (the runtime goes on), 5xx and no answer are fatal") {
        int status = 0;
        RawApi api([&](const Received&) {
            return status == 0 ? std::string() : reply(status, R"({"errorType":"X"})");
        });
        RuntimeClient client(api.endpoint());
        status = 400;
        CHECK(client.post_response("id", "{}") == Posted::Rejected);
        CHECK(client.error() == "POST /2018-06-01/runtime/invocation/id/response answered HTTP "
                                "400: {\"errorType\":\"X\"}");
        status = 413;
        CHECK(client.post_response("id", "{}") == Posted::Rejected);
        status = 500;
        CHECK(client.post_error("id", "E", "m") == Posted::Fatal);
        status = 0;
        CHECK(client.post_response("id", "{}") == Posted::Fatal);
    }

    TEST_CASE("request ids are one path segment and error types one header line") {
        RawApi api([](const Received&) { return reply(202, "{}"); });
        RuntimeClient client(api.endpoint());
        CHECK(client.post_error("a/b c?", "Bad\r\nX-Injected: 1", "m") == Posted::Accepted);
        const auto requests = api.received();
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].head.rfind("POST /2018-06-01/runtime/invocation/a%2Fb%20c%3F/error ",
                                     0) == 0);
        CHECK(requests[0].head.find("\r\nX-Injected") == std::string::npos);
        CHECK(path_segment("8476a536-e9f4-11e8-9739-2dfe598c3fcd") ==
              "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    }

    TEST_CASE("the endpoint must be host:port") {
        CHECK(split_endpoint("127.0.0.1:9001") == std::make_pair(std::string("127.0.0.1"), 9001));
        CHECK(split_endpoint("[::1]:9001") == std::make_pair(std::string("::1"), 9001));
        CHECK(split_endpoint("localhost:80") == std::make_pair(std::string("localhost"), 80));
        for (const char* bad : {"", "127.0.0.1", ":9001", "host:", "host:99999", "host:9x"}) {
            CAPTURE(bad);
            CHECK_FALSE(split_endpoint(bad).has_value());
        }
        CHECK_THROWS_WITH_AS(RuntimeClient("nope"),
                             "AWS_LAMBDA_RUNTIME_API='nope' is not host:port (e.g. 127.0.0.1:9001)",
                             Error);
    }

    TEST_CASE("the error body is Lambda's shape, with invalid UTF-8 replaced") {
        CHECK(error_body("T", "m") == R"({"errorMessage":"m","errorType":"T","stackTrace":[]})");
        CHECK(error_body("T", "bad \xff") ==
              "{\"errorMessage\":\"bad \xef\xbf\xbd\",\"errorType\":\"T\",\"stackTrace\":[]}");
    }
}

} // namespace lambda_local::runtime::bootstrap
