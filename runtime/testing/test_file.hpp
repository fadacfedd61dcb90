// A test file of `lambda-local test`: the function under test and its cases (docs/testing.md).
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/execution/outbound_network.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/gateway/integration.hpp"
#include "runtime/gateway/routes.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// An expected function error: its errorType, and a pattern its errorMessage must contain.
struct ErrorExpectation {
    std::optional<std::string> type;
    std::optional<std::string> message_pattern; // as written, for messages
    std::optional<std::regex> message;          // ECMAScript, searched (anchor with ^ and $)
};

// What a case expects. Every expectation given must hold; with none, the function must succeed.
// A function case's `stream:` (docs/testing.md): the function streamed its response
// (docs/streaming.md), and it ended normally.
struct StreamExpectation {
    std::optional<std::string> body;         // the bytes streamed (after an HTTP prelude), exactly
    std::optional<std::string> content_type; // the content type the function declared
    std::optional<nlohmann::json>
        prelude; // the HTTP prelude, as a subset (response_subset's rules)
};

struct Expectation {
    // Function cases: the response payload, equal or as a subset (every key given must match).
    std::optional<nlohmann::json> response;
    std::optional<nlohmann::json> response_subset;
    bool json_body = false; // a string `body` of the response is compared as JSON
    std::optional<StreamExpectation> stream;
    // JSON pointers removed from the actual answer before comparing: into the response (or
    // {errorType, errorMessage}) of a function case, into {status, headers, body} of an HTTP one.
    std::vector<std::string> ignore;
    std::optional<ErrorExpectation> error;
    std::vector<std::string> logs_contain;
    std::optional<double> max_duration_ms;
    std::optional<std::int64_t> max_memory_mb;
    bool snapshot = false; // compare with (or, with --update, record in) the snapshot file
    // HTTP cases: the answer of the gateway.
    std::optional<int> status;
    gateway::HeaderList headers; // a subset, names compared case-insensitively
    std::optional<std::string> body;
    std::optional<nlohmann::json> body_json;
    std::optional<nlohmann::json> body_subset;
};

// An HTTP case's `authorization:` (docs/testing.md, authorizers): what the route's authorizer
// answers without running one (`output` or `error`), or `run`: the route's own authorizer runs
// for the request, as in `serve`. Exactly one is set.
struct CaseAuthorization {
    std::optional<nlohmann::json> output; // the authorizer's output (a policy, a simple response)
    std::optional<std::string> error;     // the error message it fails with ("Unauthorized")
    bool run = false;                     // `authorization: run`
};

// One entry of a test file's `jwks:`: JWT and Cognito authorizers take the keys of `issuer`
// from the JWKS file at `path` (absolute), as `serve --jwks ISSUER=FILE` does.
struct JwksFile {
    std::string issuer;
    std::string path;
};

// One case: an event for the function (or a request through the gateway) and its expectations.
struct TestCase {
    std::string name;
    int line = 0;                                   // where the case starts in its file
    std::string event;                              // JSON text; "{}" when none is given
    std::optional<gateway::HttpRequest> request;    // an HTTP case: path without the stage
    std::optional<CaseAuthorization> authorization; // HTTP cases only
    Expectation expect;
    std::optional<std::string> skip; // the reason
    bool cold = false;               // start a fresh execution environment for this case
};

// How HTTP cases reach the function: the APIs with routes to it, and their route table.
struct HttpSetup {
    std::vector<config::ApiConfig> apis;
    std::shared_ptr<const gateway::Gateway> gateway; // built from `apis`, as serve builds it
    std::string stage; // the stage the requests are sent to ("$default": no prefix)
    // The functions of the template that the APIs' Lambda authorizers run (for the cases
    // with `authorization: run`), resolved as the function under test is.
    std::vector<FunctionSpec> authorizer_functions;
    std::vector<JwksFile> jwks_files; // `jwks:`
};

// A loaded, checked test file.
struct TestFile {
    std::string path;      // as found (for messages and reports)
    FunctionSpec function; // resolved: absolute library path, limits, variables
    std::optional<HttpSetup> http;
    std::optional<NetworkMode> network; // `network:`, over the command's --network
    // The function's log_format, log_level or system_log_level were given: the command's
    // --log-format, --log-level and --system-log-level leave its LoggingConfig alone.
    bool own_logging = false;
    std::vector<TestCase> cases;
    bool runs_authorizers = false; // a case has `authorization: run`
    std::string snapshot_path;     // <name>.snap.json beside the file
    // The snapshot file's entries (case name → recorded answer); empty when there is none.
    nlohmann::ordered_json snapshots = nlohmann::ordered_json::object();
};

// Reads and checks a test file (YAML, or JSON for *.json). Relative paths in it (library,
// template, event_file) are relative to the file's directory. Throws lambda_local::Error
// "<path>:<line>: <problem>" for anything wrong with it.
TestFile load_test_file(const std::string& path);

// `text` with ${NAME} and ${NAME:-default} replaced from the process environment. Throws
// lambda_local::Error "${NAME} is not set" for an unset variable without a default.
std::string expand_variables(const std::string& text);

} // namespace lambda_local::runtime::testing
