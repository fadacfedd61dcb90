// The gdb command line and the VS Code launch configurations that --debug prints.
#include "runtime/debugger/debug_hints.hpp"

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::debugger {
namespace {

using nlohmann::ordered_json;

std::string address(const DebugTarget& target) {
    return "127.0.0.1:" + std::to_string(target.port);
}

std::string configuration_name(const DebugTarget& target, const char* extension) {
    return "lambda-local: " + target.function_name + " (" + extension + ")";
}

// Indents every line but the first by `spaces`.
std::string indented(const std::string& text, std::size_t spaces) {
    std::string out;
    for (char c : text) {
        out += c;
        if (c == '\n') {
            out.append(spaces, ' ');
        }
    }
    return out;
}

} // namespace

DebugTarget debug_target(const FunctionSpec& function, const std::string& worker, int port) {
    DebugTarget target;
    target.port = port;
    target.function_name = function.name;
    if (function.is_bootstrap()) {
        target.program = function.bootstrap;
    } else {
        target.program = worker;
        target.breakpoint = function.handler;
    }
    return target;
}

std::string shell_quote(const std::string& word) {
    bool plain = !word.empty();
    for (char c : word) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == '=' ||
                    c == ',' || c == '+' || c == '@';
        plain = plain && safe;
    }
    if (plain) {
        return word;
    }
    std::string quoted = "'";
    for (char c : word) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

std::string gdb_command(const DebugTarget& target) {
    std::string command = "gdb -q -ex " + shell_quote("set breakpoint pending on") + " -ex " +
                          shell_quote("target remote " + address(target));
    if (!target.breakpoint.empty()) {
        command += " -ex " + shell_quote("break " + target.breakpoint);
    }
    return command + " -ex continue";
}

std::string vscode_cppdbg_configuration(const DebugTarget& target) {
    ordered_json setup = ordered_json::array();
    setup.push_back({{"text", "set breakpoint pending on"}});
    ordered_json configuration = {
        {"name", configuration_name(target, "gdb")},
        {"type", "cppdbg"},
        {"request", "launch"},
        {"program", target.program},
        {"cwd", "${workspaceFolder}"},
        {"MIMode", "gdb"},
        {"miDebuggerPath", "gdb"},
        {"miDebuggerServerAddress", address(target)},
        {"setupCommands", setup},
    };
    return configuration.dump(4);
}

std::string vscode_codelldb_configuration(const DebugTarget& target) {
    ordered_json configuration = {
        {"name", configuration_name(target, "CodeLLDB")},
        {"type", "lldb"},
        {"request", "custom"},
        {"targetCreateCommands", ordered_json::array({"target create " + target.program})},
        {"processCreateCommands", ordered_json::array({"gdb-remote " + address(target)})},
    };
    return configuration.dump(4);
}

std::string debug_banner(const DebugTarget& target) {
    std::string text;
    text += "lambda-local: --debug: the handler process of " + target.function_name +
            " waits, stopped before its init, for a debugger on " + address(target) + "\n";
    text += "lambda-local: --debug: while one is attached the function's timeout and the init "
            "limit are suspended\n";
    text += "lambda-local: --debug: attach with gdb:\n";
    text += "    " + gdb_command(target) + "\n";
    text += "lambda-local: --debug: or in VS Code, a configuration of launch.json for the C/C++ "
            "extension:\n";
    text += "    " + indented(vscode_cppdbg_configuration(target), 4) + "\n";
    text += "lambda-local: --debug: or for CodeLLDB:\n";
    text += "    " + indented(vscode_codelldb_configuration(target), 4) + "\n";
    return text;
}

} // namespace lambda_local::runtime::debugger
