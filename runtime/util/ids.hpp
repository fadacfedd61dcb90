// Random identifiers in the formats Lambda uses.
#pragma once

#include <cstddef>
#include <string>

namespace lambda_local {

// A random version-4 UUID in lowercase ("160788cd-45ff-4583-809f-c7e31127cb95").
std::string new_request_id();
// `count` random lowercase hex digits.
std::string random_hex(std::size_t count);

} // namespace lambda_local
