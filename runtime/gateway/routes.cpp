// API Gateway's route table: routes checked and pre-split when added, matched per request.
#include "runtime/gateway/routes.hpp"

#include "runtime/gateway/proxy_response.hpp"
#include "runtime/util/encoding.hpp"

#include "runtime/util/error.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace lambda_local::runtime::gateway {

namespace detail {

// One segment of a path template, in order of precedence: a literal beats a {param}, which
// beats a greedy {param+}.
enum class SegmentKind : unsigned char { Literal, Param, Greedy };

// A template segment: the literal text, or the parameter's name without braces and '+'.
struct Segment {
    SegmentKind kind = SegmentKind::Literal;
    std::string text;
};

// A route as matching needs it: its template split once, when the API is added.
struct CompiledRoute {
    std::size_t index = 0; // in Api::routes
    std::vector<Segment> segments;
    std::string route_key;
    bool any_method = false;
    bool greedy = false; // the last segment is a greedy parameter
};

// An API with its routes compiled.
struct CompiledApi {
    Api api;
    std::vector<CompiledRoute> routes;        // every route but $default
    std::optional<std::size_t> default_route; // the $default route's index in api.routes
    bool default_stage = false;               // serves paths that carry no stage prefix
};

} // namespace detail

namespace {

using detail::CompiledApi;
using detail::CompiledRoute;
using detail::Segment;
using detail::SegmentKind;

// The methods API Gateway supports; ANY stands for all of them and nothing else.
constexpr std::array<std::string_view, 7> k_methods = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                                       "PATCH",  "POST", "PUT"};

bool is_supported_method(std::string_view method) {
    return std::find(k_methods.begin(), k_methods.end(), method) != k_methods.end();
}

