// How a configuration file names a function's code: a .so and its symbol, or a custom runtime.
#pragma once

#include "runtime/function_spec.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::config {

// The symbol a Handler that names only a library runs: "libhandler.so" → "handle".
inline constexpr const char* k_default_symbol = "handle";

// A handler string split: "bin/libhandler.so:handle" → {"bin/libhandler.so", "handle"}.
struct HandlerRef {
    std::string library; // as written, relative to the code directory unless absolute
    std::string symbol;
};

// Splits "libhandler.so:handle", "dir/libhandler.so" (symbol "handle") or
// "libhandler.so.1:handle". Nothing when the text names no .so file; a symbol that is not a C
// identifier is still returned (resolve_function_code rejects it).
std::optional<HandlerRef> parse_handler(std::string_view text);

// A function's code as a configuration file gives it.
struct FunctionCode {
    std::string function;       // the function's name, for messages
    std::string handler;        // the handler as written: "libhandler.so:handle", "bootstrap"
    std::string handler_key;    // the key it was written under: "Handler" or "handler"
    std::string handler_where;  // "template.yaml:14": where the handler was written
    std::string function_where; // where the function was defined
    std::string runtime;        // "provided.al2023"; "" when none is given
    std::string code_dir;       // absolute: the task root, where a relative library starts
};

// The one place that decides how lambda-local runs a function's code. A handler naming a .so
// sets spec.library (absolute), spec.handler and spec.code_dir. A function of a `provided.*`
// runtime whose code directory holds a `bootstrap` and whose handler names no .so is a custom
// runtime: spec.bootstrap is <code_dir>/bootstrap, spec.handler the handler as written (its
// _HANDLER), spec.library empty. So is one whose code has no `bootstrap` but which has layers
// (spec.layers, set before): it runs /opt/bootstrap, as Lambda does. Any other handler is an Error
// at its line: "template.yaml:14: Handler 'handle' names no library (write
// 'libhandler.so:handle')".
void resolve_function_code(const FunctionCode& code, FunctionSpec& spec);

} // namespace lambda_local::runtime::config
