// A function as lambda-local runs it: the code, its limits, and its variables.
#pragma once

#include "loaders/abi.hpp"
#include "runtime/env_vars.hpp"
#include "runtime/logging_config.hpp"

#include <cstddef>
#include <cstdint>
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
// Lambda's limits on layers: how many a function may have, and the size of the function's code
// and its layers together, unzipped (262,144,000 bytes).
inline constexpr std::size_t k_max_layers = 5;
inline constexpr std::uint64_t k_max_unzipped_code_bytes = 250ull * 1024 * 1024;

// One function: what to load, the limits Lambda would enforce, and its environment.
// A function is either a library (`library`) or a custom runtime (`bootstrap`).
struct FunctionSpec {
    std::string name;      // Lambda's function name
    std::string library;   // absolute path of the .so
    std::string bootstrap; // a custom runtime (provided.al2023): absolute path of its executable
    std::string handler = "handle"; // the symbol; for a bootstrap, _HANDLER as given (may be empty)
    loaders::Abi abi = loaders::Abi::Auto;
    std::string code_dir; // the task root; the library's directory by default
    double timeout_s = 3;
    int memory_mb = 128;
    int tmp_mb = 512;
    std::string region = "us-east-1";
    EnvVars environment; // the function's own variables
    // Its layers, in order, laid into /opt: as configured, each a folder, a .zip or a layer
    // version ARN (absolute paths); once prepared (runtime/layers/layers.hpp), each the folder
    // whose files go into /opt.
    std::vector<std::string> layers;
    LoggingConfig logging; // LoggingConfig: the log's format and levels

    // "arn:aws:lambda:<region>:123456789012:function:<name>"
    std::string arn() const;
    // "/aws/lambda/<name>"
    std::string log_group_name() const;
    // The handler string Lambda shows in _HANDLER: "<library file>:<symbol>"; for a
    // bootstrap, `handler` as configured.
    std::string handler_string() const;
    // True for a custom runtime: a `bootstrap` speaking the Runtime API.
    bool is_bootstrap() const { return !bootstrap.empty(); }
};

// A function name from a library path: "build/libhello_c.so" → "hello_c".
std::string function_name_from_library(std::string_view path);

// A function name from a directory: "build/samples/bootstrap-cpp" → "bootstrap-cpp".
std::string function_name_from_directory(std::string_view path);

// The absolute path of a custom runtime's executable, from `--bootstrap PATH`: PATH/bootstrap
// when PATH is a directory or does not exist, PATH itself when it is a file. With layers
// (`has_layers`), a directory without a bootstrap runs /opt/bootstrap, as Lambda does.
std::string bootstrap_executable(std::string_view path, bool has_layers = false);

// The code directory (task root) of `--bootstrap PATH`: PATH, or its directory when PATH is a
// file. Absolute.
std::string bootstrap_code_dir(std::string_view path);

// Where a layer puts a custom runtime that the function's code lacks.
inline constexpr const char* k_layer_bootstrap = "/opt/bootstrap";

// Throws lambda_local::Error when a setting is outside Lambda's limits (more than 5 layers
// included) or the name is not a valid function name, or when both a library and a bootstrap
// are given.
void validate(const FunctionSpec& spec);

} // namespace lambda_local::runtime
