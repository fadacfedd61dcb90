// API Gateway proxy requests: REST API (payload 1.0) and HTTP API (payload 2.0).
#include "runtime/sample_events/builders.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/sample_events/random_text.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"

#include <cctype>
#include <cstdio>
#include <utility>
#include <vector>

namespace lambda_local::runtime::events {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view k_user_agent = "curl/8.5.0";

// A query parameter, decoded.
using QueryList = std::vector<std::pair<std::string, std::string>>;

// What the REST and the HTTP API events have in common: one request and its API.
struct Request {
    std::string method;
    std::string path;  // without the stage
    std::string query; // raw, without '?'
    QueryList parameters;
    std::vector<std::string> cookies;
    std::optional<std::string> body;
    std::string api_id;
    std::string domain_name;
    std::string trace_id;
};

std::string checked_method(const std::string& value) {
    std::string method;
    for (char c : value) {
        method += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    bool letters = !method.empty();
    for (char c : method) {
        letters = letters && c >= 'A' && c <= 'Z';
    }
    if (!letters || method == "ANY") {
        throw Error("--method: expected an HTTP method such as GET or POST, not '" + value + "'");
    }
    return method;
}

std::string checked_path(const std::string& value) {
    if (value.empty() || value[0] != '/') {
        throw Error("--path: expected a path starting with '/', not '" + value + "'");
    }
    if (value.find_first_of("?#") != std::string::npos) {
        throw Error("--path: give the query string with --query, not in the path: '" + value + "'");
    }
    return value;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::string trimmed(std::string_view text) {
    const std::size_t first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) {
        return "";
    }
    return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
}

QueryList parse_query(std::string_view raw) {
    QueryList parameters;
    for (const std::string& pair : split(raw, '&')) {
        if (pair.empty()) {
            continue;
        }
        const std::size_t equals = pair.find('=');
        parameters.emplace_back(
            percent_decode(pair.substr(0, equals)),
            equals == std::string::npos ? "" : percent_decode(pair.substr(equals + 1)));
    }
    return parameters;
}

// The path parameters of `path` under the resource template (`/pets/{id}`, `/{proxy+}`);
// nothing when the template does not match the path.
std::optional<ordered_json> match_template(const std::string& resource, const std::string& path) {
    ordered_json parameters = ordered_json::object();
    if (resource == "/") {
        return path == "/" ? std::optional<ordered_json>(parameters) : std::nullopt;
    }
    const std::vector<std::string> templ = split(std::string_view(resource).substr(1), '/');
    const std::vector<std::string> segments = split(std::string_view(path).substr(1), '/');
    for (std::size_t i = 0; i < templ.size(); ++i) {
        const std::string& part = templ[i];
        const bool variable = part.size() > 2 && part.front() == '{' && part.back() == '}';
        if (variable && part[part.size() - 2] == '+') {
            // A greedy variable takes the rest, without its leading slash, and never nothing.
            if (i + 1 != templ.size() || i >= segments.size()) {
                return std::nullopt;
            }
            std::string rest = segments[i];
            for (std::size_t k = i + 1; k < segments.size(); ++k) {
                rest += "/" + segments[k];
            }
            if (rest.empty()) {
                return std::nullopt;
            }
            parameters[part.substr(1, part.size() - 3)] = rest;
            return parameters;
        }
        if (i >= segments.size()) {
            return std::nullopt;
        }
        if (variable) {
            if (segments[i].empty()) {
                return std::nullopt;
            }
            parameters[part.substr(1, part.size() - 2)] = segments[i];
        } else if (part != segments[i]) {
            return std::nullopt;
        }
    }
    if (templ.size() != segments.size()) {
        return std::nullopt;
    }
    return parameters;
}

// The path parameters for --resource, or null when the resource has no variable.
ordered_json path_parameters(const std::string& resource, const std::string& path) {
    if (resource.empty() || resource[0] != '/') {
        throw Error("--resource: expected a path template starting with '/', not '" + resource +
                    "'");
    }
    std::optional<ordered_json> parameters = match_template(resource, path);
    if (!parameters) {
        throw Error("--resource '" + resource + "' does not match --path '" + path + "'");
    }
    return parameters->empty() ? ordered_json(nullptr) : *parameters;
}

Request read_request(const EventInputs& in) {
    Request r;
    r.method = checked_method(in.get("method", "GET"));
    r.path = checked_path(in.get("path", "/hello"));
    r.query = in.get("query", "");
    if (!r.query.empty() && r.query[0] == '?') {
        r.query.erase(0, 1);
    }
    r.parameters = parse_query(r.query);
    if (auto cookie = in.find("cookie")) {
        for (const std::string& part : split(*cookie, ';')) {
            if (std::string one = trimmed(part); !one.empty()) {
                r.cookies.push_back(one);
            }
        }
    }
    r.body = in.find("body");
    r.api_id = random_chars(k_lower_alnum, 10);
    r.domain_name = r.api_id + ".execute-api." + in.region() + "." + in.dns_suffix();
    char seconds[16];
    std::snprintf(seconds, sizeof seconds, "%08llx",
                  static_cast<unsigned long long>(epoch_seconds(in.now())));
    r.trace_id = std::string("Root=1-") + seconds + "-" + random_hex(24);
    return r;
}

std::string content_type(const std::string& body) {
    return ordered_json::accept(body) ? "application/json" : "text/plain";
}

std::string checked_stage(const std::string& stage, bool allow_default) {
    bool ok = !stage.empty() && stage.size() <= 128;
    for (char c : stage) {
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    }
    if (!ok && !(allow_default && stage == "$default")) {
        throw Error("--stage: expected letters, digits, '-' or '_'" +
                    std::string(allow_default ? " (or $default)" : "") + ", not '" + stage + "'");
    }
    return stage;
}

// An id in the style of API Gateway's extendedRequestId and HTTP API requestId.
std::string short_request_id() {
    return random_chars(k_base64url.substr(0, 62), 7) + "-" +
           random_chars(k_base64url.substr(0, 62), 7) + "=";
}

} // namespace

ordered_json api_gateway_rest_event(const EventInputs& in) {
    const Request r = read_request(in);
    const std::string stage = checked_stage(in.get("stage", "prod"), false);
    const std::string resource = in.get("resource", r.path == "/" ? "/" : "/{proxy+}");

    std::vector<std::pair<std::string, std::string>> headers{{"Accept", "*/*"}};
    if (r.body) {
        headers.emplace_back("Content-Type", content_type(*r.body));
    }
    if (!r.cookies.empty()) {
        std::string cookie;
        for (const std::string& one : r.cookies) {
            cookie += (cookie.empty() ? "" : "; ") + one;
        }
        headers.emplace_back("Cookie", cookie);
    }
    headers.insert(headers.end(), {{"Host", r.domain_name},
                                   {"User-Agent", std::string(k_user_agent)},
                                   {"X-Amzn-Trace-Id", r.trace_id},
                                   {"X-Forwarded-For", std::string(k_client_ip)},
                                   {"X-Forwarded-Port", "443"},
                                   {"X-Forwarded-Proto", "https"}});
    ordered_json single = ordered_json::object();
    ordered_json multi = ordered_json::object();
    for (const auto& [name, value] : headers) {
        single[name] = value;
        multi[name] = ordered_json::array({value});
    }

    ordered_json query = nullptr;
    ordered_json multi_query = nullptr;
    for (const auto& [name, value] : r.parameters) {
        query[name] = value; // a repeated name: the last value
        multi_query[name].push_back(value);
    }

    ordered_json identity = {{"accessKey", nullptr},
                             {"accountId", nullptr},
                             {"caller", nullptr},
                             {"cognitoAuthenticationProvider", nullptr},
                             {"cognitoAuthenticationType", nullptr},
                             {"cognitoIdentityId", nullptr},
                             {"cognitoIdentityPoolId", nullptr},
                             {"principalOrgId", nullptr},
                             {"sourceIp", k_client_ip},
                             {"user", nullptr},
                             {"userAgent", k_user_agent},
                             {"userArn", nullptr}};
    ordered_json context = {{"accountId", in.account()},
                            {"apiId", r.api_id},
                            {"domainName", r.domain_name},
                            {"domainPrefix", r.api_id},
                            {"extendedRequestId", short_request_id()},
                            {"httpMethod", r.method},
                            {"identity", identity},
                            {"path", "/" + stage + r.path},
                            {"protocol", "HTTP/1.1"},
                            {"requestId", new_request_id()},
                            {"requestTime", clf_time(in.now())},
                            {"requestTimeEpoch", epoch_ms(in.now())},
                            {"resourceId", random_chars(k_lower_alnum, 6)},
                            {"resourcePath", resource},
                            {"stage", stage}};
    return {{"resource", resource},
            {"path", r.path},
            {"httpMethod", r.method},
            {"headers", single},
            {"multiValueHeaders", multi},
            {"queryStringParameters", query},
            {"multiValueQueryStringParameters", multi_query},
            {"pathParameters", path_parameters(resource, r.path)},
            {"stageVariables", nullptr},
            {"requestContext", context},
            {"body", r.body ? ordered_json(*r.body) : ordered_json(nullptr)},
            {"isBase64Encoded", false}};
}

ordered_json api_gateway_http_event(const EventInputs& in) {
    const Request r = read_request(in);
    const std::string stage = checked_stage(in.get("stage", "$default"), true);
    // A named stage's prefix is part of rawPath (AWS: HTTP API payload format 2.0).
    const std::string raw_path = stage == "$default" ? r.path : "/" + stage + r.path;
    const std::optional<std::string> resource = in.find("resource");
    const std::string route_key = resource ? r.method + " " + *resource : "$default";

    ordered_json headers = {{"accept", "*/*"},
                            {"content-length", std::to_string(r.body ? r.body->size() : 0)}};
    if (r.body) {
        headers["content-type"] = content_type(*r.body);
    }
    headers["host"] = r.domain_name;
    headers["user-agent"] = k_user_agent;
    headers["x-amzn-trace-id"] = r.trace_id;
    headers["x-forwarded-for"] = k_client_ip;
    headers["x-forwarded-port"] = "443";
    headers["x-forwarded-proto"] = "https";

    ordered_json event = {{"version", "2.0"},
                          {"routeKey", route_key},
                          {"rawPath", raw_path},
                          {"rawQueryString", r.query}};
    if (!r.cookies.empty()) {
        event["cookies"] = r.cookies;
    }
    event["headers"] = headers;
    if (!r.parameters.empty()) {
        ordered_json query = ordered_json::object();
        for (const auto& [name, value] : r.parameters) {
            // A repeated name: its values joined with commas.
            query[name] =
                query.contains(name) ? query[name].get<std::string>() + "," + value : value;
        }
        event["queryStringParameters"] = query;
    }
    if (resource) {
        if (ordered_json parameters = path_parameters(*resource, r.path); !parameters.is_null()) {
            event["pathParameters"] = parameters;
        }
    }
    event["requestContext"] = {{"accountId", in.account()},
                               {"apiId", r.api_id},
                               {"domainName", r.domain_name},
                               {"domainPrefix", r.api_id},
                               {"http",
                                {{"method", r.method},
                                 {"path", raw_path},
                                 {"protocol", "HTTP/1.1"},
                                 {"sourceIp", k_client_ip},
                                 {"userAgent", k_user_agent}}},
                               {"requestId", short_request_id()},
                               {"routeKey", route_key},
                               {"stage", stage},
                               {"time", clf_time(in.now())},
                               {"timeEpoch", epoch_ms(in.now())}};
    if (r.body) {
        event["body"] = *r.body;
    }
    event["isBase64Encoded"] = false;
    return event;
}

} // namespace lambda_local::runtime::events
