// Building API Gateway's Lambda proxy events, payload formats 1.0 and 2.0.
#include "runtime/gateway/proxy_event.hpp"

#include "runtime/gateway/routes.hpp"
#include "runtime/http/message.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/json_writer.hpp"
#include "runtime/util/text.hpp"

#include <array>
#include <cstdint>
#include <unordered_map>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::json;
using Pairs = std::vector<std::pair<std::string, std::string>>;
// Values grouped under their key, keys in order of first appearance.
using Grouped = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Media types an HTTP API passes as a plain string; every other body is base64 (measured, §2).
constexpr std::array<std::string_view, 3> k_http_text_media_types = {
    "application/json", "application/xml", "application/javascript"};
constexpr std::string_view k_http_text_media_prefix = "text/";

// The media type of a Content-Type value, lowercased, without parameters: "image/png".
std::string media_type(std::string_view content_type) {
    return lowercase(trim_blanks(content_type.substr(0, content_type.find(';'))));
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
    const std::string* content_type = http::find_header(request.headers, "content-type");
    bool binary = integration.api_type == ApiType::Rest
                      ? is_binary_media_type(content_type ? *content_type : "",
                                             integration.binary_media_types)
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

// The path as the event has it: stage_path(), decoded where the API decodes it.
std::string event_path(const ProxyIntegration& integration) {
    std::string path = stage_path(integration);
    return integration.decoded_path && path.find('%') != std::string::npos ? percent_decode(path)
                                                                           : path;
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

void write_path_parameters(JsonWriter& json, const ProxyIntegration& integration) {
    json.begin_object();
    for (const auto& [name, value] : integration.path_parameters) {
        json.key(name).string(value);
    }
    json.end_object();
}

void write_stage_variables(JsonWriter& json, const ProxyIntegration& integration) {
    json.raw(integration.stage_variables->dump(-1, ' ', false, json::error_handler_t::replace));
}

// requestContext.authorizer, when an authorizer allowed the request (or a function URL's
// AWS_IAM caller).
void write_authorizer(JsonWriter& json, const ProxyIntegration& integration) {
    if (integration.authorizer && integration.authorizer->is_object()) {
        json.key("authorizer")
            .raw(integration.authorizer->dump(-1, ' ', false, json::error_handler_t::replace));
    } else if (!integration.authorizer_json.empty()) {
        json.key("authorizer").raw(integration.authorizer_json); // a function URL's {"iam":...}
    }
}

void write_identity(JsonWriter& json, const HttpRequest& request) {
    const std::string* user_agent = http::find_header(request.headers, "user-agent");
    json.begin_object();
    for (std::string_view name : {"accessKey", "accountId", "caller",
                                  "cognitoAuthenticationProvider", "cognitoAuthenticationType",
                                  "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId"}) {
        json.key(name).null();
    }
    json.key("sourceIp").string(request.source_ip);
    json.key("user").null();
    json.key("userAgent");
    if (user_agent) {
        json.string(*user_agent);
    } else {
        json.null();
    }
    json.key("userArn").null();
    json.end_object();
}

// Payload format 1.0: a REST API, or an HTTP API with "version": "1.0" (§1).
void write_event_v1(JsonWriter& json, const HttpRequest& request,
                    const ProxyIntegration& integration, const RequestStamp& stamp) {
    bool http = integration.api_type == ApiType::Http;
    std::string resource = integration.resource_path;
    if (http && resource.empty() && route_key(integration) == k_default_stage) {
        resource = k_default_stage;
    }
    // A REST API's event path drops the stage; an HTTP API's 1.0 path keeps a named stage's prefix.
    std::string full_path = event_path(integration);

    json.begin_object();
    if (http) {
        json.key("version").string("1.0");
    }
    json.key("resource").string(resource);
    json.key("path").string(http ? full_path : integration.path);
    json.key("httpMethod").string(request.method);

    HeaderList headers = request.headers;
    if (http) {
        for (auto& header : headers) {
            header.first = lowercase(header.first);
        }
    }
    // Single values: the last one wins, as for the query [UNCONFIRMED for REST].
    auto write_groups = [&json](std::string_view single, std::string_view multi,
                                const Grouped& groups) {
        if (groups.empty()) {
            json.key(single).null().key(multi).null();
            return;
        }
        json.key(single).begin_object();
        for (const auto& [name, values] : groups) {
            json.key(name).string(values.back());
        }
        json.end_object().key(multi).begin_object();
        for (const auto& [name, values] : groups) {
            json.key(name).begin_array();
            for (const std::string& value : values) {
                json.string(value);
            }
            json.end_array();
        }
        json.end_object();
    };
    write_groups("headers", "multiValueHeaders", group_values(headers, true));
    write_groups("queryStringParameters", "multiValueQueryStringParameters",
                 group_values(parse_query(request.raw_query), false));

    json.key("pathParameters");
    if (integration.path_parameters.empty()) {
        json.null();
    } else {
        write_path_parameters(json, integration);
    }
    json.key("stageVariables");
    if (has_stage_variables(integration)) {
        write_stage_variables(json, integration);
    } else {
        json.null();
    }

    json.key("requestContext").begin_object();
    json.key("accountId").string(integration.account_id);
    json.key("apiId").string(integration.api_id);
    write_authorizer(json, integration);
    json.key("domainName").string(integration.domain_name);
    json.key("domainPrefix").string(domain_prefix(integration.domain_name));
    json.key("extendedRequestId")
        .string(stamp.extended_request_id.empty() ? stamp.request_id : stamp.extended_request_id);
    json.key("httpMethod").string(request.method);
    json.key("identity");
    write_identity(json, request);
    json.key("path").string(full_path);
    json.key("protocol").string(request.protocol);
    json.key("requestId").string(stamp.request_id);
    json.key("requestTime").string(clf_time(stamp.time));
    json.key("requestTimeEpoch").number(epoch_ms(stamp.time));
    json.key("resourceId");
    if (http) {
        json.null();
    } else {
        json.string(integration.resource_id.empty() ? resource_id_for(integration.resource_path)
                                                    : integration.resource_id);
    }
    json.key("resourcePath").string(resource);
    json.key("stage").string(integration.stage);
    json.end_object();

    auto [body, base64] = event_body(request, integration);
    json.key("body");
    if (body.empty()) {
        json.null();
    } else {
        json.string(body);
    }
    json.key("isBase64Encoded").boolean(base64);
    json.end_object();
}

// Payload format 2.0: an HTTP API (§2). Absent optional fields are omitted, not null.
void write_event_v2(JsonWriter& json, const HttpRequest& request,
                    const ProxyIntegration& integration, const RequestStamp& stamp) {
    std::string raw_path = event_path(integration);

    std::vector<std::string_view> cookies;
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
            std::string_view cookie = trim_blanks(rest.substr(0, semicolon));
            rest = semicolon == std::string_view::npos ? std::string_view{}
                                                       : rest.substr(semicolon + 1);
            if (!cookie.empty()) {
                cookies.push_back(cookie);
            }
        }
    }

    json.begin_object();
    json.key("version").string("2.0");
    json.key("routeKey").string(route_key(integration));
    json.key("rawPath").string(raw_path);
    json.key("rawQueryString").string(request.raw_query);
    if (!cookies.empty()) {
        json.key("cookies").begin_array();
        for (std::string_view cookie : cookies) {
            json.string(cookie);
        }
        json.end_array();
    }
    json.key("headers").begin_object();
    for (const auto& [name, values] : group_values(headers, false)) {
        json.key(name).string(join(values, ","));
    }
    json.end_object();
    Grouped query_groups = group_values(parse_query(request.raw_query), false);
    if (!query_groups.empty()) {
        json.key("queryStringParameters").begin_object();
        for (const auto& [key, values] : query_groups) {
            json.key(key).string(join(values, ","));
        }
        json.end_object();
    }
    if (!integration.path_parameters.empty()) {
        json.key("pathParameters");
        write_path_parameters(json, integration);
    }
    if (has_stage_variables(integration)) {
        json.key("stageVariables");
        write_stage_variables(json, integration);
    }

    json.key("requestContext").begin_object();
    json.key("accountId").string(integration.account_id);
    json.key("apiId").string(integration.api_id);
    write_authorizer(json, integration);
    json.key("domainName").string(integration.domain_name);
    json.key("domainPrefix").string(domain_prefix(integration.domain_name));
    json.key("http").begin_object();
    json.key("method").string(request.method);
    json.key("path").string(raw_path);
    json.key("protocol").string(request.protocol);
    json.key("sourceIp").string(request.source_ip);
    const std::string* user_agent = http::find_header(request.headers, "user-agent");
    json.key("userAgent").string(user_agent ? *user_agent : "");
    json.end_object();
    json.key("requestId").string(stamp.request_id);
    json.key("routeKey").string(route_key(integration));
    json.key("stage").string(integration.stage);
    json.key("time").string(clf_time(stamp.time));
    json.key("timeEpoch").number(epoch_ms(stamp.time));
    json.end_object();

    auto [body, base64] = event_body(request, integration);
    if (!body.empty()) {
        json.key("body").string(body);
    }
    json.key("isBase64Encoded").boolean(base64);
    json.end_object();
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
    std::string text;
    text.reserve(1024 + request.body.size() * 4 / 3);
    JsonWriter json(text);
    if (integration.api_type == ApiType::Http && integration.format == PayloadFormat::V2) {
        write_event_v2(json, request, integration, stamp);
    } else {
        write_event_v1(json, request, integration, stamp);
    }
    return text;
}

} // namespace lambda_local::runtime::gateway
