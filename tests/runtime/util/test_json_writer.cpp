// Tests of runtime/util/json_writer.hpp.
#include "runtime/util/json_writer.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using lambda_local::append_json_string;
using lambda_local::JsonWriter;
using nlohmann::ordered_json;
using namespace std::string_literals;

namespace {

std::string nlohmann_text(const ordered_json& value) {
    return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

} // namespace

TEST_SUITE_BEGIN("util::json_writer");

TEST_CASE("strings are escaped as nlohmann's dump escapes them") {
    std::vector<std::string> samples = {
        "",
        "plain ascii",
        "quote \" and backslash \\",
        "\b\f\n\r\t",
        "nul \0 and \x01 \x1f"s,
        "delete \x7f stays",
        "utf-8: é € 😀",
        "lone continuation \x80 byte",
        "bad lead \xff byte",
        "cut short \xc3",
        "cut short in the middle \xe2\x82 of text",
        "overlong \xc0\xaf",
        "surrogate \xed\xa0\x80",
        "mixed \xff\"\n\xc3\xa9",
    };
    for (const std::string& sample : samples) {
        std::string ours;
        append_json_string(ours, sample);
        CHECK_MESSAGE(ours == nlohmann_text(ordered_json(sample)), sample);
    }
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and the text still parses") {
    std::string ours;
    append_json_string(ours, "a\xff"
                             "b");
    CHECK(ours == "\"a\xef\xbf\xbd"
                  "b\"");
    CHECK(ordered_json::parse(ours) == "a\xef\xbf\xbd"
                                       "b");
}

TEST_CASE("a document reads back as the same values, in the order written") {
    std::string text = "prefix:";
    JsonWriter json(text);
    json.begin_object()
        .key("s")
        .string("v")
        .key("n")
        .number(std::numeric_limits<std::int64_t>::min())
        .key("max")
        .number(std::numeric_limits<std::int64_t>::max())
        .key("zero")
        .number(0)
        .key("t")
        .boolean(true)
        .key("f")
        .boolean(false)
        .key("none")
        .null()
        .key("list")
        .begin_array()
        .string("a")
        .number(-1)
        .begin_object()
        .end_object()
        .begin_array()
        .end_array()
        .null()
        .end_array()
        .key("nested")
        .begin_object()
        .key("k\"ey")
        .raw(R"({"x":[1,2]})")
        .end_object()
        .key("empty")
        .begin_object()
        .end_object()
        .end_object();
    ordered_json expected = {
        {"s", "v"},
        {"n", std::numeric_limits<std::int64_t>::min()},
        {"max", std::numeric_limits<std::int64_t>::max()},
        {"zero", 0},
        {"t", true},
        {"f", false},
        {"none", nullptr},
        {"list",
         ordered_json::array({"a", -1, ordered_json::object(), ordered_json::array(), nullptr})},
        {"nested", {{"k\"ey", {{"x", {1, 2}}}}}},
        {"empty", ordered_json::object()},
    };
    REQUIRE(text.starts_with("prefix:"));
    CHECK(text.substr(7) == nlohmann_text(expected));
}

TEST_CASE("top-level values and arrays of values are separated by commas") {
    std::string text;
    JsonWriter(text).begin_array().number(1).number(2).string("x").boolean(false).end_array();
    CHECK(text == R"([1,2,"x",false])");
    std::string single;
    JsonWriter(single).string("only");
    CHECK(single == R"("only")");
}

TEST_SUITE_END();
