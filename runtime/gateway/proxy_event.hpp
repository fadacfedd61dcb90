// The Lambda proxy event API Gateway sends a function for a request (AWS: "Set up Lambda proxy
// integrations in API Gateway" and, for HTTP APIs, payload format 2.0).
#pragma once

#include "runtime/gateway/api.hpp"
#include "runtime/util/clock.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime::gateway {

// What the gateway knows about the API and the matched route when it builds an event.
struct ProxyIntegration {
    ApiType api_type = ApiType::Rest;
    PayloadFormat format = PayloadFormat::V1; // a REST API always sends 1.0, whatever this says
    // The route's path template ("/store/{proxy+}"); an HTTP API's $default route may leave it
    // empty: 1.0 then says "$default" as AWS does.
    std::string resource_path;
    std::string route_key; // HTTP API: "ANY /store/{proxy+}" or "$default" ("" means "$default")
    std::vector<std::pair<std::string, std::string>> path_parameters; // decoded, in template order
    std::string stage;                                                // "prod", or "$default"
    std::string path;       // the request path without the stage prefix: "/store/items/42"
    std::string stage_path; // with it: "/prod/store/items/42"; "" derives it from stage and path
    // The event's path percent-decoded, as an HTTP API gives it (rawPath and
    // requestContext.http.path; 1.0's path): "/a b" for "/a%20b". REST APIs and function URLs
    // give it as the client sent it.
    bool decoded_path = false;
    std::vector<std::string> binary_media_types; // REST: "image/png", "image/*", "*/*"
    std::string api_id;                          // 10 lowercase alphanumerics: "abc123defg"
    std::string account_id = "123456789012";
    std::string domain_name; // "abc123defg.execute-api.us-east-1.amazonaws.com", or the local Host
    std::string resource_id; // REST: 6 characters; "" derives a stable one from resource_path
    std::optional<nlohmann::json> stage_variables; // an object of strings; none or {} is absent
    // What an authorizer put in requestContext.authorizer (docs/serve.md, authorizers); none
    // when the route has no authorizer.
    std::optional<nlohmann::json> authorizer;
    // Payload 2.0's requestContext.authorizer, as JSON text ("" for none): a function URL's
    // {"iam": {...}} for AuthType AWS_IAM.
    std::string authorizer_json;
};

// The per-request values API Gateway stamps on an event: random when serving, fixed in tests.
struct RequestStamp {
    std::string request_id; // REST: a UUID; HTTP API: short base64-like ("LV7fzho-PHcEJPw=")
    // REST: short base64-like; "" uses request_id (an HTTP API on 1.0 sends the same id twice)
    std::string extended_request_id;
    WallClock::time_point time;
};

// Fresh random ids in the formats API Gateway of `api_type` uses, stamped at `now`.
RequestStamp new_request_stamp(ApiType api_type, WallClock::time_point now = WallClock::now());

// A random id in API Gateway's short form: 11 random bytes in URL-safe base64, padded (16 chars).
std::string new_short_request_id();

// A REST resource id for a path template: 6 lowercase alphanumerics, the same for the same path.
std::string resource_id_for(std::string_view resource_path);

// Whether a Content-Type value ("image/png; q=1", or "" when absent) matches one of a REST API's
// binaryMediaTypes: exact media type (case-insensitive, parameters ignored), "type/*", or "*/*"
// (which also matches an absent Content-Type). "~1" in an entry reads as "/", as in templates.
bool is_binary_media_type(std::string_view content_type,
                          const std::vector<std::string>& binary_media_types);

// The event JSON text for `request`: payload 1.0 (REST, or an HTTP API on 1.0) or 2.0, keys in the
// order AWS sends them. The paths come from `integration` (request.path is not read); headers are
// sent as the request has them (add X-Forwarded-* before calling to look like AWS). Bytes that are
// not UTF-8 (a text body, a decoded query) become U+FFFD.
std::string proxy_event(const HttpRequest& request, const ProxyIntegration& integration,
                        const RequestStamp& stamp);

} // namespace lambda_local::runtime::gateway
