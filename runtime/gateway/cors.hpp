// CORS as API Gateway applies an API's CORS configuration: preflights and response headers.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/gateway/api.hpp"

#include <string>
#include <vector>

namespace lambda_local::runtime::gateway {

// Whether `request` is a CORS preflight: OPTIONS with an Origin and an
// Access-Control-Request-Method header (names in any case).
bool is_preflight(const HttpRequest& request);

// The gateway's own answer to a preflight, as an HTTP API with CORS configured gives it
// (whether or not an OPTIONS route exists): 204, empty, and when the Origin is allowed
//   access-control-allow-origin: the Origin when it is in allow_origins, or `*` when `*` is
//     (the Origin with allow_credentials, since browsers refuse `*` with credentials);
//   access-control-allow-methods: allow_methods, or when none are configured the methods of
//     the API's routes (`api_methods`, ANY and "" meaning all) with OPTIONS, sorted;
//   access-control-allow-headers: allow_headers, or when none are configured the
//     Access-Control-Request-Headers asked for;
//   access-control-max-age, access-control-allow-credentials: true, when configured;
//   vary: Origin when the answer names the Origin.
// An Origin that is not allowed gets the 204 without any CORS header. `*` in allow_methods or
// allow_headers is sent as `*`, or as what was asked for with allow_credentials.
// A REST API on AWS differs: its OPTIONS mock answers 200 with the configured origin as it is;
// lambda-local answers both kinds of API the HTTP API's way.
HttpResponse preflight_response(const config::CorsConfig& cors, const HttpRequest& request,
                                const std::vector<std::string>& api_methods);

// Adds the CORS headers of an actual (not preflight) response to an allowed Origin:
// access-control-allow-origin (as for a preflight), access-control-expose-headers and
// access-control-allow-credentials when configured, vary: Origin when the answer names the
// Origin. A request without an Origin, or from an origin not allowed, gets none. Headers the
// function set itself are kept: when it set Access-Control-Allow-Origin, nothing is added (it
// answers CORS itself); otherwise a header it set is not added again.
// (An HTTP API on AWS replaces a function's CORS headers; a REST API adds none.)
void add_cors_headers(const config::CorsConfig& cors, const HttpRequest& request,
                      HttpResponse& response);

} // namespace lambda_local::runtime::gateway
