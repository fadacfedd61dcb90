// Environment variables as lambda-local passes them around.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime {

// Variables in the order they were first given (a later value replaces an earlier one in place).
using EnvVars = std::vector<std::pair<std::string, std::string>>;

} // namespace lambda_local::runtime
