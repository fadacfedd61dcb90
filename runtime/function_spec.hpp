// A function as lambda-local runs it: the code, its limits, and its variables.
#pragma once

#include "loaders/abi.hpp"
#include "runtime/env_vars.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime {

// Lambda's limits for the settings of a function.
inline constexpr double k_min_timeout_s = 1;
inline constexpr double k_max_timeout_s = 900;
inline constexpr int k_min_memory_mb = 128;
inline constexpr int k_max_memory_mb = 10240;
inline constexpr int k_min_tmp_mb = 512;
inline constexpr int k_max_tmp_mb = 10240;
inline constexpr const char* k_account_id = "123456789012";

// One function: what to load, the limits Lambda would enforce, and its environment.
struct FunctionSpec {
    std::string name;    // Lambda's function name
    std::string library; // absolute path of the .so
    std::string handler = "handle";
    loaders::Abi abi = loaders::Abi::Auto;
    std::string code_dir; // the task root; the library's directory by default
    double timeout_s = 3;
    int memory_mb = 128;
    int tmp_mb = 512;
    std::string region = "us-east-1";
    EnvVars environment; // the function's own variables

    // "arn:aws:lambda:<region>:123456789012:function:<name>"
    std::string arn() const;
    // "/aws/lambda/<name>"
    std::string log_group_name() const;
    // The handler string Lambda shows in _HANDLER: "<library file>:<symbol>".
    std::string handler_string() const;
};

// A function name from a library path: "build/libhello_c.so" → "hello_c".
std::string function_name_from_library(std::string_view path);

// Throws lambda_local::Error when a setting is outside Lambda's limits or the
// name is not a valid function name.
void validate(const FunctionSpec& spec);

} // namespace lambda_local::runtime
