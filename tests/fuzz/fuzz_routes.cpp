// Fuzzes API Gateway's route table (routes.hpp): templates checked when added, requests matched.
#include "runtime/gateway/routes.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <array>

using namespace lambda_local;
using namespace lambda_local::runtime::gateway;

namespace {

// A request to match: its method and raw path.
struct Request {
    std::string method;
    std::string path;
};

// The input, one line each:
//   rest|http <id> <stage>[,<stage>...]   starts an API
//   <METHOD> <path> [1.0|2.0]             a route of the API started last
//   ? <METHOD> <raw path>                 a request
struct Input {
    std::vector<Api> apis;
    std::vector<Request> requests;
};

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    while (true) {
        std::size_t at = text.find(separator);
        out.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return out;
        }
        text.remove_prefix(at + 1);
    }
}

Input read_input(std::string_view text) {
    Input input;
    for (const std::string& line : split(text, '\n')) {
        std::vector<std::string> words = split(line, ' ');
        if (words.size() == 3 && words[0] == "?") {
            input.requests.push_back({words[1], words[2]});
        } else if (words.size() == 3 && (words[0] == "rest" || words[0] == "http")) {
            Api api;
            api.type = words[0] == "rest" ? ApiType::Rest : ApiType::Http;
            api.id = words[1];
            api.stages = split(words[2], ',');
            input.apis.push_back(std::move(api));
        } else if ((words.size() == 2 || words.size() == 3) && !input.apis.empty()) {
            Route route;
            route.function_name = "function" + std::to_string(input.apis.back().routes.size());
            route.method = words[0];
            route.path = words[1];
            if (words.size() == 3) {
                route.payload_format = words[2] == "1.0" ? PayloadFormat::V1 : PayloadFormat::V2;
            }
            input.apis.back().routes.push_back(std::move(route));
        }
    }
    return input;
}

constexpr std::array<std::string_view, 7> k_methods = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                                       "PATCH",  "POST", "PUT"};

// The route's template with each parameter replaced by its value: "/pets/{id}" with
// {"id", "42"} gives "/pets/42".
std::string fill(const std::string& path_template, const PathParameters& parameters) {
    if (path_template == "/") {
        return "/";
    }
    std::string out;
    std::size_t next = 0;
    for (const std::string& segment : split(std::string_view(path_template).substr(1), '/')) {
        out += '/';
        if (segment.starts_with('{')) {
            FUZZ_CHECK(next < parameters.size());
            std::string name = segment.substr(1, segment.size() - 2);
            if (name.ends_with('+')) {
                name.pop_back();
            }
            FUZZ_CHECK(parameters[next].first == name);
            out += parameters[next++].second;
        } else {
            out += segment;
        }
    }
    FUZZ_CHECK(next == parameters.size());
    return out;
}

void check_match(const RouteMatch& match, const Request& request) {
    const Route& route = *match.route;
    // The route takes the method: its own, or ANY (and $default) for a method API Gateway has.
    const bool known_method =
        std::find(k_methods.begin(), k_methods.end(), request.method) != k_methods.end();
    FUZZ_CHECK(route.method == request.method ||
               ((route.method == k_any_method || route.method.empty()) && known_method));

    // The paths: as sent, and without the stage prefix.
    FUZZ_CHECK(match.stage_path == request.path);
    if (match.stage == k_default_stage) {
        FUZZ_CHECK(match.path == request.path);
    } else {
        const std::string prefix = "/" + std::string(match.stage);
        FUZZ_CHECK(
            request.path == prefix + match.path ||
            (route.api_type == ApiType::Http && match.path == "/" && request.path == prefix));
    }

    if (route.path == k_default_route) {
        FUZZ_CHECK(match.route_key == k_default_route && match.resource == k_default_route);
        FUZZ_CHECK(match.path_parameters.empty());
        return;
    }
    FUZZ_CHECK(match.resource == route.path);
    FUZZ_CHECK(match.route_key == route_key(route));
    // Each parameter is a piece of the decoded path, and the template filled with them is
    // the decoded path (a REST API matches without one trailing slash; a greedy value keeps it).
    const std::string decoded = percent_decode(match.path);
    for (const auto& [name, value] : match.path_parameters) {
        FUZZ_CHECK(!value.empty());
        FUZZ_CHECK(decoded.find(value) != std::string::npos);
    }
    const std::string filled = fill(route.path, match.path_parameters);
    std::string trimmed = decoded;
    if (route.api_type == ApiType::Rest && match.path.size() > 1 && match.path.ends_with('/')) {
        trimmed = percent_decode(std::string_view(match.path).substr(0, match.path.size() - 1));
    }
    FUZZ_CHECK(filled == decoded || filled == trimmed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Input input = read_input(fuzz::as_text(data, size));
    RouteTable table;
    RouteTable accepted; // only the APIs that were added whole
    for (const Api& api : input.apis) {
        try {
            table.add(api);
        } catch (const Error&) {
            continue; // a bad API or route
        }
        accepted.add(api);
    }
    for (const Request& request : input.requests) {
        const RouteResult result = table.match(request.method, request.path);
        if (const auto* match = std::get_if<RouteMatch>(&result)) {
            check_match(*match, request);
        }
        // An API refused left nothing behind: the table matches as one without it.
        const RouteResult other = accepted.match(request.method, request.path);
        FUZZ_CHECK(result.index() == other.index());
        if (const auto* match = std::get_if<RouteMatch>(&result)) {
            const Route& route = *std::get<RouteMatch>(other).route;
            FUZZ_CHECK(route.api_id == match->route->api_id &&
                       route.function_name == match->route->function_name);
        } else {
            FUZZ_CHECK(std::get<RouteMiss>(result).api_type == std::get<RouteMiss>(other).api_type);
        }
    }
    return 0;
}
