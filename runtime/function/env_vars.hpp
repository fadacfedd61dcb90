// Environment variables as lambda-local passes them around.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime {

// Variables in the order they were first given (a later value replaces an earlier one in place).
using EnvVars = std::vector<std::pair<std::string, std::string>>;

// Sets `key` to `value`, in place when it is set already, else at the end.
inline void set_variable(EnvVars& vars, std::string_view key, std::string value) {
    for (auto& [name, existing] : vars) {
        if (name == key) {
            existing = std::move(value);
            return;
        }
    }
    vars.emplace_back(std::string(key), std::move(value));
}

} // namespace lambda_local::runtime
