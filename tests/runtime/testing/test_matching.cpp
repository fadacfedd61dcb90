// Tests of JSON equality and subset matching, JSON bodies, ignored fields and headers.
#include "runtime/testing/matching.hpp"

#include <doctest/doctest.h>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::testing;
using nlohmann::json;

namespace {

json j(const char* text) {
    return json::parse(text);
}

// "pointer: problem" lines of the mismatches.
std::vector<std::string> lines(const std::vector<Mismatch>& mismatches) {
    std::vector<std::string> out;
    for (const Mismatch& m : mismatches) {
        out.push_back(m.pointer + ": " + m.problem);
    }
    return out;
}

} // namespace

TEST_SUITE("runtime::testing::Matching") {

    TEST_CASE("equality ignores key order and compares numbers by value") {
        CHECK(equal_mismatches(j(R"({"a":1,"b":[1,2]})"), j(R"({"b":[1,2],"a":1.0})")).empty());
        CHECK(lines(equal_mismatches(j(R"({"a":1})"), j(R"({"a":2,"c":true})"))) ==
              std::vector<std::string>{"/a: expected 1, got 2", "/c: not expected (got true)"});
        CHECK(lines(equal_mismatches(j(R"({"a":1})"), j(R"({})"))) ==
              std::vector<std::string>{"/a: missing (expected 1)"});
        CHECK(lines(equal_mismatches(j("1"), j(R"("1")"))) ==
              std::vector<std::string>{": expected 1, got \"1\" (a string)"});
    }

    TEST_CASE("a subset needs every key given, at any depth, and ignores the others") {
        const json actual = j(R"({"id":7,"user":{"name":"ann","roles":["a","b"]},"extra":null})");
        CHECK(subset_mismatches(j(R"({"user":{"name":"ann"}})"), actual).empty());
        CHECK(subset_mismatches(j(R"({})"), actual).empty());
        CHECK(subset_mismatches(j(R"({"user":{"roles":["a","b"]}})"), actual).empty());
        CHECK(lines(subset_mismatches(j(R"({"user":{"name":"bob","age":3}})"), actual)) ==
              std::vector<std::string>{"/user/age: missing (expected 3)",
                                       "/user/name: expected \"bob\", got \"ann\""});
        CHECK(lines(subset_mismatches(j(R"({"extra":{}})"), actual)) ==
              std::vector<std::string>{"/extra: expected {}, got null (null)"});
    }

    TEST_CASE("arrays in a subset match by position and must have the same length") {
        const json actual = j(R"({"items":[{"sku":"A","n":1},{"sku":"B","n":2}]})");
        CHECK(subset_mismatches(j(R"({"items":[{"sku":"A"},{"sku":"B"}]})"), actual).empty());
        CHECK(lines(subset_mismatches(j(R"({"items":[{"sku":"B"},{"sku":"A"}]})"), actual)) ==
              std::vector<std::string>{"/items/0/sku: expected \"B\", got \"A\"",
                                       "/items/1/sku: expected \"A\", got \"B\""});
        CHECK(lines(subset_mismatches(j(R"({"items":[{"sku":"A"}]})"), actual)) ==
              std::vector<std::string>{"/items: expected 1 elements, got 2"});
    }

    TEST_CASE("keys with / and ~ are escaped in the pointers of mismatches") {
        CHECK(lines(subset_mismatches(j(R"({"a/b":{"c~d":1}})"), j(R"({"a/b":{"c~d":2}})"))) ==
              std::vector<std::string>{"/a~1b/c~0d: expected 1, got 2"});
    }

    TEST_CASE("the actual value projected onto the expected keeps only what was asked for") {
        CHECK(project_onto(j(R"({"a":{"b":1},"z":1})"), j(R"({"a":{"b":2,"c":3},"d":4})")) ==
              j(R"({"a":{"b":2}})"));
        CHECK(project_onto(j(R"([{"a":1}])"), j(R"([{"a":1,"b":2},{"c":3}])")) ==
              j(R"([{"a":1},{"c":3}])"));
        CHECK(project_onto(j(R"({"a":1})"), j("[1]")) == j("[1]"));
    }

    TEST_CASE("a payload is read as JSON, or as a string when it is not JSON") {
        CHECK(payload_json(R"({"a":1})") == j(R"({"a":1})"));
        CHECK(payload_json("0") == json(0));
        CHECK(payload_json("plain text") == json("plain text"));
        CHECK(payload_json("") == json(""));
    }

    TEST_CASE("json_body parses a string body that holds JSON, and leaves others") {
        CHECK(with_json_body(j(R"({"statusCode":200,"body":"{\"id\":1}"})")) ==
              j(R"({"statusCode":200,"body":{"id":1}})"));
        CHECK(with_json_body(j(R"({"body":"not json"})")) == j(R"({"body":"not json"})"));
        CHECK(with_json_body(j(R"({"body":{"id":1}})")) == j(R"({"body":{"id":1}})"));
        CHECK(with_json_body(j("[1]")) == j("[1]"));
    }

    TEST_CASE("ignored pointers are removed, absent ones are skipped") {
        json value = j(R"({"id":"x","a":{"t":1,"k":2},"list":[1,2,3]})");
        remove_pointers(value, {"/id", "/a/t", "/list/1", "/missing/deep", "/list/9"});
        CHECK(value == j(R"({"a":{"k":2},"list":[1,3]})"));
    }

    TEST_CASE("expected headers match case-insensitively by name, exactly by value") {
        const gateway::HeaderList actual = {
            {"Content-Type", "application/json"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}};
        CHECK(
            header_mismatches({{"content-type", "application/json"}, {"SET-COOKIE", "b=2"}}, actual)
                .empty());
        CHECK(header_mismatches({{"content-type", "text/plain"}, {"x-id", "1"}}, actual) ==
              std::vector<std::string>{
                  "header content-type: expected 'text/plain', got 'application/json'",
                  "header x-id: missing (expected '1')"});
    }

    TEST_CASE("headers as JSON have lowercase names and arrays for repeated ones") {
        CHECK(headers_json({{"Content-Type", "a"}, {"Set-Cookie", "1"}, {"set-cookie", "2"}}) ==
              j(R"({"content-type":"a","set-cookie":["1","2"]})"));
    }

} // TEST_SUITE
