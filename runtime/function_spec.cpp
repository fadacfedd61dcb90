// Names and limits of a function.
#include "runtime/function_spec.hpp"

#include "runtime/util/error.hpp"

#include <cstdio>
#include <filesystem>

namespace lambda_local::runtime {
namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::string format_number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

} // namespace

std::string FunctionSpec::arn() const {
    return "arn:aws:lambda:" + region + ":" + k_account_id + ":function:" + name;
}

std::string FunctionSpec::log_group_name() const {
    return "/aws/lambda/" + name;
}

std::string FunctionSpec::handler_string() const {
    if (is_bootstrap()) {
        return handler;
    }
    auto slash = library.rfind('/');
    return (slash == std::string::npos ? library : library.substr(slash + 1)) + ":" + handler;
}

std::string function_name_from_library(std::string_view path) {
    auto slash = path.rfind('/');
    std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (file.size() > 3 && file.substr(0, 3) == "lib") {
        file.remove_prefix(3);
    }
    // The suffix is ".so" at the end, or ".so" followed by version numbers (".so.1.2").
    for (auto dot = file.rfind(".so"); dot != std::string_view::npos && dot > 0;
         dot = dot > 0 ? file.rfind(".so", dot - 1) : std::string_view::npos) {
        std::string_view rest = file.substr(dot + 3);
        if (rest.find_first_not_of("0123456789.") == std::string_view::npos &&
            (rest.empty() || rest.front() == '.')) {
            file = file.substr(0, dot);
            break;
        }
    }
    std::string name;
    for (char c : file) {
        name += is_name_char(c) ? c : '-';
    }
    if (name.empty()) {
        name = "function";
    }
    return name.substr(0, 64);
}

std::string function_name_from_directory(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    auto slash = path.rfind('/');
    std::string_view dir = slash == std::string_view::npos ? path : path.substr(slash + 1);
    std::string name;
    for (char c : dir) {
        name += is_name_char(c) ? c : '-';
    }
    if (name.empty() || name == "-" || name == "--") {
        name = "function"; // "/", "." or ".."
    }
    return name.substr(0, 64);
}

std::string bootstrap_executable(std::string_view path, bool has_layers) {
    namespace fs = std::filesystem;
    fs::path given = fs::absolute(fs::path(path)).lexically_normal();
    std::error_code error;
    if (fs::is_regular_file(given, error)) {
        return given.string();
    }
    std::string inside = given.has_filename()
                             ? (given / "bootstrap").string()
                             : given.string() + "bootstrap"; // "dir/" keeps a trailing separator
    if (has_layers && fs::is_directory(given, error) && !fs::exists(inside, error)) {
        return k_layer_bootstrap;
    }
    return inside;
}

std::string bootstrap_code_dir(std::string_view path) {
    namespace fs = std::filesystem;
    fs::path given = fs::absolute(fs::path(path)).lexically_normal();
    std::error_code error;
    if (fs::is_regular_file(given, error)) {
        return given.parent_path().string();
    }
    std::string dir = given.string();
    if (dir.size() > 1 && dir.back() == '/') {
        dir.pop_back();
    }
    return dir;
}

void validate(const FunctionSpec& spec) {
    if (!spec.library.empty() && !spec.bootstrap.empty()) {
        throw Error("a function is either a library (" + spec.library + ") or a bootstrap (" +
                    spec.bootstrap + "), not both");
    }
    if (spec.name.empty() || spec.name.size() > 64) {
        throw Error("function name '" + spec.name + "' must be 1 to 64 characters");
    }
    for (char c : spec.name) {
        if (!is_name_char(c)) {
            throw Error("function name '" + spec.name +
                        "' may only contain letters, digits, '-' and '_'");
        }
    }
    if (!(spec.timeout_s >= k_min_timeout_s && spec.timeout_s <= k_max_timeout_s)) {
        throw Error("timeout " + format_number(spec.timeout_s) +
                    " s is outside Lambda's range of 1 to 900 seconds");
    }
    if (spec.memory_mb < k_min_memory_mb || spec.memory_mb > k_max_memory_mb) {
        throw Error("memory size " + std::to_string(spec.memory_mb) +
                    " MB is outside Lambda's range of 128 to 10240 MB");
    }
    if (spec.tmp_mb < k_min_tmp_mb || spec.tmp_mb > k_max_tmp_mb) {
        throw Error("ephemeral storage " + std::to_string(spec.tmp_mb) +
                    " MB is outside Lambda's range of 512 to 10240 MB");
    }
    if (spec.layers.size() > k_max_layers) {
        throw Error("function '" + spec.name + "' has " + std::to_string(spec.layers.size()) +
                    " layers: Lambda allows at most " + std::to_string(k_max_layers));
    }
    if (spec.handler.empty() && !spec.is_bootstrap()) {
        throw Error("the handler symbol is empty");
    }
}

} // namespace lambda_local::runtime
