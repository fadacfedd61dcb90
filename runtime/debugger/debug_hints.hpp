// What `--debug` prints: the gdb command and VS Code launch configurations that attach.
#pragma once

#include "runtime/function/function_spec.hpp"

#include <string>

namespace lambda_local::runtime::debugger {

// What a debugger attaches to.
struct DebugTarget {
    int port = 0;              // on 127.0.0.1
    std::string program;       // the executable the handler process runs: the worker, or the
                               // custom runtime's bootstrap
    std::string breakpoint;    // a symbol to stop at (the handler's), or "" for none
    std::string function_name; // for the configurations' names
};

// The target of `function`'s environments: the worker (`worker`, which loads a library) with a
// breakpoint on the handler's symbol, or the custom runtime's bootstrap, without one.
DebugTarget debug_target(const FunctionSpec& function, const std::string& worker, int port);

// A word for a POSIX shell: as it is when it needs no quoting, else in single quotes.
std::string shell_quote(const std::string& word);

// gdb -q -ex 'set breakpoint pending on' -ex 'target remote 127.0.0.1:<port>'
//   [-ex 'break <symbol>'] -ex continue
std::string gdb_command(const DebugTarget& target);

// A configuration of the C/C++ extension (cppdbg) that attaches to the target, as JSON.
std::string vscode_cppdbg_configuration(const DebugTarget& target);

// A configuration of CodeLLDB ("type": "lldb", a custom request: gdb-remote), as JSON.
std::string vscode_codelldb_configuration(const DebugTarget& target);

// The lines printed when a command starts with --debug: where to connect, the gdb command,
// both launch.json configurations, and what changes while the debugger is attached.
std::string debug_banner(const DebugTarget& target);

} // namespace lambda_local::runtime::debugger
