// The environment variables a handler sees: Lambda's reserved set and the function's own.
#pragma once

#include "runtime/function/function_spec.hpp"
#include "runtime/util/clock.hpp"

#include <string>
#include <string_view>

namespace lambda_local::runtime {

// What the host contributes to an execution environment's variables.
struct HostEnvironment {
    EnvVars variables;    // the host's environment (only credentials are taken by default)
    bool inherit = false; // --inherit-env: pass every host variable through
};

// The host's environment of this process.
HostEnvironment current_host_environment(bool inherit);

// "2024/05/15/[$LATEST]<32 lowercase hex>"
std::string new_log_stream_name(WallClock::time_point now);

// True for the names Lambda reserves (a function may not set them).
bool is_reserved_variable(std::string_view name);

// True for a variable that glibc acts on in any process it is in (its loader at the start:
// LD_PRELOAD, LD_AUDIT, LD_DEBUG_OUTPUT; libc later: GCONV_PATH, GLIBC_TUNABLES...): glibc's
// own list of variables unsafe for a privileged program (unsecvars.h), every LD_ and MALLOC_
// name, and not LD_LIBRARY_PATH. A function's value of one is code or files of the function's
// choosing: such variables are kept out of the worker, which starts outside the sandbox, often
// as root, and given to the handler process once it is sandboxed (docs/sandbox.md).
bool is_loader_variable(std::string_view name);

// Throws lambda_local::Error when the function's variables break Lambda's rules:
// a reserved name, a key that is not [A-Za-z][A-Za-z0-9_]+, or more than 4 KB in all.
void validate_function_variables(const EnvVars& variables);

// The complete environment of an execution environment, in a stable order:
// Lambda's reserved and unreserved variables (reference §7), the host's AWS
// credentials when set, then the function's own variables. `runtime_api` ("127.0.0.1:<port>"),
// when given, is AWS_LAMBDA_RUNTIME_API: the Runtime API served for a custom runtime.
EnvVars build_lambda_environment(const FunctionSpec& spec, std::string_view log_stream_name,
                                 const HostEnvironment& host, std::string_view runtime_api = {});

} // namespace lambda_local::runtime
