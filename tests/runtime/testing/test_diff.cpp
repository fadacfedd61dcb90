// Tests of the line diffs shown for failed expectations.
#include "runtime/testing/diff.hpp"

#include <doctest/doctest.h>

using namespace lambda_local::runtime::testing;
using nlohmann::json;

TEST_SUITE("runtime::testing::Diff") {

    TEST_CASE("equal texts have no diff") {
        CHECK(line_diff("a\nb\n", "a\nb\n") == "");
    }

    TEST_CASE("a changed line shows as removed then added, between its neighbours") {
        CHECK(line_diff("a\nb\nc\n", "a\nx\nc\n") == "--- expected\n"
                                                     "+++ actual\n"
                                                     "  a\n"
                                                     "- b\n"
                                                     "+ x\n"
                                                     "  c\n");
    }

    TEST_CASE("inserted and removed lines are aligned on the common ones") {
        CHECK(line_diff("a\nb\nc\nd\n", "a\nc\nd\ne\n") == "--- expected\n"
                                                           "+++ actual\n"
                                                           "  a\n"
                                                           "- b\n"
                                                           "  c\n"
                                                           "  d\n"
                                                           "+ e\n");
    }

    TEST_CASE("long runs of unchanged lines are cut to three lines of context") {
        std::string expected;
        std::string actual;
        for (int i = 1; i <= 20; ++i) {
            expected += std::to_string(i) + "\n";
            actual += (i == 10 ? std::string("ten") : std::to_string(i)) + "\n";
        }
        CHECK(line_diff(expected, actual) == "--- expected\n"
                                             "+++ actual\n"
                                             "  ...\n"
                                             "  7\n"
                                             "  8\n"
                                             "  9\n"
                                             "- 10\n"
                                             "+ ten\n"
                                             "  11\n"
                                             "  12\n"
                                             "  13\n"
                                             "  ...\n");
    }

    TEST_CASE("texts that differ only in the final newline say so") {
        CHECK(line_diff("a\n", "a") ==
              "--- expected\n+++ actual\n  a\n- (no newline at the end)\n");
    }

    TEST_CASE("JSON values are diffed pretty-printed with sorted keys") {
        CHECK(json_diff(json::parse(R"({"b":1,"a":[1,2]})"), json::parse(R"({"a":[1,3],"b":1})")) ==
              "--- expected\n"
              "+++ actual\n"
              "  {\n"
              "    \"a\": [\n"
              "      1,\n"
              "-     2\n"
              "+     3\n"
              "    ],\n"
              "    \"b\": 1\n"
              "  }\n");
    }

    TEST_CASE("a short form of a JSON value is cut with an ellipsis") {
        CHECK(short_json(json::parse(R"({"a":"x"})")) == R"({"a":"x"})");
        CHECK(short_json(json(std::string(300, 'x')), 10) == "\"xxxxxxxxx...");
    }

} // TEST_SUITE