// Trailing slash, the one place lambda-local decides it (AWS documents nothing on it).
// Reports from AWS (powertools-lambda-python #1552 and its end-to-end test, chalice #65):
// a REST API routes "/pets/" to the resource "/pets", an HTTP API answers 404. So a REST API
// matches with one trailing slash dropped; the event's path and a greedy value keep it.
std::string_view matching_path(ApiType type, std::string_view path) {
    if (type == ApiType::Rest && path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    return path;
}

// The byte at `raw[i]` after percent-decoding, and how many characters it took (1 or 3).
// An invalid escape ("%zz", a final "%4") stands for itself.
std::pair<char, std::size_t> decode_at(std::string_view raw, std::size_t i) {
    if (raw[i] == '%' && i + 2 < raw.size()) {
        int high = hex_value(raw[i + 1]);
        int low = hex_value(raw[i + 2]);
        if (high >= 0 && low >= 0) {
            return {static_cast<char>(high * 16 + low), 3};
        }
    }
    return {raw[i], 1};
}

// Whether `raw` percent-decodes to `literal`, without allocating.
bool decodes_to(std::string_view raw, std::string_view literal) {
    std::size_t j = 0;
    for (std::size_t i = 0; i < raw.size(); ++j) {
        auto [c, width] = decode_at(raw, i);
        if (j == literal.size() || c != literal[j]) {
            return false;
        }
        i += width;
    }
    return j == literal.size();
}

// The raw segments of a request path ("/a/b/" → "a", "b", ""; "/" → none), kept inline for
// the usual depth so that matching does not allocate.
class PathSegments {
  public:
    explicit PathSegments(std::string_view path) {
        std::string_view body = path.substr(1);
        if (body.empty()) {
            return;
        }
        std::size_t count = std::count(body.begin(), body.end(), '/') + 1;
        std::string_view* out = m_inline.data();
        if (count > m_inline.size()) {
            m_overflow.resize(count);
            out = m_overflow.data();
        }
        std::size_t start = 0;
        for (std::size_t i = 0; i < count; ++i) {
            std::size_t end = std::min(body.find('/', start), body.size());
            out[i] = body.substr(start, end - start);
            start = end + 1;
        }
        m_view = std::span<const std::string_view>(out, count);
    }
    PathSegments(const PathSegments&) = delete;
    PathSegments& operator=(const PathSegments&) = delete;

    std::span<const std::string_view> view() const { return m_view; }

  private:
    std::array<std::string_view, 16> m_inline;
    std::vector<std::string_view> m_overflow;
    std::span<const std::string_view> m_view;
};

// Whether `route`'s template takes the segments of `path`. A {param} takes one non-empty
// segment; a greedy parameter takes one or more, never an empty remainder.
bool template_matches(const CompiledRoute& route, std::span<const std::string_view> segments,
                      std::string_view path) {
    for (std::size_t i = 0; i < route.segments.size(); ++i) {
        const Segment& segment = route.segments[i];
        if (segment.kind == SegmentKind::Greedy) {
            return i < segments.size() &&
                   segments[i].data() - path.data() < static_cast<std::ptrdiff_t>(path.size());
        }
        if (i == segments.size()) {
            return false;
        }
        if (segment.kind == SegmentKind::Literal ? !decodes_to(segments[i], segment.text)
                                                 : segments[i].empty()) {
            return false;
        }
    }
    return route.segments.size() == segments.size();
}

// Whether `a` beats `b` when both take the same request (docs/serve.md, routing).
// HTTP API: a route without a greedy parameter beats one with. Both: level by level, a
// literal beats a {param} beats a greedy parameter, which makes the longest greedy prefix win.
// Then, on the same template, an exact method beats ANY.
bool beats(ApiType type, const CompiledRoute& a, const CompiledRoute& b) {
    if (type == ApiType::Http && a.greedy != b.greedy) {
        return !a.greedy;
    }
    std::size_t levels = std::min(a.segments.size(), b.segments.size());
    for (std::size_t i = 0; i < levels; ++i) {
        if (a.segments[i].kind != b.segments[i].kind) {
            return a.segments[i].kind < b.segments[i].kind;
        }
    }
    return !a.any_method && b.any_method;
}

// The start of every error about `route`: "route 'GET /pets' in REST API 'abc'".
std::string describe(const Api& api, const Route& route) {
    return "route '" + route_key(route) + "' in " +
           (api.type == ApiType::Rest ? "REST API '" : "HTTP API '") + api.id + "'";
}

std::string describe(const Api& api) {
    return (api.type == ApiType::Rest ? "REST API '" : "HTTP API '") + api.id + "'";
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

// RFC 3986 path characters, without '%': a template's literals are written decoded.
bool is_literal_char(char c) {
    return is_name_char(c) || std::string_view("~!$&'()*+,;=:@").find(c) != std::string_view::npos;
}

// Splits and checks a path template; `where` starts each error message.
std::vector<Segment> parse_template(std::string_view path, const std::string& where) {
    if (path.empty() || path.front() != '/') {
        throw Error(where + ": the path must start with '/'");
    }
    if (path == "/") {
        return {};
    }
    if (path.back() == '/') {
        throw Error(where + ": the path must not end with '/'");
    }
    std::vector<Segment> segments;
    std::string_view rest = path.substr(1);
    while (true) {
        std::size_t slash = rest.find('/');
        std::string_view text = rest.substr(0, slash);
        if (text.empty()) {
            throw Error(where + ": the path has an empty segment");
        }
        if (!segments.empty() && segments.back().kind == SegmentKind::Greedy) {
            throw Error(where + ": the greedy parameter '{" + segments.back().text +
                        "+}' must be the last segment");
        }
        if (text.find_first_of("{}") == std::string_view::npos) {
            if (!std::all_of(text.begin(), text.end(), is_literal_char)) {
                throw Error(where + ": '" + std::string(text) +
                            "' has a character a path template does not allow");
            }
            segments.push_back({SegmentKind::Literal, std::string(text)});
        } else {
            bool braced = text.size() >= 3 && text.front() == '{' && text.back() == '}';
            std::string_view name = braced ? text.substr(1, text.size() - 2) : text;
            bool greedy = braced && name.back() == '+';
            if (greedy) {
                name.remove_suffix(1);
            }
            if (!braced || name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
                throw Error(where + ": '" + std::string(text) +
                            "' is not a well-formed path parameter (expected '{name}' or "
                            "'{name+}', the name of letters, digits, '_', '-' or '.')");
            }
            for (const Segment& earlier : segments) {
                if (earlier.kind != SegmentKind::Literal && earlier.text == name) {
                    throw Error(where + ": the path parameter '" + std::string(name) +
                                "' appears twice");
                }
            }
            segments.push_back(
                {greedy ? SegmentKind::Greedy : SegmentKind::Param, std::string(name)});
        }
        if (slash == std::string_view::npos) {
            return segments;
        }
        rest = rest.substr(slash + 1);
    }
}

// Whether two templates take the same requests: equal up to the names of their parameters.
bool same_shape(const CompiledRoute& a, const CompiledRoute& b) {
    return std::equal(a.segments.begin(), a.segments.end(), b.segments.begin(), b.segments.end(),
                      [](const Segment& x, const Segment& y) {
                          return x.kind == y.kind &&
                                 (x.kind != SegmentKind::Literal || x.text == y.text);
                      });
}

void check_stages(const Api& api) {
    if (api.stages.empty()) {
        throw Error(describe(api) + ": no stage");
    }
    for (std::size_t i = 0; i < api.stages.size(); ++i) {
        const std::string& stage = api.stages[i];
        if (stage == k_default_stage) {
            if (api.type == ApiType::Rest) {
                throw Error(describe(api) + ": only an HTTP API has a '$default' stage");
            }
        } else if (stage.empty() || !std::all_of(stage.begin(), stage.end(), [](char c) {
                       return is_name_char(c) && c != '.';
                   })) {
            throw Error(describe(api) + ": stage '" + stage +
                        "' is not a stage name (letters, digits, '-' and '_')");
        }
        if (std::find(api.stages.begin(), api.stages.begin() + i, stage) !=
            api.stages.begin() + i) {
            throw Error(describe(api) + ": stage '" + stage + "' appears twice");
        }
    }
}

// Checks `api` and compiles its routes; throws Error naming the first bad route.
CompiledApi compile(Api api) {
    if (api.id.empty()) {
        throw Error(std::string(api.type == ApiType::Rest ? "a REST API" : "an HTTP API") +
                    " needs an id");
    }
    check_stages(api);
    CompiledApi compiled;
    for (std::size_t index = 0; index < api.routes.size(); ++index) {
        Route& route = api.routes[index];
        route.api_type = api.type;
        route.api_id = api.id;
        std::string where = describe(api, route);
        if (route.function_name.empty()) {
            throw Error(where + ": no function name");
        }
        if (!route.payload_format) {
            route.payload_format =
                api.type == ApiType::Rest ? PayloadFormat::V1 : PayloadFormat::V2;
        } else if (api.type == ApiType::Rest && *route.payload_format != PayloadFormat::V1) {
            throw Error(where + ": a REST API sends payload format 1.0 only");
        }
        if (route.path == k_default_route) {
            if (api.type == ApiType::Rest) {
                throw Error(where + ": only an HTTP API has a $default route");
            }
            if (!route.method.empty() && route.method != k_any_method) {
                throw Error(where + ": the $default route takes every method, not '" +
                            route.method + "'");
            }
            if (compiled.default_route) {
                throw Error(where + ": conflicts with route '$default'");
            }
            compiled.default_route = index;
            continue;
        }
        if (route.method != k_any_method && !is_supported_method(route.method)) {
            throw Error(where + ": unknown method '" + route.method +
                        "' (expected ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST or PUT)");
        }
        CompiledRoute entry;
        entry.index = index;
        entry.segments = parse_template(route.path, where);
        entry.route_key = route_key(route);
        entry.any_method = route.method == k_any_method;
        entry.greedy = !entry.segments.empty() && entry.segments.back().kind == SegmentKind::Greedy;
        for (const CompiledRoute& other : compiled.routes) {
            if (api.routes[other.index].method == route.method && same_shape(other, entry)) {
                throw Error(where + ": conflicts with route '" + other.route_key + "'");
            }
        }
        compiled.routes.push_back(std::move(entry));
    }
    compiled.default_stage =
        std::find(api.stages.begin(), api.stages.end(), k_default_stage) != api.stages.end();
    compiled.api = std::move(api);
    return compiled;
}

// The best route of `api` for `method` and the stage-less `path`, or nothing.
std::optional<RouteMatch> match_in_api(const CompiledApi& api, std::string_view stage,
                                       std::string_view method, std::string_view path,
                                       std::string_view stage_path) {
    bool supported = is_supported_method(method);
    std::string_view matched = matching_path(api.api.type, path);
    PathSegments segments(matched);
    const CompiledRoute* best = nullptr;
    for (const CompiledRoute& route : api.routes) {
        bool method_fits =
            route.any_method ? supported : api.api.routes[route.index].method == method;
        if (method_fits && template_matches(route, segments.view(), path) &&
            (best == nullptr || beats(api.api.type, route, *best))) {
            best = &route;
        }
    }
    if (best == nullptr && !(api.default_route && supported)) {
        return std::nullopt;
    }
    RouteMatch match;
    match.stage = stage;
    match.path = std::string(path);
    match.stage_path = std::string(stage_path);
    if (best == nullptr) {
        match.route = &api.api.routes[*api.default_route];
        match.route_key = k_default_route;
        match.resource = k_default_route;
        return match;
    }
    match.route = &api.api.routes[best->index];
    match.route_key = best->route_key;
    match.resource = match.route->path;
    std::span<const std::string_view> raw = segments.view();
    for (std::size_t i = 0; i < best->segments.size(); ++i) {
        const Segment& segment = best->segments[i];
        if (segment.kind == SegmentKind::Param) {
            match.path_parameters.emplace_back(segment.text, percent_decode(raw[i]));
        } else if (segment.kind == SegmentKind::Greedy) {
            match.path_parameters.emplace_back(
                segment.text, percent_decode(path.substr(raw[i].data() - path.data())));
        }
    }
    return match;
}

} // namespace

std::string route_key(const Route& route) {
    if (route.path == k_default_route) {
        return std::string(k_default_route);
    }
    return route.method + " " + route.path;
}

HttpResponse miss_response(const RouteMiss& miss) {
    return gateway_answer(miss.api_type, GatewayAnswer::NoRoute);
}

RouteTable::RouteTable() = default;
RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

void RouteTable::add(Api api) {
    for (const auto& existing : m_apis) {
        if (existing->api.id == api.id) {
            throw Error(describe(api) + ": an API with this id is already added");
        }
    }
    auto compiled = std::make_unique<CompiledApi>(compile(std::move(api)));
    m_all_rest = (m_apis.empty() || m_all_rest) && compiled->api.type == ApiType::Rest;
    m_apis.push_back(std::move(compiled));
}

// Stage selection (docs/serve.md, routing): a path whose first segment is a named stage of
// an API goes to that stage, without the prefix; a REST API needs the slash after the stage
// ("/Prod" misses, "/Prod/" is the root resource). Otherwise an HTTP API's $default stage
// takes the whole path. APIs are tried in the order added; the first route found answers.
// A named stage commits: when none of its APIs has a route, that API type's miss answers.
// Without any stage: REST's 403 when every API is a REST API, else the HTTP API's 404.
RouteResult RouteTable::match(std::string_view method, std::string_view raw_path) const {
    RouteMiss fallback{m_all_rest ? ApiType::Rest : ApiType::Http};
    if (raw_path.empty() || raw_path.front() != '/') {
        return fallback;
    }
    std::string_view first = raw_path.substr(1, raw_path.find('/', 1) - 1);
    std::optional<ApiType> stage_owner;
    for (const auto& api : m_apis) {
        for (const std::string& stage : api->api.stages) {
            if (stage != first || stage == k_default_stage) {
                continue;
            }
            if (!stage_owner) {
                stage_owner = api->api.type;
            }
            std::string_view path = raw_path.substr(1 + stage.size());
            if (path.empty()) {
                if (api->api.type == ApiType::Rest) {
                    continue;
                }
                path = "/";
            }
            if (auto found = match_in_api(*api, stage, method, path, raw_path)) {
                return std::move(*found);
            }
        }
    }
    if (stage_owner) {
        return RouteMiss{*stage_owner};
    }
    for (const auto& api : m_apis) {
        if (api->default_stage) {
            if (auto found = match_in_api(*api, k_default_stage, method, raw_path, raw_path)) {
                return std::move(*found);
            }
        }
    }
    return fallback;
}

RouteResult RouteTable::match(const HttpRequest& request) const {
    return match(request.method, request.path);
}

} // namespace lambda_local::runtime::gateway
