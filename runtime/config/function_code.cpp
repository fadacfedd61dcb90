// Handler strings of configuration files: which .so, which symbol, or a custom runtime.
#include "runtime/config/function_code.hpp"

#include "runtime/util/error.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace lambda_local::runtime::config {
namespace {

// "libx.so" or a versioned "libx.so.1.2".
bool names_shared_object(std::string_view path) {
    std::size_t slash = path.rfind('/');
    std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
    std::size_t dot = file.find(".so");
    while (dot != std::string_view::npos) {
        std::string_view rest = file.substr(dot + 3);
        if (dot > 0 &&
            (rest.empty() || (rest.front() == '.' && rest.size() > 1 &&
                              rest.find_first_not_of("0123456789.") == std::string_view::npos))) {
            return true;
        }
        dot = file.find(".so", dot + 1);
    }
    return false;
}

bool is_c_identifier(std::string_view name) {
    auto ident = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    };
    return !name.empty() && !(name.front() >= '0' && name.front() <= '9') &&
           std::all_of(name.begin(), name.end(), ident);
}

bool has_bootstrap(const std::string& code_dir) {
    std::error_code error;
    return std::filesystem::is_regular_file(std::filesystem::path(code_dir) / "bootstrap", error);
}

} // namespace

std::optional<HandlerRef> parse_handler(std::string_view text) {
    std::size_t colon = text.rfind(':');
    HandlerRef ref;
    if (colon != std::string_view::npos && names_shared_object(text.substr(0, colon))) {
        ref.library = std::string(text.substr(0, colon));
        ref.symbol = std::string(text.substr(colon + 1));
        return ref;
    }
    if (names_shared_object(text)) {
        ref.library = std::string(text);
        ref.symbol = k_default_symbol;
        return ref;
    }
    return std::nullopt;
}

void resolve_function_code(const FunctionCode& code, FunctionSpec& spec) {
    std::optional<HandlerRef> ref = parse_handler(code.handler);
    if (!ref) {
        bool in_code = has_bootstrap(code.code_dir);
        if (code.runtime.starts_with("provided") && (in_code || !spec.layers.empty())) {
            // A custom runtime: its bootstrap runs, served a Runtime API; _HANDLER as written.
            // Without one in the code, Lambda runs a layer's: /opt/bootstrap.
            spec.bootstrap = in_code ? (std::filesystem::path(code.code_dir) / "bootstrap")
                                           .lexically_normal()
                                           .string()
                                     : std::string(k_layer_bootstrap);
            spec.library.clear();
            spec.handler = code.handler;
            spec.code_dir = code.code_dir;
            return;
        }
        throw Error(code.handler_where + ": " + code.handler_key + " '" + code.handler +
                    "' names no library (write 'libhandler.so:handle')");
    }
    if (!is_c_identifier(ref->symbol)) {
        throw Error(code.handler_where + ": " + code.handler_key + " '" + code.handler + "': '" +
                    ref->symbol + "' is not a symbol name (letters, digits and '_')");
    }
    std::filesystem::path library(ref->library);
    if (library.is_relative()) {
        library = std::filesystem::path(code.code_dir) / library;
    }
    spec.library = library.lexically_normal().string();
    spec.handler = ref->symbol;
    spec.code_dir = code.code_dir;
}

} // namespace lambda_local::runtime::config
