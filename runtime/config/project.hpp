// A project: the functions and APIs lambda-local serves, from a SAM template, a
// serverless.yml, or flags. Every configuration source produces this one model.
#pragma once

#include "runtime/config/authorizer_config.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/gateway/routes.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::config {

// A scheduled rule that invokes a function (SAM `Type: Schedule`, serverless `schedule:`).
struct ScheduleConfig {
    std::string name;       // the rule's name: the event's logical id, or "<function>-schedule-<n>"
    std::string expression; // "rate(5 minutes)" or "cron(0 12 * * ? *)", as written
    bool enabled = true;
    std::optional<std::string> input; // JSON text sent instead of the scheduled event, when given
};

// One function of a project.
struct FunctionConfig {
    FunctionSpec spec;                       // name, library, handler, limits, variables
    std::optional<int> reserved_concurrency; // ReservedConcurrentExecutions / reservedConcurrency
    // Asynchronous invocations: EventInvokeConfig's MaximumRetryAttempts (0-2) and
    // MaximumEventAgeInSeconds (60-21600); serverless.yml's maximumRetryAttempts and
    // maximumEventAge. Unset: Lambda's 2 and 21600.
    std::optional<int> maximum_retry_attempts;
    std::optional<int> maximum_event_age_s;
    std::vector<ScheduleConfig> schedules; // in the order written
    // The resource name (SAM), the key under `functions` (serverless), else the name.
    std::string logical_id;
};

// CORS settings of an API (SAM `Cors`/`CorsConfiguration`, serverless `cors: true`).
struct CorsConfig {
    std::vector<std::string> allow_origins{"*"};
    std::vector<std::string> allow_methods; // empty: the methods of the API's routes, plus OPTIONS
    std::vector<std::string> allow_headers; // empty: echo Access-Control-Request-Headers
    std::vector<std::string> expose_headers;
    std::optional<int> max_age;
    bool allow_credentials = false;
};

// One API: its routes and stages (in `api`) and what the gateway needs besides.
struct ApiConfig {
    gateway::Api api;
    std::string logical_id;                      // "ServerlessRestApi", "MyApi", or "flags"
    std::vector<std::string> binary_media_types; // REST only: "image/png", "*/*"
    std::optional<CorsConfig> cors;
    std::map<std::string, std::string> stage_variables; // REST `Variables`, none when empty
    std::vector<AuthorizerConfig> authorizers;          // those its routes may name
};

// A function's URL (SAM FunctionUrlConfig or AWS::Lambda::Url, serverless `url:`, or
// `serve --function-url`): docs/serve.md, "Function URLs".
struct FunctionUrlConfig {
    enum class AuthType { None, AwsIam };
    std::string function_name; // the function's Lambda name
    AuthType auth = AuthType::None;
    std::optional<CorsConfig> cors; // none: no CORS headers, a preflight goes to the function
    bool response_stream = false;   // InvokeMode RESPONSE_STREAM (docs/streaming.md)
};

// Where a project came from and what it holds.
struct Project {
    std::string source; // the file it was read from, "" for flags
    std::vector<FunctionConfig> functions;
    std::vector<ApiConfig> apis;
    std::vector<FunctionUrlConfig> function_urls; // at most one per function

    // The function named `name` (its Lambda name or its logical id), or nullptr.
    const FunctionConfig* find_function(std::string_view name) const;
};

// What a configuration file may refer to from the command line and the environment.
struct ProjectOptions {
    std::map<std::string, std::string> parameter_overrides; // SAM --parameter-overrides
    std::map<std::string, std::string> opt;                 // serverless ${opt:...}: stage, region
    bool inherit_process_environment = true;                // serverless ${env:...} reads getenv
};

// Reads a SAM template (template.yaml) or a serverless.yml, by its contents. Library paths
// become absolute, relative to the file's directory. Throws lambda_local::Error naming the
// file, the line and what is wrong: "template.yaml:14: Handler 'handle' names no library
// (write 'libhandler.so:handle')".
Project load_project(const std::string& path, const ProjectOptions& options = {});

// The template.yaml, template.yml, serverless.yml or serverless.yaml in `dir` (the first that
// exists, in that order), or "" when there is none.
std::string find_project_file(const std::string& dir = ".");

// The function a command names: by its name or logical id; with an empty `name`, the project's
// only function. Throws lambda_local::Error naming the project's functions when there is no
// such function, or several and no name.
const FunctionConfig& select_function(const Project& project, std::string_view name);

// SAM's --parameter-overrides text: "Key=Value Key2='a b'" (values may be quoted) or
// "ParameterKey=Key,ParameterValue=Value ...". Throws lambda_local::Error for another shape.
std::map<std::string, std::string> parse_parameter_overrides(std::string_view text);

// The route table text of `serve --list-routes`: one line per route with API, stage,
// method, path (with the stage prefix a client uses) and function.
std::string format_routes(const Project& project);

} // namespace lambda_local::runtime::config
