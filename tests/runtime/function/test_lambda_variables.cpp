// Tests of the environment variables a handler sees (AWS: "Defined runtime environment variables").
#include "runtime/function/lambda_variables.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::runtime;

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_variables_tests {

namespace {

constexpr const char* k_stream = "2024/05/15/[$LATEST]0123456789abcdef0123456789abcdef";

FunctionSpec sample_spec() {
    FunctionSpec spec;
    spec.name = "hello_c";
    spec.library = "/srv/code/libhello_c.so";
    spec.handler = "handle";
    spec.code_dir = "/srv/code";
    spec.memory_mb = 256;
    spec.region = "eu-west-3";
    return spec;
}

std::optional<std::string> value_of(const EnvVars& vars, const std::string& key) {
    for (const auto& [name, value] : vars) {
        if (name == key) {
            return value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> keys_of(const EnvVars& vars) {
    std::vector<std::string> keys;
    for (const auto& entry : vars) {
        keys.push_back(entry.first);
    }
    return keys;
}

std::size_t index_of(const EnvVars& vars, const std::string& key) {
    for (std::size_t i = 0; i < vars.size(); ++i) {
        if (vars[i].first == key) {
            return i;
        }
    }
    return vars.size();
}

// What validate_function_variables throws, or "" when it accepts the variables.
std::string validation_error(const EnvVars& vars) {
    try {
        validate_function_variables(vars);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// The variables of sample_spec() per reference §7, credentials aside.
const EnvVars k_expected = {
    {"_HANDLER", "libhello_c.so:handle"},
    {"AWS_REGION", "eu-west-3"},
    {"AWS_DEFAULT_REGION", "eu-west-3"},
    {"AWS_LAMBDA_FUNCTION_NAME", "hello_c"},
    {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"},
    {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
    {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
    {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hello_c"},
    {"AWS_LAMBDA_LOG_STREAM_NAME", k_stream},
    {"AWS_LAMBDA_LOG_FORMAT", "Text"},
    {"LAMBDA_TASK_ROOT", "/srv/code"},
    {"LAMBDA_RUNTIME_DIR", "/var/runtime"},
    {"LANG", "en_US.UTF-8"},
    {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
    {"LD_LIBRARY_PATH", "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                        "/srv/code:/srv/code/lib:/opt/lib"},
    {"TZ", ":UTC"},
    {"AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"},
    {"AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000"},
};

} // namespace

TEST_SUITE_BEGIN("runtime::environment");

TEST_CASE("the environment is Lambda's reserved and unreserved set, with Lambda's values") {
    HostEnvironment host;
    host.variables = {{"HOME", "/root"}, {"USER", "root"}, {"AWS_PROFILE", "dev"}};
    EnvVars vars = build_lambda_environment(sample_spec(), k_stream, host);

    for (const auto& [key, value] : k_expected) {
        CAPTURE(key);
        CHECK(value_of(vars, key) == value);
    }
    // A .so handler is not served the Runtime API, so its address is not set
    // (docs/sandbox.md), as AWS_EXECUTION_ENV is not on OS-only runtimes.
    CHECK_FALSE(value_of(vars, "AWS_LAMBDA_RUNTIME_API").has_value());
    CHECK_FALSE(value_of(vars, "AWS_EXECUTION_ENV").has_value());
    // Nothing else: no host variable, and no variable defined twice.
    for (const auto& key : keys_of(vars)) {
        CAPTURE(key);
        CHECK(value_of(k_expected, key).has_value());
        CHECK(std::count_if(vars.begin(), vars.end(),
                            [&](const auto& entry) { return entry.first == key; }) == 1);
    }
    // Not defined on OS-only runtimes; the trace id is set per invocation.
    CHECK_FALSE(value_of(vars, "AWS_EXECUTION_ENV").has_value());
    CHECK_FALSE(value_of(vars, "_X_AMZN_TRACE_ID").has_value());
}

TEST_CASE("the JSON log format sets the format and the application log level, as Lambda does") {
    FunctionSpec spec = sample_spec();
    CHECK_FALSE(
        value_of(build_lambda_environment(spec, k_stream, {}), "AWS_LAMBDA_LOG_LEVEL").has_value());
    spec.logging.format = LogFormat::Json;
    EnvVars vars = build_lambda_environment(spec, k_stream, {});
    CHECK(value_of(vars, "AWS_LAMBDA_LOG_FORMAT") == "JSON");
    CHECK(value_of(vars, "AWS_LAMBDA_LOG_LEVEL") == "INFO");
    spec.logging.application_level = LogLevel::Trace;
    spec.logging.system_level = LogLevel::Warn;
    vars = build_lambda_environment(spec, k_stream, {});
    CHECK(value_of(vars, "AWS_LAMBDA_LOG_LEVEL") == "TRACE");
}

TEST_CASE("the library path holds the task root and its lib directory") {
    FunctionSpec spec = sample_spec();
    spec.code_dir = "/home/me/fn";
    EnvVars vars = build_lambda_environment(spec, k_stream, {});
    auto path = value_of(vars, "LD_LIBRARY_PATH");
    REQUIRE(path.has_value());
    CHECK(path->find(":/home/me/fn:/home/me/fn/lib:") != std::string::npos);
    CHECK(value_of(vars, "LAMBDA_TASK_ROOT") == "/home/me/fn");
}

TEST_CASE("_HANDLER is the library file and the symbol") {
    FunctionSpec spec = sample_spec();
    spec.library = "/a/b/libecho_cpp.so";
    spec.handler = "whoami";
    EnvVars vars = build_lambda_environment(spec, k_stream, {});
    CHECK(value_of(vars, "_HANDLER") == "libecho_cpp.so:whoami");
}

TEST_CASE("a custom runtime gets AWS_LAMBDA_RUNTIME_API, its _HANDLER, and no AWS_EXECUTION_ENV") {
    FunctionSpec spec = sample_spec();
    spec.library.clear();
    spec.bootstrap = "/srv/fn/bootstrap";
    spec.handler = "my.handler";
    EnvVars vars = build_lambda_environment(spec, k_stream, {}, "127.0.0.1:40123");
    CHECK(value_of(vars, "AWS_LAMBDA_RUNTIME_API") == "127.0.0.1:40123");
    CHECK(value_of(vars, "_HANDLER") == "my.handler");
    CHECK_FALSE(value_of(vars, "AWS_EXECUTION_ENV").has_value());
    // A library is served no Runtime API.
    CHECK_FALSE(
        value_of(build_lambda_environment(sample_spec(), k_stream, {}), "AWS_LAMBDA_RUNTIME_API")
            .has_value());
}

TEST_CASE("the function's variables come last and change nothing reserved") {
    FunctionSpec spec = sample_spec();
    spec.environment = {{"TABLE_NAME", "orders"}, {"DEBUG", "1"}, {"EMPTY", ""}};
    REQUIRE(validation_error(spec.environment).empty());
    EnvVars vars = build_lambda_environment(spec, k_stream, {});
    REQUIRE(vars.size() >= 3);
    CHECK(vars[vars.size() - 3] == std::pair<std::string, std::string>{"TABLE_NAME", "orders"});
    CHECK(vars[vars.size() - 2] == std::pair<std::string, std::string>{"DEBUG", "1"});
    CHECK(vars[vars.size() - 1] == std::pair<std::string, std::string>{"EMPTY", ""});
    for (const auto& [key, value] : k_expected) {
        if (is_reserved_variable(key)) {
            CAPTURE(key);
            CHECK(value_of(vars, key) ==
                  value_of(build_lambda_environment(sample_spec(), k_stream, {}), key));
        }
    }
}

TEST_CASE("a function may replace an unreserved variable") {
    FunctionSpec spec = sample_spec();
    spec.environment = {{"TZ", "Europe/Paris"}};
    REQUIRE(validation_error(spec.environment).empty());
    EnvVars vars = build_lambda_environment(spec, k_stream, {});
    CHECK(value_of(vars, "TZ") == "Europe/Paris");
    CHECK(std::count_if(vars.begin(), vars.end(),
                        [](const auto& entry) { return entry.first == "TZ"; }) == 1);
}

TEST_CASE("host credentials are passed through only when present") {
    SUBCASE("all three") {
        HostEnvironment host;
        host.variables = {{"AWS_SESSION_TOKEN", "token"},
                          {"HOME", "/root"},
                          {"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
                          {"AWS_SECRET_ACCESS_KEY", "secret"}};
        EnvVars vars = build_lambda_environment(sample_spec(), k_stream, host);
        CHECK(value_of(vars, "AWS_ACCESS_KEY_ID") == "AKIAEXAMPLE");
        CHECK(value_of(vars, "AWS_SECRET_ACCESS_KEY") == "secret");
        CHECK(value_of(vars, "AWS_SESSION_TOKEN") == "token");
        CHECK_FALSE(value_of(vars, "HOME").has_value());
        CHECK(vars.size() == build_lambda_environment(sample_spec(), k_stream, {}).size() + 3);
        // After Lambda's own variables, in the order Lambda lists them.
        CHECK(index_of(vars, "AWS_ACCESS_KEY_ID") > index_of(vars, "AWS_XRAY_DAEMON_ADDRESS"));
        CHECK(index_of(vars, "AWS_ACCESS_KEY_ID") < index_of(vars, "AWS_SECRET_ACCESS_KEY"));
        CHECK(index_of(vars, "AWS_SECRET_ACCESS_KEY") < index_of(vars, "AWS_SESSION_TOKEN"));
    }
    SUBCASE("a key pair without a session token") {
        HostEnvironment host;
        host.variables = {{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "s"}};
        EnvVars vars = build_lambda_environment(sample_spec(), k_stream, host);
        CHECK(value_of(vars, "AWS_ACCESS_KEY_ID") == "AKIAEXAMPLE");
        CHECK(value_of(vars, "AWS_SECRET_ACCESS_KEY") == "s");
        CHECK_FALSE(value_of(vars, "AWS_SESSION_TOKEN").has_value());
    }
    SUBCASE("none") {
        HostEnvironment host;
        host.variables = {{"AWS_PROFILE", "dev"}, {"AWS_ACCESS_KEY", "not-a-credential"}};
        EnvVars vars = build_lambda_environment(sample_spec(), k_stream, host);
        CHECK_FALSE(value_of(vars, "AWS_ACCESS_KEY_ID").has_value());
        CHECK_FALSE(value_of(vars, "AWS_SECRET_ACCESS_KEY").has_value());
        CHECK_FALSE(value_of(vars, "AWS_SESSION_TOKEN").has_value());
        CHECK_FALSE(value_of(vars, "AWS_PROFILE").has_value());
        CHECK_FALSE(value_of(vars, "AWS_ACCESS_KEY").has_value());
    }
}

TEST_CASE("other host variables are passed through only with inherit") {
    HostEnvironment host;
    host.variables = {{"HOME", "/root"},
                      {"PATH", "/host/bin"},
                      {"AWS_REGION", "ap-south-1"},
                      {"LAMBDA_TASK_ROOT", "/host"}};
    SUBCASE("without inherit") {
        host.inherit = false;
        EnvVars vars = build_lambda_environment(sample_spec(), k_stream, host);
        CHECK_FALSE(value_of(vars, "HOME").has_value());
        CHECK(value_of(vars, "PATH") == "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    }
    SUBCASE("with inherit, Lambda's values still win") {
        host.inherit = true;
        EnvVars vars = build_lambda_environment(sample_spec(), k_stream, host);
        CHECK(value_of(vars, "HOME") == "/root");
        CHECK(value_of(vars, "PATH") == "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
        CHECK(value_of(vars, "AWS_REGION") == "eu-west-3");
        CHECK(value_of(vars, "LAMBDA_TASK_ROOT") == "/srv/code");
        for (const auto& key : keys_of(vars)) {
            CAPTURE(key);
            CHECK(std::count_if(vars.begin(), vars.end(),
                                [&](const auto& entry) { return entry.first == key; }) == 1);
        }
    }
}

TEST_CASE("a log stream name is the UTC date, [$LATEST] and 32 lowercase hex digits") {
    // 2024-05-15T23:59:59Z
    auto at = WallClock::time_point(std::chrono::seconds(1715817599));
    std::string name = new_log_stream_name(at);
    CHECK(name.size() == 10 + 1 + 9 + 32);
    CHECK(name.substr(0, 20) == "2024/05/15/[$LATEST]");
    CHECK(std::regex_match(name, std::regex(R"(\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32})")));
    CHECK(new_log_stream_name(at) != name);
}

TEST_CASE("a function may not set a reserved variable") {
    SUBCASE("a setting") {
        CHECK(validation_error({{"AWS_REGION", "eu-west-1"}}) ==
              "environment variable AWS_REGION is reserved by Lambda and cannot be set by a "
              "function");
        CHECK(validation_error({{"OK_NAME", "1"}, {"_HANDLER", "x:y"}}) ==
              "environment variable _HANDLER is reserved by Lambda and cannot be set by a "
              "function");
    }
    SUBCASE("a credential points to the host environment") {
        CHECK(validation_error({{"AWS_ACCESS_KEY_ID", "AKIA"}}) ==
              "environment variable AWS_ACCESS_KEY_ID is reserved by Lambda and cannot be set "
              "by a function (set it in the host environment: credentials are passed through)");
    }
}

TEST_CASE("a function's variable names must be a letter then letters, digits or '_'") {
    for (const char* key : {"1A", "A", "A-B", "", "A B", "_AB", "AB=", "ÉTÉ"}) {
        CAPTURE(key);
        CHECK(validation_error({{key, "v"}}) ==
              "environment variable name '" + std::string(key) +
                  "' is invalid: Lambda requires a letter, then letters, digits or '_' (at "
                  "least 2 characters)");
    }
    for (const char* key : {"AB", "a1", "Table_Name_2", "x_"}) {
        CAPTURE(key);
        CHECK(validation_error({{key, "v"}}) == "");
    }
}

TEST_CASE("a function's variables may take 4 KB in all") {
    // Keys and values count: "K0" + 2046 bytes, twice, is 4096 bytes.
    EnvVars vars = {{"K0", std::string(2046, 'x')}, {"K1", std::string(2046, 'y')}};
    CHECK(validation_error(vars) == "");
    vars[1].second += "z";
    CHECK(validation_error(vars) ==
          "the function's environment variables take 4097 bytes; Lambda allows 4 KB in all");
    CHECK(validation_error({}) == "");
}

TEST_CASE("the reserved names are Lambda's") {
    for (const char* name :
         {"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
          "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
          "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
          "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
          "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}) {
        CAPTURE(name);
        CHECK(is_reserved_variable(name));
    }
    for (const char* name :
         {"LANG", "PATH", "LD_LIBRARY_PATH", "TZ", "AWS_XRAY_CONTEXT_MISSING",
          "AWS_XRAY_DAEMON_ADDRESS", "aws_region", "AWS_REGION_", "", "MY_VARIABLE"}) {
        CAPTURE(name);
        CHECK_FALSE(is_reserved_variable(name));
    }
}

TEST_CASE("the variables glibc acts on are held back from the worker, LD_LIBRARY_PATH aside") {
    for (const char* name :
         {"LD_PRELOAD", "LD_AUDIT", "LD_DEBUG", "LD_DEBUG_OUTPUT", "LD_PROFILE", "LD_BIND_NOW",
          "LD_ANYTHING_NEW", "GLIBC_TUNABLES", "GCONV_PATH", "LOCPATH", "NLSPATH", "HOSTALIASES",
          "RES_OPTIONS", "LOCALDOMAIN", "TMPDIR", "TZDIR", "MALLOC_TRACE", "MALLOC_ARENA_MAX"}) {
        CAPTURE(name);
        CHECK(is_loader_variable(name));
    }
    for (const char* name : {"LD_LIBRARY_PATH", "PATH", "TZ", "LANG", "LD", "ld_preload",
                             "MY_LD_PRELOAD", "AWS_REGION", ""}) {
        CAPTURE(name);
        CHECK_FALSE(is_loader_variable(name));
    }
}

TEST_SUITE_END();

} // namespace lambda_variables_tests
