// The deployable `bootstrap`: loads a classic or native handler library named by _HANDLER
// and serves its invocations through the Runtime API, on AWS Lambda (provided.al2023) or
// under `lambda-local invoke --bootstrap`.
#pragma once

#include "loaders/loader.hpp"
#include "runtime/bootstrap/runtime_client.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::bootstrap {

// What the bootstrap reads from its environment.
struct BootstrapSettings {
    std::string runtime_api;  // AWS_LAMBDA_RUNTIME_API
    std::string handler;      // _HANDLER: "libhandler.so:handle"
    std::string task_root;    // LAMBDA_TASK_ROOT; the working directory when unset
    loaders::Context context; // function name, version, memory, log group and stream
    RetryPolicy retry;

    // The settings from Lambda's reserved variables (AWS: "Defined runtime environment variables").
    static BootstrapSettings from_environment();
};

// Where the handler is: the library's path and the symbol.
struct HandlerLocation {
    std::string library;
    std::string symbol;
};

// The handler setting "<library>[:<symbol>]" (the SAM template's `Handler:
// libhandler.so:handle`), the library relative to `task_root` unless absolute, the symbol
// `handle` when none is given; nothing when no library is named.
std::optional<HandlerLocation> parse_handler_setting(std::string_view handler,
                                                     std::string_view task_root);

// Loads and initializes the handler (posting /init/error when that fails), then serves
// invocations until the Runtime API asks the runtime to exit or cannot be reached.
// Returns the exit status: always non-zero, since a healthy runtime is ended by Lambda.
int run_bootstrap(const BootstrapSettings& settings);

} // namespace lambda_local::runtime::bootstrap
