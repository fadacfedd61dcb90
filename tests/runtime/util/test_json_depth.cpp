// How deep JSON text nests, told before it is parsed (runtime/util/json_depth.hpp).
#include "runtime/util/json_depth.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using lambda_local::json_depth_within;
using lambda_local::k_max_json_depth;
using lambda_local::parse_json_bounded;

TEST_SUITE_BEGIN("util::json_depth");

TEST_CASE("arrays and objects count as levels, up to the limit and no further") {
    CHECK(json_depth_within("", 0));
    CHECK(json_depth_within("1", 0));
    CHECK_FALSE(json_depth_within("[]", 0));
    CHECK(json_depth_within("[[1],{\"a\":[2]}]", 3));
    CHECK_FALSE(json_depth_within("[[1],{\"a\":[[2]]}]", 3));
    CHECK(
        json_depth_within(std::string(k_max_json_depth, '[') + std::string(k_max_json_depth, ']')));
    CHECK_FALSE(json_depth_within(std::string(k_max_json_depth + 1, '{')));
}

TEST_CASE("brackets inside strings, escaped quotes included, are not levels") {
    CHECK(json_depth_within(R"({"a":"[[[[{{{{"})", 1));
    CHECK(json_depth_within(R"(["\"[[[[", "\\", "]]"])", 1));
    CHECK_FALSE(json_depth_within(R"(["\\"], [[1]])", 1)); // the string ends at the second quote
}

TEST_CASE("text that is not JSON is measured all the same, never read past its end") {
    CHECK(json_depth_within("]]]]}}}", 0)); // closing brackets alone do not go below zero
    CHECK(json_depth_within("\"unterminated [[[", 0));
    CHECK(json_depth_within("\"ends in a backslash\\", 0));
}

TEST_CASE("parse_json_bounded parses what is shallow enough and discards the rest") {
    CHECK(parse_json_bounded<nlohmann::json>(R"({"a":[1,2]})")["a"][1] == 2);
    CHECK(parse_json_bounded<nlohmann::json>("{bad").is_discarded());
    const std::string deep =
        std::string(k_max_json_depth + 1, '[') + std::string(k_max_json_depth + 1, ']');
    CHECK(parse_json_bounded<nlohmann::ordered_json>(deep).is_discarded());
    CHECK(nlohmann::json::parse(deep, nullptr, false).is_array()); // nlohmann alone takes it
}

TEST_SUITE_END();
