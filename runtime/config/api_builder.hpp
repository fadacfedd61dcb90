// APIs as the configuration loaders collect them: routes with their lines, checked as a whole.
#pragma once

#include "runtime/config/project.hpp"

#include <string>
#include <string_view>
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

} // namespace lambda_local::runtime::config
