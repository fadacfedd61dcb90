// Tests of the HTTP integration form's prelude (runtime/gateway/http_stream.cpp), hostile
// preludes included.
#include "runtime/gateway/http_stream.hpp"

#include "runtime/execution/response_stream.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::gateway::http_stream_tests {

namespace {

std::string delimiter() {
    return std::string(k_http_prelude_delimiter);
}

std::string malformed_reason(std::string_view text) {
    auto parsed = parse_http_prelude(text);
    auto* bad = std::get_if<MalformedResponse>(&parsed);
    return bad == nullptr ? "" : bad->reason;
}

} // namespace

TEST_SUITE("runtime::gateway::HttpStream") {
    TEST_CASE("a prelude gives the status, headers, multi-value headers and cookies") {
        auto parsed = parse_http_prelude(
            R"({"statusCode":201,"headers":{"content-type":"text/plain","x-n":7,"x-null":null},)"
            R"("multiValueHeaders":{"x-multi":["a","b"]},"cookies":["a=1; Path=/","b=2"]})");
        REQUIRE(std::holds_alternative<HttpPrelude>(parsed));
        const HttpPrelude& prelude = std::get<HttpPrelude>(parsed);
        CHECK(prelude.status == 201);
        CHECK(prelude.headers == HeaderList{{"content-type", "text/plain"},
                                            {"x-n", "7"},
                                            {"x-multi", "a"},
                                            {"x-multi", "b"},
                                            {"set-cookie", "a=1; Path=/"},
                                            {"set-cookie", "b=2"}});
    }

    TEST_CASE("an empty object is a 200 without headers") {
        auto parsed = parse_http_prelude("{}");
        REQUIRE(std::holds_alternative<HttpPrelude>(parsed));
        CHECK(std::get<HttpPrelude>(parsed).status == 200);
        CHECK(std::get<HttpPrelude>(parsed).headers.empty());
    }

    TEST_CASE("a hostile prelude is malformed, with the reason") {
        CHECK(malformed_reason("{not json") == "prelude: not JSON");
        CHECK(malformed_reason("") == "prelude: not JSON");
        CHECK(malformed_reason("[1,2]") == "prelude: not a JSON object");
        CHECK(malformed_reason(R"({"statusCode":99})") ==
              "prelude: statusCode is not an integer from 100 to 599");
        CHECK(malformed_reason(R"({"statusCode":600})") ==
              "prelude: statusCode is not an integer from 100 to 599");
        CHECK(malformed_reason(R"({"statusCode":"200"})") ==
              "prelude: statusCode is not an integer from 100 to 599");
        CHECK(malformed_reason(R"({"statusCode":200.5})") ==
              "prelude: statusCode is not an integer from 100 to 599");
        CHECK(malformed_reason(R"({"statusCode":1e300})") ==
              "prelude: statusCode is not an integer from 100 to 599");
        CHECK(malformed_reason(R"({"headers":[]})") == "prelude: headers is not an object");
        CHECK(malformed_reason(R"({"headers":{"x":{"y":1}}})") ==
              "prelude: header \"x\" is not a string");
        CHECK(malformed_reason(R"({"multiValueHeaders":{"x":"y"}})") ==
              "prelude: multiValueHeaders \"x\" is not an array");
        CHECK(malformed_reason(R"({"cookies":"a=1"})") == "prelude: cookies is not an array");
        CHECK(malformed_reason(R"({"cookies":[{}]})") == "prelude: cookies holds a non-string");
    }

    TEST_CASE("the reader finds the delimiter across pieces, and keeps the body after it") {
        const std::string stream = R"({"statusCode":202})" + delimiter() + "body bytes";
        SUBCASE("one byte at a time") {
            HttpPreludeReader reader;
            std::string body;
            for (char c : stream) {
                HttpPreludeReader::State state = reader.feed(std::string_view(&c, 1));
                if (state == HttpPreludeReader::State::Done) {
                    body += reader.take_body();
                }
            }
            REQUIRE(reader.state() == HttpPreludeReader::State::Done);
            CHECK(reader.prelude().status == 202);
            // After Done, the reader takes no more: the bytes that came after it are the
            // caller's (the sink sends them itself).
            CHECK(body.empty());
        }
        SUBCASE("all at once") {
            HttpPreludeReader reader;
            REQUIRE(reader.feed(stream) == HttpPreludeReader::State::Done);
            CHECK(reader.take_body() == "body bytes");
        }
        SUBCASE("the delimiter split between two pieces") {
            HttpPreludeReader reader;
            const std::size_t cut = stream.find('\0') + 3;
            CHECK(reader.feed(std::string_view(stream).substr(0, cut)) ==
                  HttpPreludeReader::State::Reading);
            REQUIRE(reader.feed(std::string_view(stream).substr(cut)) ==
                    HttpPreludeReader::State::Done);
            CHECK(reader.take_body() == "body bytes");
        }
    }

    TEST_CASE("a prelude with no delimiter within the bound is malformed, whatever its size") {
        SUBCASE("a huge piece") {
            HttpPreludeReader reader;
            CHECK(reader.feed(std::string(1 << 20, '{')) == HttpPreludeReader::State::Malformed);
            CHECK(reader.malformed().find("no delimiter") != std::string::npos);
        }
        SUBCASE("many small pieces") {
            HttpPreludeReader reader;
            HttpPreludeReader::State state = HttpPreludeReader::State::Reading;
            for (int i = 0; i < 100000 && state == HttpPreludeReader::State::Reading; ++i) {
                state = reader.feed("{{{{");
            }
            CHECK(state == HttpPreludeReader::State::Malformed);
        }
        SUBCASE("at the bound exactly") {
            // Spaces are valid JSON around the object: a prelude of the largest size.
            std::string prelude = "{}";
            prelude += std::string(k_max_http_prelude - k_http_prelude_delimiter.size() - 2, ' ');
            HttpPreludeReader fits;
            CHECK(fits.feed(prelude + delimiter() + "x") == HttpPreludeReader::State::Done);
            HttpPreludeReader over;
            CHECK(over.feed(" " + prelude + delimiter() + "x") ==
                  HttpPreludeReader::State::Malformed);
        }
        SUBCASE("bad JSON before the delimiter") {
            HttpPreludeReader reader;
            CHECK(reader.feed("{nope" + delimiter()) == HttpPreludeReader::State::Malformed);
            CHECK(reader.malformed() == "prelude: not JSON");
        }
    }

    TEST_CASE("a function that did not stream is answered with its whole response") {
        HttpResponse response = unstreamed_response(R"({"statusCode":204})");
        CHECK(response.status == 200);
        CHECK(response.body == R"({"statusCode":204})");
        CHECK(response.headers == HeaderList{{"content-type", "application/json"}});
    }
}

} // namespace lambda_local::runtime::gateway::http_stream_tests
