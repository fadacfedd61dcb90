// How deep JSON text nests, told before it is parsed. nlohmann's parser is iterative, but
// copying, comparing or writing out a parsed value recurses once per level: text of a
// million '[' from a handler or a client would overflow the stack of whatever thread
// touched it (an ordered_json object copies its members as it grows). Text from outside is
// refused past a depth that no real payload reaches.
#pragma once

#include <cstddef>
#include <string_view>

namespace lambda_local {

// As deep as arrays and objects may nest in JSON that lambda-local parses from a handler, a
// client or a file: Python's json module stops about here too (its recursion limit).
inline constexpr std::size_t k_max_json_depth = 1000;

// Whether the arrays and objects of `text` (JSON or not) nest no deeper than `limit`; the
// brackets inside strings are not counted. One pass, no allocation.
bool json_depth_within(std::string_view text, std::size_t limit = k_max_json_depth);

// Json::parse(text, nullptr, false), and a discarded value too when `text` nests deeper than
// k_max_json_depth.
template <class Json> Json parse_json_bounded(std::string_view text) {
    if (!json_depth_within(text)) {
        return Json(Json::value_t::discarded);
    }
    return Json::parse(text, nullptr, false);
}

} // namespace lambda_local
