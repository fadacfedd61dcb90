// CORS preflight answers and response headers from an API's CORS configuration.
#include "runtime/gateway/cors.hpp"

#include "runtime/util/text.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace lambda_local::runtime::gateway {
namespace {

constexpr std::string_view k_allow_origin = "access-control-allow-origin";
constexpr std::string_view k_allow_methods = "access-control-allow-methods";
constexpr std::string_view k_allow_headers = "access-control-allow-headers";
constexpr std::string_view k_allow_credentials = "access-control-allow-credentials";
constexpr std::string_view k_expose_headers = "access-control-expose-headers";
constexpr std::string_view k_max_age = "access-control-max-age";
constexpr std::string_view k_vary = "vary";
constexpr std::string_view k_wildcard = "*";
// What ANY (and a $default route) stands for in access-control-allow-methods.
constexpr std::array<std::string_view, 7> k_all_methods = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                                           "PATCH",  "POST", "PUT"};

std::optional<std::string> header_value(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

bool has_header(const HeaderList& headers, std::string_view name) {
    return header_value(headers, name).has_value();
}

bool contains(const std::vector<std::string>& values, std::string_view wanted) {
    return std::find(values.begin(), values.end(), wanted) != values.end();
}

// The access-control-allow-origin for `origin`, or nothing when the origin is not allowed.
std::optional<std::string> allowed_origin(const config::CorsConfig& cors,
                                          const std::string& origin) {
    for (const std::string& allowed : cors.allow_origins) {
        if (iequals(allowed, origin)) {
            return origin;
        }
    }
    if (contains(cors.allow_origins, k_wildcard)) {
        // Browsers refuse `*` on a request with credentials: name the origin instead.
        return cors.allow_credentials ? origin : std::string(k_wildcard);
    }
    return std::nullopt;
}

// The methods of the API's routes with OPTIONS, sorted, ANY and "" meaning every method.
std::string route_methods(const std::vector<std::string>& api_methods) {
    std::vector<std::string> methods{"OPTIONS"};
    auto add = [&methods](std::string method) {
        if (!contains(methods, method)) {
            methods.push_back(std::move(method));
        }
    };
    for (const std::string& method : api_methods) {
        std::string upper = method;
        std::transform(upper.begin(), upper.end(), upper.begin(), ascii_upper);
        if (upper.empty() || upper == "ANY") {
            for (std::string_view each : k_all_methods) {
                add(std::string(each));
            }
        } else {
            add(std::move(upper));
        }
    }
    std::sort(methods.begin(), methods.end());
    return join(methods, ",");
}

// A configured list for a preflight header: as configured, with `*` standing for what was asked
// when credentials are allowed; nothing when the list is empty.
std::optional<std::string> configured(const std::vector<std::string>& values,
                                      const std::optional<std::string>& asked, bool credentials) {
    if (values.empty()) {
        return std::nullopt;
    }
    if (contains(values, k_wildcard) && credentials) {
        return asked;
    }
    return join(values, ",");
}

// vary: Origin, unless the response already varies on it (or on everything).
void add_vary_origin(HttpResponse& response) {
    for (const auto& [name, value] : response.headers) {
        if (!iequals(name, k_vary)) {
            continue;
        }
        std::string_view rest = value;
        while (!rest.empty()) {
            std::size_t comma = std::min(rest.find(','), rest.size());
            std::string_view item = rest.substr(0, comma);
            while (!item.empty() && item.front() == ' ') {
                item.remove_prefix(1);
            }
            while (!item.empty() && item.back() == ' ') {
                item.remove_suffix(1);
            }
            if (iequals(item, "Origin") || item == k_wildcard) {
                return;
            }
            rest.remove_prefix(std::min(comma + 1, rest.size()));
        }
    }
    response.headers.emplace_back(k_vary, "Origin");
}

} // namespace

bool is_preflight(const HttpRequest& request) {
    return request.method == "OPTIONS" &&
           !header_value(request.headers, "Origin").value_or("").empty() &&
           !header_value(request.headers, "Access-Control-Request-Method").value_or("").empty();
}

HttpResponse preflight_response(const config::CorsConfig& cors, const HttpRequest& request,
                                const std::vector<std::string>& api_methods) {
    HttpResponse response;
    response.status = 204;
    std::optional<std::string> origin = header_value(request.headers, "Origin");
    std::optional<std::string> allow_origin = origin ? allowed_origin(cors, *origin) : std::nullopt;
    if (!allow_origin) {
        return response;
    }
    response.headers.emplace_back(k_allow_origin, *allow_origin);

    std::optional<std::string> asked_method =
        header_value(request.headers, "Access-Control-Request-Method");
    std::optional<std::string> methods =
        configured(cors.allow_methods, asked_method, cors.allow_credentials);
    response.headers.emplace_back(k_allow_methods, methods ? *methods : route_methods(api_methods));

    std::optional<std::string> asked_headers =
        header_value(request.headers, "Access-Control-Request-Headers");
    std::optional<std::string> headers =
        cors.allow_headers.empty()
            ? asked_headers
            : configured(cors.allow_headers, asked_headers, cors.allow_credentials);
    if (headers && !headers->empty()) {
        response.headers.emplace_back(k_allow_headers, *headers);
    }
    if (cors.max_age) {
        response.headers.emplace_back(k_max_age, std::to_string(*cors.max_age));
    }
    if (cors.allow_credentials) {
        response.headers.emplace_back(k_allow_credentials, "true");
    }
    if (*allow_origin != k_wildcard) {
        add_vary_origin(response);
    }
    return response;
}

void add_cors_headers(const config::CorsConfig& cors, const HttpRequest& request,
                      HttpResponse& response) {
    std::optional<std::string> origin = header_value(request.headers, "Origin");
    if (!origin || origin->empty() || has_header(response.headers, k_allow_origin)) {
        return;
    }
    std::optional<std::string> allow_origin = allowed_origin(cors, *origin);
    if (!allow_origin) {
        return;
    }
    response.headers.emplace_back(k_allow_origin, *allow_origin);
    if (!cors.expose_headers.empty() && !has_header(response.headers, k_expose_headers)) {
        response.headers.emplace_back(k_expose_headers, join(cors.expose_headers, ","));
    }
    if (cors.allow_credentials && !has_header(response.headers, k_allow_credentials)) {
        response.headers.emplace_back(k_allow_credentials, "true");
    }
    if (*allow_origin != k_wildcard) {
        add_vary_origin(response);
    }
}

} // namespace lambda_local::runtime::gateway
