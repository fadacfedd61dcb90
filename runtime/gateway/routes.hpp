// API Gateway's route table: the routes of REST and HTTP APIs, and the route a request reaches.
#pragma once

#include "runtime/gateway/api.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lambda_local::runtime::gateway {

// The method of a route that accepts every method API Gateway supports.
inline constexpr std::string_view k_any_method = "ANY";
// The path of an HTTP API's catch-all route; also its route key.
inline constexpr std::string_view k_default_route = "$default";
// The stage of an HTTP API that is served without a stage prefix in the URL.
inline constexpr std::string_view k_default_stage = "$default";

// One route of one API: the requests it takes, the function it invokes, the payload format.
struct Route {
    ApiType api_type = ApiType::Rest; // set by RouteTable::add from the route's Api
    std::string api_id;               // set by RouteTable::add from the route's Api
    std::string function_name;
    std::string method{k_any_method}; // "GET", "POST", ... or "ANY"; "ANY" or "" for $default
    std::string path;                 // "/pets/{id}", "/store/{proxy+}", "/", or "$default"
    // Unset means the API type's default (REST 1.0, HTTP API 2.0); always set inside a table.
    std::optional<PayloadFormat> payload_format;
    // How long the gateway waits for the function (SAM's TimeoutInMillis); unset = the API
    // type's default (REST 29 s, HTTP API 30 s).
    std::optional<std::chrono::milliseconds> integration_timeout{};
    // The name of the API's authorizer that guards the route ("" for none), and the OAuth
    // scopes it requires (JWT and Cognito authorizers).
    std::string authorizer{};
    std::vector<std::string> authorization_scopes{};
    // A REST integration's response transfer mode STREAM: the function's streamed response
    // goes to the client as it is written (docs/streaming.md); false is BUFFERED.
    bool stream = false;
};

// The route key of payload format 2.0: "GET /pets/{id}", "ANY /{proxy+}" or "$default".
std::string route_key(const Route& route);

// One API: its type, its id, its stages and its routes.
struct Api {
    ApiType type = ApiType::Rest;
    std::string id;
    std::vector<std::string> stages; // REST: named ("Prod"); HTTP API: "$default" and/or named
    std::vector<Route> routes;
};

// The percent-decoded path parameters of a match, in template order: {"proxy", "items/42"}.
using PathParameters = std::vector<std::pair<std::string, std::string>>;

// A request that reached a route. `route`, `stage`, `route_key` and `resource` point into the
// RouteTable that made the match and stay valid as long as that table.
struct RouteMatch {
    const Route* route = nullptr;
    PathParameters path_parameters; // a greedy value has no leading '/': {"proxy", "items/42"}
    std::string_view stage;         // "prod", or "$default"
    std::string path;               // as sent, without the stage prefix: "/store/items/42"
    std::string stage_path;         // as sent: "/prod/store/items/42" (REST requestContext.path)
    std::string_view route_key;     // "ANY /store/{proxy+}", or "$default"
    std::string_view resource;      // the path template: "/store/{proxy+}", or "$default"
};

// A request no route takes, and which kind of gateway answers it.
struct RouteMiss {
    ApiType api_type = ApiType::Http;
};

// What matching a request gives: its route, or the gateway's refusal.
using RouteResult = std::variant<RouteMatch, RouteMiss>;

// The gateway's own answer to a miss: a REST API's 403 {"message":"Missing Authentication
// Token"} with x-amzn-ErrorType: MissingAuthenticationTokenException, an HTTP API's 404
// {"message":"Not Found"}; both with Content-Type: application/json.
HttpResponse miss_response(const RouteMiss& miss);

namespace detail {
// An API with its templates pre-split; defined in routes.cpp.
struct CompiledApi;
} // namespace detail

// The routes of every API lambda-local serves: checked when added, matched on each request.
// Matching is const and allocates only the result, so one table can serve many threads.
class RouteTable {
  public:
    // Empty; move-only, and a move keeps earlier matches valid (the APIs stay in place).
    RouteTable();
    ~RouteTable();
    RouteTable(RouteTable&&) noexcept;
    RouteTable& operator=(RouteTable&&) noexcept;

    // Adds `api` with its routes, or throws lambda_local::Error naming the API or the route:
    // "route 'GET /a/{proxy+}/b' in REST API 'abc': the greedy parameter '{proxy+}' must be
    // the last segment". Nothing is added when it throws.
    void add(Api api);

    // The route API Gateway picks for `method` and the percent-encoded `raw_path`
    // (docs/serve.md, routing), or the miss that tells which gateway answers.
    RouteResult match(std::string_view method, std::string_view raw_path) const;
    // The same for a whole request (its method and path).
    RouteResult match(const HttpRequest& request) const;

  private:
    std::vector<std::unique_ptr<detail::CompiledApi>> m_apis; // in the order added
    bool m_all_rest = false; // every API is a REST API: an unknown stage gets REST's 403
};

} // namespace lambda_local::runtime::gateway
