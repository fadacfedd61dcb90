// Comparing what a function answered with what a case expects: JSON equality and subsets,
// JSON string bodies, ignored fields, and HTTP headers.
#pragma once

#include "runtime/gateway/api.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::testing {

// One place where two JSON values differ: a JSON pointer ("" for the root) and what differs.
struct Mismatch {
    std::string pointer; // "/event/items/1"
    std::string problem; // "expected 2, got 3"
};

// Where `actual` differs from `expected`, as equality sees it (numbers compare by value:
// 1 equals 1.0). At most `limit` mismatches; none when equal.
std::vector<Mismatch> equal_mismatches(const nlohmann::json& expected, const nlohmann::json& actual,
                                       std::size_t limit = 20);

// Where `actual` fails to contain `expected`: an object must have every key `expected` gives,
// each matching by this rule (other keys are ignored); an array must have the same length,
// its elements matching by position; anything else must be equal.
std::vector<Mismatch> subset_mismatches(const nlohmann::json& expected,
                                        const nlohmann::json& actual, std::size_t limit = 20);

// `actual` cut down to the keys `expected` gives (recursively, arrays by position), so that a
// diff of a subset comparison shows only what was asked for.
nlohmann::json project_onto(const nlohmann::json& expected, const nlohmann::json& actual);

// The mismatches as lines: "  at /a/b: expected 2, got 3".
std::string describe_mismatches(const std::vector<Mismatch>& mismatches);

// A payload as JSON: parsed when it is JSON, else the text as a JSON string.
nlohmann::json payload_json(std::string_view payload);

// `value` with a string member "body" that holds JSON replaced by that JSON (json_body: true).
nlohmann::json with_json_body(nlohmann::json value);

// Removes the members or elements that JSON pointers name (absent ones are ignored).
void remove_pointers(nlohmann::json& value, const std::vector<std::string>& pointers);

// The expected headers that `actual` lacks: names compared case-insensitively, and each
// expected value must be one of the values of that name. One line per problem.
std::vector<std::string> header_mismatches(const gateway::HeaderList& expected,
                                           const gateway::HeaderList& actual);

// Headers as a JSON object with lowercase names: a string per name, or an array of strings
// when the name repeats (Set-Cookie), in the order sent.
nlohmann::json headers_json(const gateway::HeaderList& headers);

} // namespace lambda_local::runtime::testing
