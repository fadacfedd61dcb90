// Tests of the request head checks (RFC 9112) that run before h2o acts on a request.
#include "runtime/http/request_head.hpp"

#include <doctest/doctest.h>

#include <string>

namespace http = lambda_local::runtime::http;

namespace {

// The status a head is refused with, or 0 when it is accepted.
int refusal(const std::string& head, http::HeadLimits limits = {}) {
    http::RequestHead parsed;
    http::HeadError error;
    return http::parse_request_head(head, limits, parsed, error) ? 0 : error.status;
}

http::RequestHead parse(const std::string& head) {
    http::RequestHead parsed;
    http::HeadError error;
    REQUIRE_MESSAGE(http::parse_request_head(head, {}, parsed, error), error.reason);
    return parsed;
}

} // namespace

TEST_SUITE("runtime::http::request_head") {

    TEST_CASE("the end of a head is found across reads, each byte searched once") {
        std::string head =
            "GET /a HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(300, 'v') + "\r\n\r\nGET /next";
        http::HeadScan scan;
        http::HeadLimits limits;
        std::size_t end = head.find("\r\n\r\n") + 4;
        for (std::size_t size = 1; size < end; ++size) {
            http::HeadExtent extent =
                http::find_head_end(std::string_view(head).substr(0, size), limits, scan);
            REQUIRE(extent.kind == http::HeadExtent::Kind::Incomplete);
            CHECK(scan.position <= size);
        }
        http::HeadExtent extent = http::find_head_end(head, limits, scan);
        REQUIRE(extent.kind == http::HeadExtent::Kind::Complete);
        CHECK(extent.length == end);
    }

    TEST_CASE("a head ending in bare LFs, or after one empty line, is found") {
        http::HeadScan scan;
        CHECK(http::find_head_end("GET / HTTP/1.1\nHost: x\n\nrest", {}, scan).length == 24);
        scan = {};
        CHECK(http::find_head_end("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", {}, scan).length == 29);
    }

    TEST_CASE("an incomplete head over the limits is refused: 414 for the line, 431 for the head") {
        http::HeadLimits limits;
        limits.max_request_line = 100;
        limits.max_head = 1000;
        http::HeadScan scan;
        std::string line = "GET /" + std::string(200, 'a');
        CHECK(http::find_head_end(line, limits, scan).status == 414);
        scan = {};
        std::string head = "GET / HTTP/1.1\r\nX-A: " + std::string(2000, 'a');
        CHECK(http::find_head_end(head, limits, scan).status == 431);
    }

    TEST_CASE("a request line at the limit is accepted however its CRLF arrives") {
        http::HeadLimits limits;
        limits.max_request_line = 100;
        const std::string line = "GET /" + std::string(100 - 14, 'a') + " HTTP/1.1";
        REQUIRE(line.size() == 100);
        const std::string head = line + "\r\nHost: x\r\n\r\n";
        http::HeadScan scan;
        // The CR arrives in one read, the LF in the next.
        CHECK(http::find_head_end(std::string_view(head).substr(0, 101), limits, scan).kind ==
              http::HeadExtent::Kind::Incomplete);
        http::HeadExtent extent = http::find_head_end(head, limits, scan);
        REQUIRE(extent.kind == http::HeadExtent::Kind::Complete);
        CHECK(extent.length == head.size());
        CHECK(refusal(head, limits) == 0);
        scan = {};
        CHECK(http::find_head_end(line + "a\r", limits, scan).status == 414);
    }

    TEST_CASE("a well-formed head gives its parts, names spelt as sent, values trimmed") {
        http::RequestHead head = parse("POST /p?q=1 HTTP/1.1\r\nHost: example\r\n"
                                       "Content-Type:  text/plain \r\nContent-Length: 5\r\n\r\n");
        CHECK(head.method == "POST");
        CHECK(head.target == "/p?q=1");
        CHECK(head.version == "HTTP/1.1");
        REQUIRE(head.headers.size() == 3);
        CHECK(head.headers[1].first == "Content-Type");
        CHECK(head.headers[1].second == "text/plain");
        CHECK(head.framing == http::BodyFraming::Length);
        CHECK(head.content_length == 5);
        CHECK(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").framing ==
              http::BodyFraming::Chunked);
        CHECK(parse("GET / HTTP/1.0\r\n\r\n").framing == http::BodyFraming::None);
    }

    TEST_CASE("framing that could smuggle a request is refused with 400") {
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Length: 4\r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                      "Content-Length: 5\r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n") == 400);
        CHECK(
            refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") ==
            400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n") == 400);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n") == 400);
    }

    TEST_CASE("a head with an unknown transfer coding is refused with 501") {
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") ==
              501);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n") == 501);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n") == 0);
    }

    TEST_CASE("CR, NUL and other controls in a field value, and obs-fold, get 400") {
        CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n") == 400);
        CHECK(refusal(std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 35)) == 400);
        CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX-A: tab\there \xc3\xa9\r\n\r\n") == 0);
    }

    TEST_CASE("Host is required once in HTTP/1.1") {
        CHECK(refusal("GET / HTTP/1.1\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTP/1.0\r\n\r\n") == 0);
    }

    TEST_CASE("an absolute-form target is routed by its path, and its authority is the Host") {
        http::RequestHead head =
            parse("GET http://api.example:8080/items/1?a=b HTTP/1.1\r\nHost: other\r\n\r\n");
        CHECK(head.target == "/items/1?a=b");
        REQUIRE(head.headers.size() == 1);
        CHECK(head.headers[0].first == "Host");
        CHECK(head.headers[0].second == "api.example:8080");
        // The scheme in any case; no path is "/"; a query alone gets its "/".
        CHECK(parse("GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n").target == "/");
        CHECK(parse("GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n").target == "/?x=1");
        // HTTP/1.0 without Host: the authority becomes one.
        http::RequestHead old = parse("GET http://h/p HTTP/1.0\r\n\r\n");
        CHECK(old.target == "/p");
        REQUIRE(old.headers.size() == 1);
        CHECK(old.headers[0].second == "h");
        // Without an authority, or with user information: 400. Other schemes are not absolute
        // targets here, and a path that holds "://" stays a path.
        CHECK(refusal("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
        CHECK(refusal("GET http://u:p@h/p HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
        CHECK(parse("GET ftp://h/p HTTP/1.1\r\nHost: h\r\n\r\n").target == "ftp://h/p");
        CHECK(parse("GET /r/http://h HTTP/1.1\r\nHost: h\r\n\r\n").target == "/r/http://h");
        // Host is still required in HTTP/1.1.
        CHECK(refusal("GET http://h/p HTTP/1.1\r\n\r\n") == 400);
    }

    TEST_CASE("malformed request lines get 400, other HTTP versions 505") {
        CHECK(refusal("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n") == 400);
        CHECK(refusal("G(T / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTX/1.1\r\nHost: x\r\n\r\n") == 400);
        CHECK(refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
        CHECK(refusal("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    }

    TEST_CASE("the limits: 413 for a Content-Length over max_body, 431, 414") {
        http::HeadLimits limits;
        limits.max_body = 100;
        limits.max_request_line = 50;
        limits.max_head = 500;
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", limits) == 413);
        CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", limits) == 0);
        CHECK(refusal("GET /" + std::string(60, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", limits) ==
              414);
        CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(600, 'a') + "\r\n\r\n",
                      limits) == 431);
        std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
        for (std::size_t i = 0; i < http::k_max_header_fields; ++i) {
            many += "X-" + std::to_string(i) + ": 1\r\n";
        }
        CHECK(refusal(many + "\r\n") == 431);
    }
}
