// Tests of lambda-local's HTTP/1.1 server and client, over real sockets on 127.0.0.1.
#include "runtime/http/client.hpp"
#include "runtime/http/connection.hpp"
#include "runtime/http/server.hpp"
#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using lambda_local::Error;
using lambda_local::Fd;
namespace http = lambda_local::runtime::http;

namespace {

// Echoes what it received as "METHOD target|query|body|header X-Test".
http::Response echo(const http::Request& request) {
    http::Response response;
    response.status = request.path == "/missing" ? 404 : 200;
    const std::string* test = request.header("x-test");
    response.headers = {
        {"Content-Type", "text/plain"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    response.body = request.method + " " + request.target + "|" + request.query + "|" +
                    request.body + "|" + (test ? *test : "-");
    return response;
}

// A raw connection to the server, for what a client library would not send.
Fd connect_raw(int port) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

std::string read_until_closed(int fd) {
    std::string all;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
        all.append(buffer, static_cast<std::size_t>(n));
    }
    return all;
}

} // namespace

TEST_SUITE("runtime::http") {

    TEST_CASE(
        "a client's requests reach the handler and its answers come back over one connection") {
        http::Server server({}, echo);
        server.start();
        REQUIRE(server.port() > 0);
        http::Client client("127.0.0.1", server.port());
        http::Response first = client.request("POST", "/a%20b?x=1&y", {{"X-Test", "yes"}}, "body");
        CHECK(first.status == 200);
        CHECK(first.body == "POST /a%20b?x=1&y|x=1&y|body|yes");
        const std::string* type = first.header("content-type");
        REQUIRE(type != nullptr);
        CHECK(*type == "text/plain");
        int cookies = 0;
        for (const auto& [name, value] : first.headers) {
            cookies += name == "Set-Cookie" ? 1 : 0;
        }
        CHECK(cookies == 2);
        http::Response second = client.request("GET", "/missing");
        CHECK(second.status == 404);
        CHECK(second.body == "GET /missing|||-");
        server.stop();
    }

    TEST_CASE("a chunked request body is de-chunked and 100-continue is answered") {
        http::Server server({}, echo);
        server.start();
        Fd fd = connect_raw(server.port());
        std::string request = "PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                              "Expect: 100-continue\r\nConnection: close\r\n\r\n";
        REQUIRE(http::send_all(fd.get(), request));
        char interim[64] = {};
        ssize_t n = ::read(fd.get(), interim, sizeof interim - 1);
        REQUIRE(n > 0);
        CHECK(std::string(interim, static_cast<std::size_t>(n)) == "HTTP/1.1 100 Continue\r\n\r\n");
        REQUIRE(http::send_all(fd.get(), "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n"));
        std::string answer = read_until_closed(fd.get());
        CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
        CHECK(answer.find("Connection: close\r\n") != std::string::npos);
        CHECK(answer.find("\r\n\r\nPUT /up||Wikipedia|-") != std::string::npos);
    }

    TEST_CASE("a body over the limit gets 413 and a broken request 400, both from error_response") {
        http::ServerOptions options;
        options.max_body = 10;
        options.error_response = [](int status) {
            http::Response response;
            response.status = status;
            response.body = "custom " + std::to_string(status);
            return response;
        };
        http::Server server(options, echo);
        server.start();
        SUBCASE("too large") {
            Fd fd = connect_raw(server.port());
            REQUIRE(http::send_all(fd.get(), "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"));
            std::string answer = read_until_closed(fd.get());
            CHECK(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
            CHECK(answer.find("\r\n\r\ncustom 413") != std::string::npos);
        }
        SUBCASE("not HTTP") {
            Fd fd = connect_raw(server.port());
            REQUIRE(http::send_all(fd.get(), "hello there\r\n\r\n"));
            std::string answer = read_until_closed(fd.get());
            CHECK(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
        }
        SUBCASE("a non-numeric Content-Length") {
            Fd fd = connect_raw(server.port());
            REQUIRE(http::send_all(fd.get(), "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"));
            CHECK(read_until_closed(fd.get()).rfind("HTTP/1.1 400 ", 0) == 0);
        }
    }

    TEST_CASE("pipelined requests are answered in order, and HEAD gets no body") {
        http::Server server({}, echo);
        server.start();
        Fd fd = connect_raw(server.port());
        REQUIRE(http::send_all(fd.get(), "GET /one HTTP/1.1\r\n\r\nHEAD /two HTTP/1.1\r\n"
                                         "Connection: close\r\n\r\n"));
        std::string answer = read_until_closed(fd.get());
        std::size_t one = answer.find("GET /one|||-");
        std::size_t two = answer.find("HTTP/1.1 200 OK", one);
        CHECK(one != std::string::npos);
        REQUIRE(two != std::string::npos);
        CHECK(answer.find("Content-Length: 13\r\n", two) != std::string::npos);
        CHECK(answer.substr(answer.size() - 4) == "\r\n\r\n");
    }

    TEST_CASE("an asynchronous handler answers from another thread, pipelined answers in order") {
        // /slow is answered later from another thread, /fast at once; the pipelined /fast is only
        // handled once /slow's answer is out.
        std::vector<std::thread> answering;
        std::atomic<bool> slow_answered{false};
        std::atomic<bool> fast_saw_slow_answered{false};
        http::Server server({}, [&](const http::Request& request, http::Responder respond) {
            http::Response response;
            response.body = "answer to " + request.path;
            if (request.path == "/slow") {
                answering.emplace_back([&, respond, response] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(200));
                    slow_answered = true;
                    respond(response);
                    respond(response); // a second answer is ignored
                });
                return;
            }
            fast_saw_slow_answered = slow_answered.load();
            respond(response);
        });
        server.start();
        Fd fd = connect_raw(server.port());
        REQUIRE(http::send_all(fd.get(), "GET /slow HTTP/1.1\r\n\r\nGET /fast HTTP/1.1\r\n"
                                         "Connection: close\r\n\r\n"));
        std::string answer = read_until_closed(fd.get());
        std::size_t slow = answer.find("answer to /slow");
        std::size_t fast = answer.find("answer to /fast");
        CHECK(slow != std::string::npos);
        CHECK(fast != std::string::npos);
        CHECK(slow < fast);
        CHECK(fast_saw_slow_answered);
        CHECK(answer.find("HTTP/1.1 200", fast) == std::string::npos); // two answers only
        for (auto& thread : answering) {
            thread.join();
        }
    }

    TEST_CASE("a responder does not wait for a client slow to read a large answer") {
        const std::string big(16 * 1024 * 1024, 'x'); // far more than a socket buffer
        std::promise<double> responded_in;
        http::Server server({}, [&](const http::Request&, http::Responder respond) {
            std::thread([&, respond] {
                http::Response response;
                response.body = big;
                auto begin = std::chrono::steady_clock::now();
                respond(response);
                responded_in.set_value(
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
                        .count());
            }).detach();
        });
        server.start();
        Fd fd = connect_raw(server.port());
        REQUIRE(http::send_all(fd.get(), "GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        // The client reads nothing until the responder has returned.
        auto returned = responded_in.get_future();
        REQUIRE(returned.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
        CHECK(returned.get() < 10.0);
        std::string answer = read_until_closed(fd.get());
        CHECK(answer.find("Content-Length: 16777216\r\n") != std::string::npos);
        CHECK(answer.size() > big.size());
        CHECK(answer.compare(answer.size() - big.size(), big.size(), big) == 0);
    }

    TEST_CASE("stop() closes idle keep-alive connections and returns") {
        http::Server server({}, echo);
        server.start();
        Fd fd = connect_raw(server.port());
        REQUIRE(http::send_all(fd.get(), "GET / HTTP/1.1\r\n\r\n"));
        char buffer[512];
        REQUIRE(::read(fd.get(), buffer, sizeof buffer) > 0);
        server.stop();
        CHECK(::read(fd.get(), buffer, sizeof buffer) == 0);
    }

    TEST_CASE("the client reconnects when the server closed the kept-alive connection") {
        std::atomic<int> served{0};
        http::Server server({}, [&](const http::Request& request) {
            ++served;
            http::Response response = echo(request);
            response.headers.emplace_back("Connection", "close");
            return response;
        });
        server.start();
        http::Client client("127.0.0.1", server.port());
        CHECK(client.request("GET", "/1").status == 200);
        CHECK(client.request("GET", "/2").body == "GET /2|||-");
        CHECK(served == 2);
    }

    TEST_CASE("connection and listening errors are lambda_local::Errors that say where") {
        http::Server first({}, echo);
        first.start();
        http::ServerOptions same;
        same.port = first.port();
        http::Server second(same, echo);
        CHECK_THROWS_WITH_AS(second.start(),
                             ("cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                              ": bind failed: Address already in use")
                                 .c_str(),
                             Error);
        int port = first.port();
        first.stop();
        http::Client client("127.0.0.1", port);
        CHECK_THROWS_WITH_AS(
            client.request("GET", "/"),
            ("127.0.0.1:" + std::to_string(port) + ": connect failed: Connection refused").c_str(),
            Error);
    }

} // TEST_SUITE
