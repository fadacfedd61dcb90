// Building API Gateway's Lambda proxy events, payload formats 1.0 and 2.0.
#include "runtime/gateway/proxy_event.hpp"

#include "runtime/util/encoding.hpp"

#include "runtime/util/ids.hpp"

#include <array>
#include <cstdint>
#include <unordered_map>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::ordered_json;
using Pairs = std::vector<std::pair<std::string, std::string>>;
// Values grouped under their key, keys in order of first appearance.
using Grouped = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Media types an HTTP API passes as a plain string; every other body is base64 (measured, §2).
constexpr std::array<std::string_view, 3> k_http_text_media_types = {
    "application/json", "application/xml", "application/javascript"};
constexpr std::string_view k_http_text_media_prefix = "text/";
constexpr std::string_view k_default_stage = "$default";

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

std::string_view trim(std::string_view text) {
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// The media type of a Content-Type value, lowercased, without parameters: "image/png".
std::string media_type(std::string_view content_type) {
    return lowercase(trim(content_type.substr(0, content_type.find(';'))));
}

// An empty object with room for `keys` keys. An ordered_json object is a vector of
// pair<const string, json>, which a growing vector copies (deeply) rather than moves: events
// are built in objects that never grow.
ordered_json object_for(std::size_t keys) {
    ordered_json object = ordered_json::object();
    object.get_ref<ordered_json::object_t&>().reserve(keys);
    return object;
}

// The parameters of a raw query string in order, decoded; "k" without '=' has the value "".
// Empty pieces ("a=1&&b=2") and parameters whose key decodes to "" are skipped.
Pairs parse_query(std::string_view raw) {
    Pairs out;
    while (!raw.empty()) {
        std::size_t amp = raw.find('&');
        std::string_view piece = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        std::size_t eq = piece.find('=');
        std::string key = percent_decode(piece.substr(0, eq), true);
        if (key.empty()) {
            continue;
        }
        std::string value = eq == std::string_view::npos
                                ? std::string{}
                                : percent_decode(piece.substr(eq + 1), true);
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

// Groups values by key; with `ignore_case` the first spelling of a name is kept.
Grouped group_values(const Pairs& items, bool ignore_case) {
    Grouped out;
    std::unordered_map<std::string, std::size_t> index;
    for (const auto& [key, value] : items) {
        auto [it, inserted] = index.emplace(ignore_case ? lowercase(key) : key, out.size());
        if (inserted) {
            out.push_back({key, {value}});
        } else {
            out[it->second].second.push_back(value);
        }
    }
    return out;
}

std::string join(const std::vector<std::string>& values, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += values[i];
    }
    return out;
}

// The first value of a header, by case-insensitive name.
std::optional<std::string> header_value(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (lowercase(key) == name) {
            return value;
        }
    }
    return std::nullopt;
}

// Whether an HTTP API sends a body of this Content-Type as a plain string.
bool http_api_sends_as_text(std::string_view content_type) {
    std::string type = media_type(content_type);
    if (type.starts_with(k_http_text_media_prefix)) {
        return true;
    }
    for (std::string_view text_type : k_http_text_media_types) {
        if (type == text_type) {
            return true;
        }
    }
    return false;
}

// The body as the event carries it, and whether that is base64. Empty is {"", false}.
std::pair<std::string, bool> event_body(const HttpRequest& request,
                                        const ProxyIntegration& integration) {
    if (request.body.empty()) {
        return {"", false};
    }
    std::optional<std::string> content_type = header_value(request.headers, "content-type");
    bool binary =
        integration.api_type == ApiType::Rest
            ? is_binary_media_type(content_type.value_or(""), integration.binary_media_types)
            : !content_type || !http_api_sends_as_text(*content_type);
    if (binary) {
        return {base64_encode(request.body), true};
    }
    return {request.body, false};
}

// The path with a named stage's prefix; the plain path on $default.
std::string stage_path(const ProxyIntegration& integration) {
    if (integration.stage.empty() || integration.stage == k_default_stage) {
        return integration.path;
    }
    if (!integration.stage_path.empty()) {
        return integration.stage_path;
    }
    return "/" + integration.stage + integration.path;
}

// The first label of a domain name, without a port: "abc123defg".
std::string domain_prefix(std::string_view domain_name) {
    std::string_view host = domain_name.substr(0, domain_name.find(':'));
    return std::string(host.substr(0, host.find('.')));
}

std::string route_key(const ProxyIntegration& integration) {
    return integration.route_key.empty() ? std::string(k_default_stage) : integration.route_key;
}

bool has_stage_variables(const ProxyIntegration& integration) {
    return integration.stage_variables && integration.stage_variables->is_object() &&
           !integration.stage_variables->empty();
}

ordered_json path_parameters(const ProxyIntegration& integration) {
    ordered_json out = object_for(integration.path_parameters.size());
    for (const auto& [name, value] : integration.path_parameters) {
        out[name] = value;
    }
    return out;
}

ordered_json identity(const HttpRequest& request) {
    std::optional<std::string> user_agent = header_value(request.headers, "user-agent");
    ordered_json out = object_for(12);
    out["accessKey"] = nullptr;
    out["accountId"] = nullptr;
    out["caller"] = nullptr;
    out["cognitoAuthenticationProvider"] = nullptr;
    out["cognitoAuthenticationType"] = nullptr;
    out["cognitoIdentityId"] = nullptr;
    out["cognitoIdentityPoolId"] = nullptr;
    out["principalOrgId"] = nullptr;
    out["sourceIp"] = request.source_ip;
    out["user"] = nullptr;
    out["userAgent"] = user_agent ? ordered_json(*user_agent) : ordered_json(nullptr);
    out["userArn"] = nullptr;
    return out;
}

// Payload format 1.0: a REST API, or an HTTP API with "version": "1.0" (§1).
ordered_json event_v1(const HttpRequest& request, const ProxyIntegration& integration,
                      const RequestStamp& stamp) {
    bool http = integration.api_type == ApiType::Http;
    std::string resource = integration.resource_path;
    if (http && resource.empty() && route_key(integration) == k_default_stage) {
        resource = k_default_stage;
    }
    // A REST API's event path drops the stage; an HTTP API's 1.0 path keeps a named stage's prefix.
    std::string full_path = stage_path(integration);

    ordered_json event = object_for(24);
    if (http) {
        event["version"] = "1.0";
    }
    event["resource"] = resource;
    event["path"] = http ? full_path : integration.path;
    event["httpMethod"] = request.method;

    HeaderList headers = request.headers;
    if (http) {
        for (auto& header : headers) {
            header.first = lowercase(header.first);
        }
    }
    Grouped header_groups = group_values(headers, true);
    if (header_groups.empty()) {
        event["headers"] = nullptr;
        event["multiValueHeaders"] = nullptr;
    } else {
        ordered_json single = object_for(header_groups.size());
        ordered_json multi = object_for(header_groups.size());
        for (const auto& [name, values] : header_groups) {
            single[name] = values.back(); // last wins, as for the query [UNCONFIRMED for REST]
            multi[name] = values;
        }
        event["headers"] = std::move(single);
        event["multiValueHeaders"] = std::move(multi);
    }

    Grouped query_groups = group_values(parse_query(request.raw_query), false);
    if (query_groups.empty()) {
        event["queryStringParameters"] = nullptr;
        event["multiValueQueryStringParameters"] = nullptr;
    } else {
        ordered_json single = object_for(query_groups.size());
        ordered_json multi = object_for(query_groups.size());
        for (const auto& [key, values] : query_groups) {
            single[key] = values.back();
            multi[key] = values;
        }
        event["queryStringParameters"] = std::move(single);
        event["multiValueQueryStringParameters"] = std::move(multi);
    }

    event["pathParameters"] =
        integration.path_parameters.empty() ? ordered_json(nullptr) : path_parameters(integration);
    event["stageVariables"] = has_stage_variables(integration)
                                  ? ordered_json(*integration.stage_variables)
                                  : ordered_json(nullptr);

    ordered_json context = object_for(24);
    context["accountId"] = integration.account_id;
    context["apiId"] = integration.api_id;
    context["domainName"] = integration.domain_name;
    context["domainPrefix"] = domain_prefix(integration.domain_name);
    context["extendedRequestId"] =
        stamp.extended_request_id.empty() ? stamp.request_id : stamp.extended_request_id;
    context["httpMethod"] = request.method;
    context["identity"] = identity(request);
    context["path"] = full_path;
    context["protocol"] = request.protocol;
    context["requestId"] = stamp.request_id;
    context["requestTime"] = clf_time(stamp.time);
    context["requestTimeEpoch"] = epoch_ms(stamp.time);
    if (http) {
        context["resourceId"] = nullptr;
    } else {
        context["resourceId"] = integration.resource_id.empty()
                                    ? resource_id_for(integration.resource_path)
                                    : integration.resource_id;
    }
    context["resourcePath"] = resource;
    context["stage"] = integration.stage;
    event["requestContext"] = std::move(context);

    auto [body, base64] = event_body(request, integration);
    event["body"] = body.empty() ? ordered_json(nullptr) : ordered_json(std::move(body));
    event["isBase64Encoded"] = base64;
    return event;
}

// Payload format 2.0: an HTTP API (§2). Absent optional fields are omitted, not null.
ordered_json event_v2(const HttpRequest& request, const ProxyIntegration& integration,
                      const RequestStamp& stamp) {
    std::string raw_path = stage_path(integration);

    std::vector<std::string> cookies;
    Pairs headers;
    for (const auto& [name, value] : request.headers) {
        std::string lower = lowercase(name);
        if (lower != "cookie") {
            headers.emplace_back(std::move(lower), value);
            continue;
        }
        std::string_view rest = value;
        while (!rest.empty()) {
            std::size_t semicolon = rest.find(';');
            std::string_view cookie = trim(rest.substr(0, semicolon));
            rest = semicolon == std::string_view::npos ? std::string_view{}
                                                       : rest.substr(semicolon + 1);
            if (!cookie.empty()) {
                cookies.emplace_back(cookie);
            }
        }
    }

    ordered_json event = object_for(24);
    event["version"] = "2.0";
    event["routeKey"] = route_key(integration);
    event["rawPath"] = raw_path;
    event["rawQueryString"] = request.raw_query;
    if (!cookies.empty()) {
        event["cookies"] = cookies;
    }
    ordered_json header_object = object_for(request.headers.size());
    for (const auto& [name, values] : group_values(headers, false)) {
        header_object[name] = join(values, ",");
    }
    event["headers"] = std::move(header_object);
    Grouped query_groups = group_values(parse_query(request.raw_query), false);
    if (!query_groups.empty()) {
        ordered_json query = object_for(query_groups.size());
        for (const auto& [key, values] : query_groups) {
            query[key] = join(values, ",");
        }
        event["queryStringParameters"] = std::move(query);
    }
    if (!integration.path_parameters.empty()) {
        event["pathParameters"] = path_parameters(integration);
    }
    if (has_stage_variables(integration)) {
        event["stageVariables"] = *integration.stage_variables;
    }

    ordered_json http = object_for(8);
    http["method"] = request.method;
    http["path"] = raw_path;
    http["protocol"] = request.protocol;
    http["sourceIp"] = request.source_ip;
    http["userAgent"] = header_value(request.headers, "user-agent").value_or("");

    ordered_json context = object_for(24);
    context["accountId"] = integration.account_id;
    context["apiId"] = integration.api_id;
    context["domainName"] = integration.domain_name;
    context["domainPrefix"] = domain_prefix(integration.domain_name);
    context["http"] = std::move(http);
    context["requestId"] = stamp.request_id;
    context["routeKey"] = route_key(integration);
    context["stage"] = integration.stage;
    context["time"] = clf_time(stamp.time);
    context["timeEpoch"] = epoch_ms(stamp.time);
    event["requestContext"] = std::move(context);

    auto [body, base64] = event_body(request, integration);
    if (!body.empty()) {
        event["body"] = std::move(body);
    }
    event["isBase64Encoded"] = base64;
    return event;
}

} // namespace

