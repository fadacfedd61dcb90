// Reading a whole file, with the user-facing error wording.
#pragma once

#include <string>

namespace lambda_local {

// The whole content of `path`. Throws lambda_local::Error
// "<what>: cannot open: <strerror>" (or "cannot read").
std::string read_file(const std::string& path, const std::string& what);

} // namespace lambda_local
