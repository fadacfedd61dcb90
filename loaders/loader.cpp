// Opening the library, detecting the ABI, and the loader errors as Lambda types them.
#include "loaders/loader.hpp"

#include "loaders/classic.hpp"
#include "loaders/library.hpp"
#include "loaders/native.hpp"
#include "runtime/util/json_writer.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

namespace lambda_local::loaders {
namespace {

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Lambda's error type for a library dlopen rejected, from the loader's message.
std::string load_error_type(const std::string& library, const std::string& message) {
    if (message.rfind(library + ":", 0) == 0 &&
        message.find("undefined symbol") == std::string::npos) {
        return "Runtime.InvalidEntrypoint"; // the library itself cannot be read or mapped
    }
    // The library itself is fine but something it needs is missing.
    if (message.find("undefined symbol") != std::string::npos ||
        message.find("cannot open shared object file") != std::string::npos ||
        message.find("version `") != std::string::npos) {
        return "Runtime.ImportModuleError";
    }
    return "Runtime.InvalidEntrypoint";
}

LoadResult failure(std::string type, std::string message) {
    LoadResult result;
    result.error = HandlerError{std::move(type), std::move(message)};
    return result;
}

} // namespace

Library::~Library() {
    if (m_handle != nullptr) {
        ::dlclose(m_handle);
    }
}

void* Library::symbol(const std::string& name) const {
    return ::dlsym(m_handle, name.c_str());
}

std::string Context::to_json() const {
    std::string text;
    JsonWriter json(text);
    json.begin_object()
        .key("function_name")
        .string(function_name)
        .key("function_version")
        .string(function_version)
        .key("invoked_function_arn")
        .string(invoked_function_arn)
        .key("memory_limit_in_mb")
        .string(memory_limit_in_mb)
        .key("aws_request_id")
        .string(aws_request_id)
        .key("log_group_name")
        .string(log_group_name)
        .key("log_stream_name")
        .string(log_stream_name)
        .key("deadline_ms")
        .number(deadline_ms);
    if (!xray_trace_id.empty()) {
        json.key("xray_trace_id").string(xray_trace_id);
    }
    if (!client_context.empty()) {
        json.key("client_context").raw(client_context);
    }
    json.end_object();
    return text;
}

const char* Context::value(std::string_view key, std::string& scratch) const {
    const std::string* found = nullptr;
    if (key == "function_name") {
        found = &function_name;
    } else if (key == "function_version") {
        found = &function_version;
    } else if (key == "invoked_function_arn") {
        found = &invoked_function_arn;
    } else if (key == "memory_limit_in_mb") {
        found = &memory_limit_in_mb;
    } else if (key == "aws_request_id") {
        found = &aws_request_id;
    } else if (key == "log_group_name") {
        found = &log_group_name;
    } else if (key == "log_stream_name") {
        found = &log_stream_name;
    } else if (key == "xray_trace_id") {
        found = &xray_trace_id;
    } else if (key == "client_context") {
        found = &client_context;
    } else if (key == "deadline_ms") {
        scratch = std::to_string(deadline_ms);
        return scratch.c_str();
    }
    if (found == nullptr || found->empty()) {
        return nullptr;
    }
    return found->c_str();
}

LoadResult load_handler(const std::string& library, const std::string& symbol, Abi abi,
                        const Context& init_context) {
    struct stat info {};
    if (::stat(library.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        void* probe = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (probe == nullptr) {
            return failure("Runtime.InvalidEntrypoint", ::dlerror());
        }
        ::dlclose(probe);
    }
    Library opened(::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (!opened) {
        std::string message = ::dlerror();
        return failure(load_error_type(library, message), message);
    }
    void* marker = opened.symbol(k_abi_version_symbol);
    if (abi == Abi::Auto) {
        abi = marker != nullptr ? Abi::Native : Abi::Classic;
    }
    if (abi == Abi::Native && marker == nullptr) {
        return failure("Runtime.InvalidEntrypoint",
                       "'" + base_name(library) + "' does not export " + k_abi_version_symbol +
                           ", which the native ABI requires");
    }
    void* entry = opened.symbol(symbol);
    if (entry == nullptr) {
        return failure("Runtime.HandlerNotFound",
                       "Handler '" + symbol + "' missing on module '" + base_name(library) + "'");
    }
    if (abi == Abi::Classic) {
        return LoadResult{make_classic_handler(std::move(opened), entry), std::nullopt};
    }
    return load_native_handler(std::move(opened), marker, entry, init_context);
}

} // namespace lambda_local::loaders
