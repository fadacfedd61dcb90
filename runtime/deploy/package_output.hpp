// What `package` writes and prints, for a function and for a layer alike.
#pragma once

#include <cstdint>
#include <string>

namespace lambda_local::runtime::deploy {

// Writes `bytes` to a temporary file beside `path`, then renames it over `path`. Throws
// lambda_local::Error "<path>: cannot create: <why>".
void write_atomically(const std::string& path, const std::string& bytes);

// A CloudFormation logical id from a name: ("hello_c", "Function") → "HelloCFunction".
std::string logical_id(const std::string& name, const std::string& suffix);

// "12.3 MB", "4.0 KB", "17 bytes".
std::string size_text(std::uint64_t bytes);

} // namespace lambda_local::runtime::deploy
