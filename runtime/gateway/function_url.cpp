// Function URLs: routing by Host (or a path prefix), the function URL event, its answers.
#include "runtime/gateway/function_url.hpp"

#include "runtime/function/quotas.hpp"
#include "runtime/gateway/cors.hpp"
#include "runtime/gateway/proxy_response.hpp"
#include "runtime/http/message.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/json_depth.hpp"
#include "runtime/util/json_writer.hpp"
#include "runtime/util/sha256.hpp"
#include "runtime/util/text.hpp"

#include <algorithm>
#include <array>
#include <variant>

namespace lambda_local::runtime::gateway {
namespace {

constexpr std::string_view k_url_host_marker = ".lambda-url.";
constexpr std::string_view k_anonymous_account = "anonymous";
// A function URL has no integration timeout of its own: the function's timeout (at most
// Lambda's 15 minutes) ends an invocation first.
constexpr std::chrono::milliseconds k_function_url_timeout{15 * 60 * 1000 + 10000};

// The answers of a function URL's own, every literal in one place.
enum class UrlAnswer { Forbidden, FunctionFailed, Throttled, RequestTooLarge };

struct UrlAnswerText {
    UrlAnswer answer;
    int status;
    std::string_view error_type; // x-amzn-ErrorType, "" for none
    std::string_view body;
};

constexpr std::array<UrlAnswerText, 4> k_url_answers = {{
    // What an unsigned or wrongly signed request to an AWS_IAM URL gets (reported by users of
    // function URLs since 2025; earlier the message was only "Forbidden").
    {UrlAnswer::Forbidden, 403, "AccessDeniedException",
     R"({"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"})"},
    // A function error, crash, timeout or malformed response: 502 "Internal Server Error"
    // (reported by users) [UNCONFIRMED: the exact body and headers].
    {UrlAnswer::FunctionFailed, 502, "", "Internal Server Error"},
    // [UNCONFIRMED] Lambda's throttling error, as the Invoke API words it.
    {UrlAnswer::Throttled, 429, "TooManyRequestsException", R"({"Message":"Rate Exceeded."})"},
    // [UNCONFIRMED] Lambda's RequestTooLargeException, as the Invoke API words it.
    {UrlAnswer::RequestTooLarge, 413, "RequestTooLargeException",
     R"({"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"})"},
}};

HttpResponse url_answer(UrlAnswer answer) {
    HttpResponse response;
    for (const UrlAnswerText& text : k_url_answers) {
        if (text.answer != answer) {
            continue;
        }
        response.status = text.status;
        response.headers.emplace_back("content-type", text.body.starts_with('{')
                                                          ? "application/json"
                                                          : "text/plain; charset=utf-8");
        if (!text.error_type.empty()) {
            response.headers.emplace_back("x-amzn-ErrorType", text.error_type);
        }
        response.body = text.body;
    }
    return response;
}

// Whether a result is one JSON string (looked at only when it starts with a quote).
bool is_json_string(std::string_view payload) {
    std::size_t first = payload.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && payload[first] == '"' &&
           parse_json_bounded<nlohmann::json>(payload).is_string();
}

std::string authorizer_json(const IamCaller& caller) {
    std::string text;
    JsonWriter json(text);
    json.begin_object().key("iam").begin_object();
    json.key("accessKey").string(caller.access_key);
    json.key("accountId").string(caller.account_id);
    json.key("callerId").string(caller.caller_id);
    json.key("cognitoIdentity").null();
    json.key("principalOrgId").null();
    json.key("userArn").string(caller.user_arn);
    json.key("userId").string(caller.user_id);
    json.end_object().end_object();
    return text;
}

} // namespace

std::string function_url_id(std::string_view function_name) {
    static const char k_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string digest = sha256_hex("lambda-local function URL " + std::string(function_name));
    std::string id;
    for (std::size_t i = 0; i + 1 < digest.size() && id.size() < 32; i += 2) {
        int byte = hex_value(digest[i]) * 16 + hex_value(digest[i + 1]);
        id += k_alphabet[byte % 36];
    }
    return id;
}

IamCaller iam_caller(std::string_view access_key_id, std::string_view account_id) {
    // A stable IAM user id for the key: "AIDA" and 17 uppercase letters and digits.
    static const char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string digest = sha256_hex("lambda-local IAM user " + std::string(access_key_id));
    std::string user_id = "AIDA";
    for (std::size_t i = 0; user_id.size() < 21; i += 2) {
        user_id += k_alphabet[(hex_value(digest[i]) * 16 + hex_value(digest[i + 1])) % 32];
    }
    IamCaller caller;
    caller.access_key = std::string(access_key_id);
    caller.account_id = std::string(account_id);
    caller.caller_id = user_id;
    caller.user_id = user_id;
    caller.user_arn = "arn:aws:iam::" + caller.account_id + ":user/lambda-local";
    return caller;
}

std::string function_url_host(std::string_view url_id, std::string_view port) {
    return std::string(url_id) + ".lambda-url.localhost:" + std::string(port);
}

FunctionUrls::FunctionUrls(std::vector<config::FunctionUrlConfig> urls, std::string region,
                           SignatureCheck check, IamCaller caller)
    : m_urls(std::move(urls)), m_region(std::move(region)), m_check(std::move(check)),
      m_caller(std::move(caller)) {
    for (const config::FunctionUrlConfig& url : m_urls) {
        m_ids.push_back(function_url_id(url.function_name));
    }
}

std::optional<FunctionUrls::Target> FunctionUrls::match(const HttpRequest& request) const {
    Target target;
    if (const std::string* host = http::find_header(request.headers, "host")) {
        std::string name = lowercase(*host);
        std::size_t marker = name.find(k_url_host_marker);
        std::size_t dot = name.find('.');
        if (marker != std::string::npos && marker == dot && marker > 0) {
            target.asked = name.substr(0, marker);
            target.path = request.path.empty() ? "/" : request.path;
            for (std::size_t i = 0; i < m_urls.size(); ++i) {
                if (m_ids[i] == target.asked) {
                    target.url = &m_urls[i];
                    target.id = m_ids[i];
                }
            }
            return target;
        }
    }
    std::string_view path = request.path;
    if (!path.starts_with(k_function_url_path_prefix)) {
        return std::nullopt;
    }
    path.remove_prefix(k_function_url_path_prefix.size());
    std::size_t slash = path.find('/');
    target.asked = std::string(path.substr(0, slash));
    target.path = slash == std::string_view::npos ? "/" : std::string(path.substr(slash));
    target.by_prefix = true;
    for (std::size_t i = 0; i < m_urls.size(); ++i) {
        if (m_ids[i] == target.asked || m_urls[i].function_name == target.asked) {
            target.url = &m_urls[i];
            target.id = m_ids[i];
        }
    }
    return target;
}

Integration FunctionUrls::prepare(HttpRequest request, const Target& target,
                                  const FrontDoor& front) const {
    Integration integration;
    if (target.url == nullptr) {
        HttpResponse missing;
        missing.status = 404;
        missing.headers.emplace_back("content-type", "application/json");
        std::string known;
        for (std::size_t i = 0; i < m_urls.size(); ++i) {
            known += (known.empty() ? "" : ", ") + m_urls[i].function_name + " (" + m_ids[i] + ")";
        }
        nlohmann::json body = {
            {"Message", "lambda-local: no function URL '" + target.asked +
                            "'; function URLs: " + (known.empty() ? "none" : known)}};
        missing.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        integration.answer = std::move(missing);
        return integration;
    }
    const config::FunctionUrlConfig& url = *target.url;
    integration.function_url = &url;
    integration.function_name = url.function_name;
    integration.route_key = "$default";
    integration.timeout = k_function_url_timeout;
    integration.stream = url.response_stream;
    // A preflight is answered by the URL's CORS configuration, before any signature check
    // (browsers do not sign preflights).
    if (url.cors && is_preflight(request)) {
        integration.answer = preflight_response(*url.cors, request, {"ANY"});
        integration.request = std::move(request);
        return integration;
    }
    bool iam = url.auth == config::FunctionUrlConfig::AuthType::AwsIam;
    if (iam) {
        std::string why =
            m_check ? m_check(request, m_region) : "signatures cannot be checked in this command";
        if (!why.empty()) {
            integration.note = "AWS_IAM: " + why;
            integration.request = std::move(request);
            HttpResponse forbidden = url_answer(UrlAnswer::Forbidden);
            add_cors(integration, forbidden);
            integration.answer = std::move(forbidden);
            return integration;
        }
    }

    ProxyIntegration& proxy = integration.proxy;
    proxy.api_type = ApiType::Http;
    proxy.format = PayloadFormat::V2;
    proxy.route_key = "$default";
    proxy.stage = std::string(k_default_stage);
    proxy.path = target.path;
    proxy.api_id = target.id;
    proxy.account_id = iam ? m_caller.account_id : std::string(k_anonymous_account);
    if (iam) {
        proxy.authorizer_json = authorizer_json(m_caller);
    }
    std::string* host = http::find_header(request.headers, "host");
    if (target.by_prefix || host == nullptr) {
        proxy.domain_name = function_url_host(target.id, front.port);
        if (host != nullptr) {
            *host = proxy.domain_name; // the function sees the URL's own host
        } else {
            request.headers.emplace_back("Host", proxy.domain_name);
        }
    } else {
        proxy.domain_name = lowercase(*host);
    }
    add_forwarding_headers(request, front);
    RequestStamp stamp{new_request_id(), "", WallClock::now()};
    integration.event = proxy_event(request, proxy, stamp);
    integration.request = std::move(request);
    if (integration.event.size() > k_max_request_payload) {
        HttpResponse too_large = url_answer(UrlAnswer::RequestTooLarge);
        add_cors(integration, too_large);
        integration.answer = std::move(too_large);
    }
    return integration;
}

void FunctionUrls::add_cors(const Integration& integration, HttpResponse& response) const {
    if (integration.function_url != nullptr && integration.function_url->cors) {
        add_cors_headers(*integration.function_url->cors, integration.request, response);
    }
}

HttpResponse FunctionUrls::answer(const Integration& integration, const InvocationResult& result,
                                  std::string* malformed) const {
    if (integration.answer) {
        return *integration.answer;
    }
    HttpResponse response;
    if (!result.ok()) {
        response = url_answer(UrlAnswer::FunctionFailed);
    } else if (is_json_string(result.payload)) {
        // A JSON string goes out as the function returned it, quotes and all ("Hello, world!"
        // is 15 bytes in AWS's example), where an HTTP API would send the string's contents.
        response.status = 200;
        response.headers.emplace_back("content-type", "application/json");
        response.body = result.payload;
    } else {
        auto read = read_function_response(ApiType::Http, PayloadFormat::V2, result.payload, {});
        if (auto* bad = std::get_if<MalformedResponse>(&read)) {
            if (malformed != nullptr) {
                *malformed = bad->reason;
            }
            response = url_answer(UrlAnswer::FunctionFailed);
        } else {
            response = std::move(std::get<HttpResponse>(read));
        }
    }
    add_cors(integration, response);
    return response;
}

HttpResponse FunctionUrls::throttled(const Integration& integration) const {
    HttpResponse response = url_answer(UrlAnswer::Throttled);
    add_cors(integration, response);
    return response;
}

} // namespace lambda_local::runtime::gateway
