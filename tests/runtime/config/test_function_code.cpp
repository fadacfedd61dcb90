// Tests of handler strings, the custom-runtime decision, API ids and method names.
#include "runtime/config/api_builder.hpp"
#include "runtime/config/function_code.hpp"

#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace lambda_local::runtime::config {

TEST_SUITE_BEGIN("runtime::config::FunctionCode");

TEST_CASE("a handler names a .so and a symbol, or a .so and the symbol handle") {
    std::optional<HandlerRef> both = parse_handler("libhello.so:say");
    REQUIRE(both.has_value());
    CHECK(both->library == "libhello.so");
    CHECK(both->symbol == "say");
    std::optional<HandlerRef> library = parse_handler("build/libhello.so");
    REQUIRE(library.has_value());
    CHECK(library->library == "build/libhello.so");
    CHECK(library->symbol == "handle");
    std::optional<HandlerRef> versioned = parse_handler("libhello.so.1.2:run");
    REQUIRE(versioned.has_value());
    CHECK(versioned->library == "libhello.so.1.2");
    CHECK(versioned->symbol == "run");
    CHECK_FALSE(parse_handler("index.handler").has_value());
    CHECK_FALSE(parse_handler("bootstrap").has_value());
    CHECK_FALSE(parse_handler("lib.sox:handle").has_value());
    CHECK_FALSE(parse_handler(".so").has_value());
}

TEST_CASE("resolve_function_code puts a relative library under the code directory") {
    FunctionCode code;
    code.function = "Fn";
    code.handler = "sub/libfn.so:run";
    code.handler_key = "Handler";
    code.handler_where = "template.yaml:5";
    code.function_where = "template.yaml:2";
    code.code_dir = "/srv/app";
    FunctionSpec spec;
    resolve_function_code(code, spec);
    CHECK(spec.library == "/srv/app/sub/libfn.so");
    CHECK(spec.handler == "run");
    CHECK(spec.code_dir == "/srv/app");

    code.handler = "/opt/lib/libfn.so";
    resolve_function_code(code, spec);
    CHECK(spec.library == "/opt/lib/libfn.so");
    CHECK(spec.handler == "handle");
}

TEST_CASE("a provided runtime with a bootstrap and no .so handler is a custom runtime, "
          "without a bootstrap it is a handler error") {
    testing::ConfigDir dir;
    FunctionCode code;
    code.function = "Api";
    code.handler = "bootstrap";
    code.handler_key = "Handler";
    code.handler_where = "template.yaml:6";
    code.function_where = "template.yaml:2";
    code.runtime = "provided.al2";
    code.code_dir = dir.path();
    FunctionSpec spec;
    CHECK(testing::error_of([&] { resolve_function_code(code, spec); }) ==
          "template.yaml:6: Handler 'bootstrap' names no library (write "
          "'libhandler.so:handle')");
    dir.write("bootstrap", "#!/bin/sh\n");
    resolve_function_code(code, spec);
    CHECK(spec.bootstrap == dir.path() + "/bootstrap");
    CHECK(spec.library.empty());
    CHECK(spec.handler == "bootstrap");
    CHECK(spec.code_dir == dir.path());
    spec = FunctionSpec();
    code.runtime = "python3.12";
    CHECK(testing::error_of([&] {
              resolve_function_code(code, spec);
          }).starts_with("template.yaml:6: Handler 'bootstrap' names no library"));
    code.runtime = "provided.al2023";
    code.handler = "libapi.so:handle";
    resolve_function_code(code, spec);
    CHECK(spec.library == dir.path() + "/libapi.so");
}

TEST_CASE("an API id is 10 lowercase letters and digits, the same for the same logical id") {
    std::string id = api_id("ServerlessRestApi");
    CHECK(id.size() == 10);
    CHECK(std::all_of(id.begin(), id.end(),
                      [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }));
    CHECK(api_id("ServerlessRestApi") == id);
    CHECK(api_id("ServerlessHttpApi") != id);
}

TEST_CASE("methods are uppercased, and any, * and x-amazon-apigateway-any-method are ANY") {
    CHECK(normalize_method("get") == "GET");
    CHECK(normalize_method("Post") == "POST");
    CHECK(normalize_method("any") == "ANY");
    CHECK(normalize_method("*") == "ANY");
    CHECK(normalize_method("x-amazon-apigateway-any-method") == "ANY");
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config
