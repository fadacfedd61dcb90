// Tests of runtime/util/encoding.hpp.
#include "runtime/util/encoding.hpp"

#include <doctest/doctest.h>

using lambda_local::base64_decode;
using lambda_local::base64_encode;
using lambda_local::Base64Alphabet;
using lambda_local::percent_decode;

TEST_SUITE_BEGIN("util::encoding");

TEST_CASE("base64 encodes the RFC 4648 test vectors") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xff\x00\xfe", 3)) == "/wD+");
}

TEST_CASE("base64 in the URL alphabet uses '-' and '_'") {
    CHECK(base64_encode("\xfb\xff", Base64Alphabet::Url) == "-_8=");
    CHECK(base64_encode("\xfb\xff") == "+/8=");
}

TEST_CASE("base64 decoding takes either alphabet, optional padding and line breaks") {
    CHECK(base64_decode("Zm9vYmFy") == "foobar");
    CHECK(base64_decode("Zm9vYg") == "foob");
    CHECK(base64_decode("Zm9v\r\nYg==") == "foob");
    CHECK(base64_decode("-_8=") == "\xfb\xff");
    CHECK(base64_decode("+/8") == "\xfb\xff");
    CHECK_FALSE(base64_decode("Zm9v!").has_value());
    CHECK_FALSE(base64_decode("Z").has_value());
    CHECK_FALSE(base64_decode("Zg==Zg").has_value());
}

TEST_CASE("percent-decoding decodes %XX and keeps the rest") {
    CHECK(percent_decode("x%20y%2Fz") == "x y/z");
    CHECK(percent_decode("a+b") == "a+b");
    CHECK(percent_decode("100%") == "100%");
    CHECK(percent_decode("%zz") == "%zz");
}

TEST_CASE("percent-decoding a query component turns '+' into a space") {
    CHECK(percent_decode("-+created%41t", true) == "- createdAt");
    CHECK(percent_decode("-+created%41t") == "-+createdAt");
}

TEST_SUITE_END();
