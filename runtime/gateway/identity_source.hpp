// An authorizer's identity sources: where in a request the values it is called with (and its
// cache is keyed by) come from (AWS: "Input to an API Gateway Lambda authorizer").
#pragma once

#include "runtime/gateway/api.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::gateway {

// One identity source, parsed.
struct IdentitySource {
    enum class From { Header, QueryString, StageVariable, Context };
    From from = From::Header;
    std::string name; // the header (any case), parameter, stage variable or context variable
};

// Parses one identity source in the syntax of `api_type`: REST "method.request.header.X",
// "method.request.querystring.x", "stageVariables.x", "context.x"; HTTP API
// "$request.header.X", "$request.querystring.x", "$stageVariables.x", "$context.x". Nothing
// when it is not one, or names a context variable lambda-local does not know.
std::optional<IdentitySource> parse_identity_source(std::string_view text, ApiType api_type);

// The pieces of a comma-separated list of identity sources, trimmed, empty ones dropped.
std::vector<std::string> split_identity_sources(std::string_view text);

// The context variables an identity source may name ("requestId", "identity.sourceIp", ...).
const std::vector<std::string_view>& identity_context_variables();

// What the values are read from.
struct IdentityInput {
    const HttpRequest* request = nullptr;
    const std::map<std::string, std::string>* stage_variables = nullptr;
    // Context variables by name (the names identity_context_variables lists).
    const std::map<std::string, std::string>* context = nullptr;
};

// The values of `sources` in order, or nothing when one is missing or empty (API Gateway then
// answers 401 without calling the authorizer). A header's first value is used; a query
// parameter's last, as the events carry them.
std::optional<std::vector<std::string>> identity_values(const std::vector<IdentitySource>& sources,
                                                        const IdentityInput& input);

} // namespace lambda_local::runtime::gateway
