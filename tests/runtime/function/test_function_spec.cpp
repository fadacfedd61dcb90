// Tests of a function's names and of Lambda's limits on its settings.
#include "runtime/function/function_spec.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace lambda_local;
using namespace lambda_local::runtime;

namespace {

FunctionSpec valid_spec() {
    FunctionSpec spec;
    spec.name = "hello_c";
    spec.library = "/srv/build/libhello_c.so";
    spec.code_dir = "/srv/build";
    return spec;
}

// What validate() throws, or "" when it accepts the spec.
std::string validation_error(const FunctionSpec& spec) {
    try {
        validate(spec);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("runtime::function_spec");

TEST_CASE("a function is named after its library file") {
    SUBCASE("lib prefix and .so suffix dropped") {
        CHECK(function_name_from_library("build/libhello_c.so") == "hello_c");
        CHECK(function_name_from_library("/abs/path/libecho_cpp.so") == "echo_cpp");
    }
    SUBCASE("no lib prefix") {
        CHECK(function_name_from_library("x/handler.so") == "handler");
        CHECK(function_name_from_library("handler.so") == "handler");
    }
    SUBCASE("a versioned library") {
        CHECK(function_name_from_library("libfoo.so.1") == "foo");
        CHECK(function_name_from_library("/opt/lib/libfoo.so.1.2.3") == "foo");
    }
    SUBCASE("characters a function name may not hold become '-'") {
        CHECK(function_name_from_library("libmy.func.so") == "my-func");
        CHECK(function_name_from_library("dir/liba+b@c d.so") == "a-b-c-d");
        CHECK(function_name_from_library("libkeep-this_Name9.so") == "keep-this_Name9");
    }
    SUBCASE("at most 64 characters") {
        std::string name = function_name_from_library("lib" + std::string(80, 'n') + ".so");
        CHECK(name == std::string(64, 'n'));
    }
    SUBCASE("the directory's name does not count") {
        CHECK(function_name_from_library("lib.d/libx.so") == "x");
    }
}

TEST_CASE("a '.so' inside a library's name is not taken for its suffix") {
    CHECK(function_name_from_library("libfoo.socket.so") == "foo-socket");
    CHECK(function_name_from_library("build/libaudio.sound.so.2") == "audio-sound");
}

TEST_CASE("a function's ARN, log group and handler string") {
    FunctionSpec spec = valid_spec();
    CHECK(spec.arn() == "arn:aws:lambda:us-east-1:123456789012:function:hello_c");
    CHECK(spec.log_group_name() == "/aws/lambda/hello_c");
    CHECK(spec.handler_string() == "libhello_c.so:handle");

    spec.region = "eu-central-1";
    spec.name = "orders-api";
    spec.handler = "whoami";
    spec.library = "relative.so";
    CHECK(spec.arn() == "arn:aws:lambda:eu-central-1:123456789012:function:orders-api");
    CHECK(spec.log_group_name() == "/aws/lambda/orders-api");
    CHECK(spec.handler_string() == "relative.so:whoami");
}

TEST_CASE("a spec's defaults are Lambda's") {
    FunctionSpec spec;
    CHECK(spec.handler == "handle");
    CHECK(spec.abi == loaders::Abi::Auto);
    CHECK(spec.timeout_s == 3);
    CHECK(spec.memory_mb == 128);
    CHECK(spec.tmp_mb == 512);
    CHECK(spec.region == "us-east-1");
    CHECK(validation_error(valid_spec()) == "");
}

TEST_CASE("the timeout is 1 to 900 seconds") {
    FunctionSpec spec = valid_spec();
    SUBCASE("the bounds are accepted") {
        spec.timeout_s = 1;
        CHECK(validation_error(spec) == "");
        spec.timeout_s = 900;
        CHECK(validation_error(spec) == "");
        spec.timeout_s = 2.5;
        CHECK(validation_error(spec) == "");
    }
    SUBCASE("below") {
        spec.timeout_s = 0.5;
        CHECK(validation_error(spec) ==
              "timeout 0.5 s is outside Lambda's range of 1 to 900 seconds");
        spec.timeout_s = 0;
        CHECK(validation_error(spec) ==
              "timeout 0 s is outside Lambda's range of 1 to 900 seconds");
        spec.timeout_s = -3;
        CHECK(validation_error(spec) ==
              "timeout -3 s is outside Lambda's range of 1 to 900 seconds");
    }
    SUBCASE("above") {
        spec.timeout_s = 900.5;
        CHECK(validation_error(spec) ==
              "timeout 900.5 s is outside Lambda's range of 1 to 900 seconds");
    }
    SUBCASE("not a number") {
        spec.timeout_s = std::numeric_limits<double>::quiet_NaN();
        CHECK(validation_error(spec) != "");
    }
}

TEST_CASE("the memory size is 128 to 10240 MB") {
    FunctionSpec spec = valid_spec();
    spec.memory_mb = 128;
    CHECK(validation_error(spec) == "");
    spec.memory_mb = 10240;
    CHECK(validation_error(spec) == "");
    spec.memory_mb = 127;
    CHECK(validation_error(spec) ==
          "memory size 127 MB is outside Lambda's range of 128 to 10240 MB");
    spec.memory_mb = 10241;
    CHECK(validation_error(spec) ==
          "memory size 10241 MB is outside Lambda's range of 128 to 10240 MB");
}

TEST_CASE("the ephemeral storage is 512 to 10240 MB") {
    FunctionSpec spec = valid_spec();
    spec.tmp_mb = 512;
    CHECK(validation_error(spec) == "");
    spec.tmp_mb = 10240;
    CHECK(validation_error(spec) == "");
    spec.tmp_mb = 511;
    CHECK(validation_error(spec) ==
          "ephemeral storage 511 MB is outside Lambda's range of 512 to 10240 MB");
    spec.tmp_mb = 10241;
    CHECK(validation_error(spec) ==
          "ephemeral storage 10241 MB is outside Lambda's range of 512 to 10240 MB");
}

TEST_CASE("a function name is 1 to 64 letters, digits, '-' or '_'") {
    FunctionSpec spec = valid_spec();
    SUBCASE("empty") {
        spec.name = "";
        CHECK(validation_error(spec) == "function name '' must be 1 to 64 characters");
    }
    SUBCASE("64 characters are accepted, 65 are not") {
        spec.name = std::string(64, 'a');
        CHECK(validation_error(spec) == "");
        spec.name = std::string(65, 'a');
        CHECK(validation_error(spec) ==
              "function name '" + spec.name + "' must be 1 to 64 characters");
    }
    SUBCASE("a character outside the set") {
        spec.name = "my.function";
        CHECK(validation_error(spec) ==
              "function name 'my.function' may only contain letters, digits, '-' and '_'");
    }
    SUBCASE("the allowed set") {
        spec.name = "A-z_0-9";
        CHECK(validation_error(spec) == "");
    }
}

TEST_CASE("the handler symbol may not be empty") {
    FunctionSpec spec = valid_spec();
    spec.handler = "";
    CHECK(validation_error(spec) == "the handler symbol is empty");
}

TEST_CASE("a custom runtime is named after its directory and runs its bootstrap") {
    CHECK(function_name_from_directory("build/samples/bootstrap-cpp") == "bootstrap-cpp");
    CHECK(function_name_from_directory("/srv/my.fn/") == "my-fn");
    CHECK(function_name_from_directory("/") == "function");
    CHECK(function_name_from_directory(std::string(80, 'd')) == std::string(64, 'd'));
    // A directory (existing or not) gets /bootstrap; an existing file is taken as it is.
    CHECK(bootstrap_executable("/srv/fn") == "/srv/fn/bootstrap");
    CHECK(bootstrap_executable("/srv/fn/") == "/srv/fn/bootstrap");
    CHECK(bootstrap_executable("/srv/a/../fn") == "/srv/fn/bootstrap");
    CHECK(bootstrap_executable(LL_SOURCE_DIR "/samples/bootstrap-script/bootstrap") == LL_SOURCE_DIR
          "/samples/bootstrap-script/bootstrap");
    CHECK(bootstrap_executable(LL_SOURCE_DIR "/samples/bootstrap-script") == LL_SOURCE_DIR
          "/samples/bootstrap-script/bootstrap");
}

TEST_CASE("a custom runtime's handler is _HANDLER as given, and may be empty") {
    FunctionSpec spec = valid_spec();
    spec.library.clear();
    spec.bootstrap = "/srv/fn/bootstrap";
    CHECK(spec.is_bootstrap());
    spec.handler = "my.handler";
    CHECK(spec.handler_string() == "my.handler");
    spec.handler.clear();
    CHECK(spec.handler_string() == "");
    CHECK(validation_error(spec) == "");
    SUBCASE("a library's handler may not be empty") {
        spec.bootstrap.clear();
        spec.library = "/srv/build/libhello_c.so";
        CHECK(validation_error(spec) == "the handler symbol is empty");
    }
    SUBCASE("not both a library and a bootstrap") {
        spec.library = "/srv/build/libhello_c.so";
        CHECK(validation_error(spec) == "a function is either a library (/srv/build/libhello_c.so) "
                                        "or a bootstrap (/srv/fn/bootstrap), not both");
    }
}

TEST_SUITE_END();
