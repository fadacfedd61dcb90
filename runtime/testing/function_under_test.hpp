// The function a test file names (a library and symbol, or a function of a template) and the
// API through which its HTTP cases reach it.
#pragma once

#include "runtime/function_spec.hpp"
#include "runtime/testing/test_file.hpp"
#include "runtime/testing/yaml_reader.hpp"

#include <optional>
#include <string>

namespace lambda_local::runtime::testing {

// The id of the API a test file declares with `api:` (10 lowercase alphanumerics, as AWS's).
inline constexpr const char* k_test_api_id = "localtests";
// The stage of a REST API declared with `api: rest`, SAM's default.
inline constexpr const char* k_default_rest_stage = "Prod";

// What `function:` and the top-level `api`, `payload`, `route` and `stage` keys resolve to.
struct FunctionUnderTest {
    FunctionSpec spec;
    std::optional<HttpSetup> http; // none when the file declares no API and the template has none
    bool own_logging = false;      // log_format, log_level or system_log_level was given
};

// Reads `function:` and the HTTP keys from a test file's top-level entries; `dir` is the test
// file's directory, against which relative paths resolve. Throws lambda_local::Error
// "<file>:<line>: <problem>".
FunctionUnderTest read_function_under_test(const YamlReader& reader, const YamlEntries& top,
                                           const std::string& dir);

} // namespace lambda_local::runtime::testing
