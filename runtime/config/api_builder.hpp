// What both configuration loaders assemble a project from: APIs collected with their lines and
// checked as a whole, and functions with unique names.
#pragma once

#include "runtime/config/project.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime::config {

// The id lambda-local gives an API: 10 lowercase letters and digits derived from its logical id
// ("ServerlessRestApi"), the same on every run, as an API Gateway id looks.
std::string api_id(std::string_view logical_id);

// A route as a configuration file wrote it.
struct RouteEntry {
    gateway::Route route;
    std::string where; // "template.yaml:31": the event that defined it
};

// An API being collected from a configuration file.
struct ApiEntry {
    ApiConfig config;  // logical_id, type, stages and settings; its routes come from `routes`
    std::string where; // where the API is defined, or first used when it is implicit
    std::vector<RouteEntry> routes;
};

// The finished APIs, in order, with their ids and routes, each checked by gateway::RouteTable.
// A bad stage is an Error at the API's line, a bad or conflicting route at the line of the
// (later) event: "template.yaml:31: route 'GET /a/{proxy+}/b' in REST API 'ServerlessRestApi':
// the greedy parameter '{proxy+}' must be the last segment".
std::vector<ApiConfig> finish_apis(std::vector<ApiEntry> entries);

// "GET", "ANY" for "any", "*" and "x-amazon-apigateway-any-method": a method as written, in
// the gateway's spelling (the route table rejects unknown ones).
std::string normalize_method(std::string_view method);

// Adds `function` to `project`, or throws `where` (the error at the function's definition)
// when another function has its name: "function 'B' has the name 'x' of function 'A'".
template <typename ErrorAt>
void add_function(Project& project, FunctionConfig function, const ErrorAt& where) {
    for (const FunctionConfig& other : project.functions) {
        if (other.spec.name == function.spec.name) {
            throw where("function '" + function.logical_id + "' has the name '" +
                        function.spec.name + "' of function '" + other.logical_id + "'");
        }
    }
    project.functions.push_back(std::move(function));
}

} // namespace lambda_local::runtime::config
