// `lambda-local serve` as a whole: which project to serve (a file, flags, or the one in the
// working directory), --list-routes, and serving until SIGINT/SIGTERM.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/server/server.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::server {

// An authorizer for the flags' routes (--authorizer-library and its options).
struct FlagsAuthorizer {
    std::string library;            // "" for none
    std::string handler = "handle"; // its symbol
    // REST: "token" (the default) or "request"; HTTP API: "request" (an IAM policy, the
    // default) or "simple" (simple responses).
    std::string type;
    std::vector<std::string> identity; // default: the Authorization header
    std::optional<int> ttl_seconds;    // default: the API type's (REST 300, HTTP API 0)
};

// A quick start without a file: one function and its routes on one API.
struct FlagsFunction {
    FunctionSpec function; // library (or bootstrap) and handler given; neither: not from flags
    std::vector<std::string> routes; // "ANY /{proxy+}", "GET /pets/{id}", "$default"
    gateway::ApiType api_type = gateway::ApiType::Http;
    std::optional<gateway::PayloadFormat> payload_format;
    std::string stage; // REST: "Prod" by default; HTTP API: "$default" by default
    std::optional<config::FunctionUrlConfig> function_url; // --function-url (--invoke-mode)
    // --response-transfer-mode STREAM: the REST API's routes stream (docs/streaming.md).
    bool stream_routes = false;
    FlagsAuthorizer authorizer; // guards every route when its library is given
};

// Everything `serve` is told.
struct ServeCommand {
    std::string project_file; // --template; "" finds one in the working directory
    config::ProjectOptions project_options;
    FlagsFunction flags;
    layers::LayerOptions layer_options; // --layer-map; the cache
    LoggingOverrides logging; // --log-format, --log-level, --system-log-level: every function's
    ServeOptions serve;
    bool list_routes = false;
};

// The API id of the flags' API: fixed, so that URLs stay the same between runs.
inline constexpr const char* k_flags_api_id = "locallocal";

// The project of the flags: the function (named after its library unless named), one API with
// its routes (ANY /{proxy+} and ANY / when none are given). Throws lambda_local::Error for a
// route that is not "METHOD /path" or "$default".
config::Project project_from_flags(const FlagsFunction& flags);

// The project `serve` serves: from --template, else from -l, else the template.yaml or
// serverless.yml of the working directory, with the command's log settings over each function's.
// Throws lambda_local::Error when there is none, for --layer with a file (its functions name
// their own layers), or for log levels with the Text format.
config::Project resolve_serve_project(const ServeCommand& command);

// The start-up lines naming each function URL of `project` served on `port`: its own origin and
// the path-prefix fallback.
std::string format_function_urls(const config::Project& project, const std::string& host, int port);

// Runs `serve`: prints the routes (and exits with --list-routes), or prepares the functions'
// layers (layers.hpp) and serves until SIGINT or SIGTERM, and returns the exit status.
int run_serve(ServeCommand command);

} // namespace lambda_local::runtime::server
