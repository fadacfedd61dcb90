// Readable differences between what a case expected and what it got: line diffs of texts and JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace lambda_local::runtime::testing {

// A line diff of two texts: "--- expected" and "+++ actual", then the lines with "  " (both),
// "- " (expected only) and "+ " (actual only). Runs of unchanged lines longer than twice
// `context` are cut to `context` lines on each side, with "  ..." between. "" when equal.
std::string line_diff(std::string_view expected, std::string_view actual, std::size_t context = 3);

// The line diff of two JSON values pretty-printed with two spaces (keys sorted).
std::string json_diff(const nlohmann::json& expected, const nlohmann::json& actual);

// A value as it reads in a message: compact JSON, cut after `limit` characters with "...".
std::string short_json(const nlohmann::json& value, std::size_t limit = 200);

} // namespace lambda_local::runtime::testing
