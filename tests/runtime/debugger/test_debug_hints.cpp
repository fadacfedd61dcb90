// Tests of what --debug prints: the gdb command and the VS Code launch configurations.
#include "runtime/debugger/debug_hints.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::debugger;

namespace {

DebugTarget library_target() {
    DebugTarget target;
    target.port = 1234;
    target.program = "/opt/lambda-local/libexec/lambda-local-worker";
    target.breakpoint = "handle";
    target.function_name = "orders";
    return target;
}

} // namespace

TEST_SUITE_BEGIN("runtime::debugger::hints");

TEST_CASE("a word is quoted for the shell only when it must be") {
    CHECK(shell_quote("handle") == "handle");
    CHECK(shell_quote("127.0.0.1:1234") == "127.0.0.1:1234");
    CHECK(shell_quote("break handle") == "'break handle'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("$HOME") == "'$HOME'");
}

TEST_CASE("the gdb command connects, breaks at the handler and continues") {
    DebugTarget target = library_target();
    CHECK(gdb_command(target) ==
          "gdb -q -ex 'set breakpoint pending on' -ex 'target remote 127.0.0.1:1234' "
          "-ex 'break handle' -ex continue");
    SUBCASE("a custom runtime: no breakpoint of its own") {
        target.breakpoint.clear();
        target.port = 5000;
        CHECK(gdb_command(target) ==
              "gdb -q -ex 'set breakpoint pending on' -ex 'target remote 127.0.0.1:5000' "
              "-ex continue");
    }
}

TEST_CASE("the cppdbg configuration names the program and the server's address") {
    const nlohmann::json configuration =
        nlohmann::json::parse(vscode_cppdbg_configuration(library_target()));
    CHECK(configuration["name"] == "lambda-local: orders (gdb)");
    CHECK(configuration["type"] == "cppdbg");
    CHECK(configuration["request"] == "launch");
    CHECK(configuration["program"] == "/opt/lambda-local/libexec/lambda-local-worker");
    CHECK(configuration["MIMode"] == "gdb");
    CHECK(configuration["miDebuggerServerAddress"] == "127.0.0.1:1234");
    CHECK(configuration["setupCommands"] ==
          nlohmann::json::array({{{"text", "set breakpoint pending on"}}}));
}

TEST_CASE("the CodeLLDB configuration creates the target and connects with gdb-remote") {
    DebugTarget target = library_target();
    target.program = "/work/a \"quoted\" dir/bootstrap";
    const nlohmann::json configuration =
        nlohmann::json::parse(vscode_codelldb_configuration(target));
    CHECK(configuration["type"] == "lldb");
    CHECK(configuration["request"] == "custom");
    CHECK(configuration["targetCreateCommands"] ==
          nlohmann::json::array({"target create /work/a \"quoted\" dir/bootstrap"}));
    CHECK(configuration["processCreateCommands"] ==
          nlohmann::json::array({"gdb-remote 127.0.0.1:1234"}));
}

TEST_CASE("the target of a library is the worker at the handler; of a runtime, its bootstrap") {
    FunctionSpec function;
    function.name = "orders";
    function.library = "/srv/liborders.so";
    function.handler = "create_order";
    DebugTarget target = debug_target(function, "/usr/libexec/lambda-local-worker", 4321);
    CHECK(target.program == "/usr/libexec/lambda-local-worker");
    CHECK(target.breakpoint == "create_order");
    CHECK(target.port == 4321);
    CHECK(target.function_name == "orders");
    function.library.clear();
    function.bootstrap = "/srv/runtime/bootstrap";
    target = debug_target(function, "/usr/libexec/lambda-local-worker", 4321);
    CHECK(target.program == "/srv/runtime/bootstrap");
    CHECK(target.breakpoint.empty());
}

TEST_CASE("the banner gives the address, the gdb command and both configurations") {
    const std::string banner = debug_banner(library_target());
    CHECK(banner.find("for a debugger on 127.0.0.1:1234\n") != std::string::npos);
    CHECK(banner.find("    " + gdb_command(library_target()) + "\n") != std::string::npos);
    CHECK(banner.find("\"type\": \"cppdbg\"") != std::string::npos);
    CHECK(banner.find("\"type\": \"lldb\"") != std::string::npos);
    CHECK(banner.find("timeout and the init limit are suspended") != std::string::npos);
}

TEST_SUITE_END();