RequestStamp new_request_stamp(ApiType api_type, WallClock::time_point now) {
    if (api_type == ApiType::Rest) {
        return {new_request_id(), new_short_request_id(), now};
    }
    std::string id = new_short_request_id();
    return {id, id, now};
}

std::string new_short_request_id() {
    std::string hex = random_hex(22);
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        bytes += static_cast<char>(hex_value(hex[i]) * 16 + hex_value(hex[i + 1]));
    }
    return base64_encode(bytes, Base64Alphabet::Url);
}

std::string resource_id_for(std::string_view resource_path) {
    std::uint64_t hash = 14695981039346656037ULL; // FNV-1a
    for (char c : resource_path) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    static const char k_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    for (int i = 0; i < 6; ++i) {
        out += k_alphabet[hash % 36];
        hash /= 36;
    }
    return out;
}

bool is_binary_media_type(std::string_view content_type,
                          const std::vector<std::string>& binary_media_types) {
    std::string type = media_type(content_type);
    for (const std::string& entry : binary_media_types) {
        std::string pattern = media_type(entry);
        for (std::size_t at = pattern.find("~1"); at != std::string::npos;
             at = pattern.find("~1", at + 1)) {
            pattern.replace(at, 2, "/");
        }
        if (pattern == "*/*") {
            return true;
        }
        if (type.empty()) {
            continue;
        }
        if (pattern.ends_with("/*")) {
            if (type.starts_with(pattern.substr(0, pattern.size() - 1))) {
                return true;
            }
        } else if (pattern == type) {
            return true;
        }
    }
    return false;
}

std::string proxy_event(const HttpRequest& request, const ProxyIntegration& integration,
                        const RequestStamp& stamp) {
    bool v2 = integration.api_type == ApiType::Http && integration.format == PayloadFormat::V2;
    ordered_json event =
        v2 ? event_v2(request, integration, stamp) : event_v1(request, integration, stamp);
    return event.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

} // namespace lambda_local::runtime::gateway
