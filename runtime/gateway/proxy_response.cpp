// Reading a function's proxy result (formats 1.0 and 2.0) into an HTTP response; gateway answers.
#include "runtime/gateway/proxy_response.hpp"

#include "runtime/util/encoding.hpp"
#include "runtime/util/json_depth.hpp"
#include "runtime/util/text.hpp"

#include "runtime/gateway/proxy_event.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::ordered_json;

// One answer of the gateway's own. Every literal lives in k_gateway_answers below.
struct GatewayAnswerText {
    GatewayAnswer answer;
    ApiType api_type;
    int status;
    std::string_view body;
    std::string_view error_type; // the x-amzn-ErrorType header (REST); "" for none
    std::string_view content_type = "application/json";
};

// What API Gateway answers by itself (§3.3). REST spells its headers "Content-Type" and
// "x-amzn-ErrorType"; an HTTP API sends lowercase names.
constexpr std::array<GatewayAnswerText, 12> k_gateway_answers = {{
    {GatewayAnswer::NoRoute, ApiType::Rest, 403, R"({"message":"Missing Authentication Token"})",
     "MissingAuthenticationTokenException"},
    {GatewayAnswer::NoRoute, ApiType::Http, 404, R"({"message":"Not Found"})", ""},
    {GatewayAnswer::FunctionFailed, ApiType::Rest, 502, R"({"message": "Internal server error"})",
     "InternalServerErrorException"},
    // [UNCONFIRMED text]
    {GatewayAnswer::FunctionFailed, ApiType::Http, 500, R"({"message":"Internal Server Error"})",
     ""},
    // [UNCONFIRMED] whether a REST 504 carries an x-amzn-ErrorType; sent without one.
    {GatewayAnswer::IntegrationTimeout, ApiType::Rest, 504,
     R"({"message": "Endpoint request timed out"})", ""},
    {GatewayAnswer::IntegrationTimeout, ApiType::Http, 503, R"({"message":"Service Unavailable"})",
     ""},
    // Observed on a REST API over Lambda's 6 MB limit (koki-develop/lgtm-generator#10).
    {GatewayAnswer::RequestTooLarge, ApiType::Rest, 413, R"({"message": "Request Too Long"})",
     "BadRequestException"},
    // [UNCONFIRMED] an HTTP API's text.
    {GatewayAnswer::RequestTooLarge, ApiType::Http, 413,
     R"({"message":"Request Entity Too Large"})", ""},
    // Observed on a REST API over 10 MB (same report): plain text, not JSON.
    {GatewayAnswer::RequestOverGatewayLimit, ApiType::Rest, 413,
     "HTTP content length exceeded 10485760 bytes.", "", "text; charset=utf-8"},
    // [UNCONFIRMED] assumed the same for an HTTP API.
    {GatewayAnswer::RequestOverGatewayLimit, ApiType::Http, 413,
     "HTTP content length exceeded 10485760 bytes.", "", "text; charset=utf-8"},
    // API Gateway's THROTTLED gateway response (APIGW-GWRESP).
    {GatewayAnswer::Throttled, ApiType::Rest, 429, R"({"message":"Too Many Requests"})",
     "TooManyRequestsException"},
    {GatewayAnswer::Throttled, ApiType::Http, 429, R"({"message":"Too Many Requests"})", ""},
}};

// A 1.0 result without statusCode gets this status: SAM's choice [UNCONFIRMED on AWS].
constexpr int k_status_when_missing_v1 = 200;
// The keys a REST API accepts in a result; any other makes it malformed (§3.1).
constexpr std::array<std::string_view, 5> k_rest_response_keys = {
    "statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded"};

MalformedResponse malformed(std::string reason) {
    return MalformedResponse{std::move(reason)};
}

// A member of a result, or nullptr when absent or null (a null counts as absent).
const ordered_json* member(const ordered_json& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

// The statusCode when it is an integer from 100 to 599: an integral number (200, 200.0) or a
// string of digits ("200", which Node blueprints return and API Gateway accepts).
std::optional<int> status_code(const ordered_json& value) {
    long long code = 0;
    if (value.is_number_unsigned()) {
        code = static_cast<long long>(std::min<std::uint64_t>(value.get<std::uint64_t>(), 1000));
    } else if (value.is_number_integer()) {
        code = value.get<long long>();
    } else if (value.is_number_float()) {
        double number = value.get<double>();
        if (!std::isfinite(number) || number != std::floor(number) || std::fabs(number) > 1000) {
            return std::nullopt;
        }
        code = static_cast<long long>(number);
    } else if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        if (text.empty() || text.size() > 3) {
            return std::nullopt;
        }
        for (char c : text) {
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            code = code * 10 + (c - '0');
        }
    } else {
        return std::nullopt;
    }
    if (code < 100 || code > 599) {
        return std::nullopt;
    }
    return static_cast<int>(code);
}

// A scalar as header or body text: strings as they are, numbers and booleans as JSON spells
// them ("42", "true"). Objects and arrays have none.
std::optional<std::string> scalar_text(const ordered_json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_number() || value.is_boolean()) {
        return value.dump();
    }
    return std::nullopt;
}

// Reads `headers` (an object of scalars) into `out`, skipping names `skip` says are replaced.
template <typename Skip>
std::optional<MalformedResponse> read_single_headers(const ordered_json* headers, HeaderList& out,
                                                     Skip skip) {
    if (headers == nullptr) {
        return std::nullopt;
    }
    if (!headers->is_object()) {
        return malformed("headers is not an object");
    }
    for (const auto& [name, value] : headers->items()) {
        if (value.is_null() || skip(name)) {
            continue;
        }
        std::optional<std::string> text = scalar_text(value);
        if (!text) {
            return malformed("header \"" + name + "\" is not a string");
        }
        out.emplace_back(name, std::move(*text));
    }
    return std::nullopt;
}

// The body member as text: a string, a number or a boolean; "" when absent.
std::variant<std::string, MalformedResponse> read_body(const ordered_json& result) {
    const ordered_json* body = member(result, "body");
    if (body == nullptr) {
        return std::string{};
    }
    std::optional<std::string> text = scalar_text(*body);
    if (!text) {
        return malformed("body is not a string");
    }
    return std::move(*text);
}

std::variant<bool, MalformedResponse> read_base64_flag(const ordered_json& result) {
    const ordered_json* flag = member(result, "isBase64Encoded");
    if (flag == nullptr) {
        return false;
    }
    if (!flag->is_boolean()) {
        return malformed("isBase64Encoded is not a boolean");
    }
    return flag->get<bool>();
}

// The result's body and its isBase64Encoded flag, as both formats read them.
struct BodyAndFlag {
    std::string body;
    bool base64 = false;
};

std::variant<BodyAndFlag, MalformedResponse> read_body_and_flag(const ordered_json& result) {
    auto body = read_body(result);
    if (auto* error = std::get_if<MalformedResponse>(&body)) {
        return *error;
    }
    auto flag = read_base64_flag(result);
    if (auto* error = std::get_if<MalformedResponse>(&flag)) {
        return *error;
    }
    return BodyAndFlag{std::move(std::get<std::string>(body)), std::get<bool>(flag)};
}

// Sets the body, decoded when `decode`; a body that is not base64 makes the result malformed.
std::optional<MalformedResponse> set_body(HttpResponse& response, std::string body, bool decode) {
    if (!decode) {
        response.body = std::move(body);
        return std::nullopt;
    }
    std::optional<std::string> bytes = base64_decode(body);
    if (!bytes) {
        return malformed("body is not base64 although isBase64Encoded is true");
    }
    response.body = std::move(*bytes);
    return std::nullopt;
}

// Whether a 1.0 result's headers or multiValueHeaders name Content-Type (any case), null
// included.
bool names_content_type(const ordered_json& result) {
    for (const char* key : {"headers", "multiValueHeaders"}) {
        if (const ordered_json* headers = member(result, key); headers && headers->is_object()) {
            for (const auto& [name, value] : headers->items()) {
                if (iequals(name, "Content-Type")) {
                    return true;
                }
            }
        }
    }
    return false;
}

// Format 1.0 (§3.1): headers and multiValueHeaders merged, multiValueHeaders winning a name in
// both (names compared case-insensitively).
std::variant<HttpResponse, MalformedResponse>
read_v1(ApiType api_type, const ordered_json& result,
        const std::vector<std::string>& binary_media_types, std::string_view accept) {
    if (!result.is_object()) {
        return malformed("the result is not a JSON object");
    }
    if (api_type == ApiType::Rest) {
        for (const auto& [key, value] : result.items()) {
            bool known = false;
            for (std::string_view allowed : k_rest_response_keys) {
                known = known || key == allowed;
            }
            if (!known) {
                return malformed("unexpected key \"" + key + "\"");
            }
        }
    }

    HttpResponse response;
    response.status = k_status_when_missing_v1;
    if (const ordered_json* code = member(result, "statusCode")) {
        std::optional<int> status = status_code(*code);
        if (!status) {
            return malformed("statusCode is not an integer from 100 to 599");
        }
        response.status = *status;
    }

    const ordered_json* multi = member(result, "multiValueHeaders");
    if (multi != nullptr && !multi->is_object()) {
        return malformed("multiValueHeaders is not an object");
    }
    auto replaced_by_multi = [multi](const std::string& name) {
        if (multi == nullptr) {
            return false;
        }
        for (const auto& [multi_name, values] : multi->items()) {
            if (!values.is_null() && iequals(multi_name, name)) {
                return true;
            }
        }
        return false;
    };
    if (auto error =
            read_single_headers(member(result, "headers"), response.headers, replaced_by_multi)) {
        return *error;
    }
    if (multi != nullptr) {
        for (const auto& [name, values] : multi->items()) {
            if (values.is_null()) {
                continue;
            }
            if (!values.is_array()) {
                return malformed("multiValueHeaders \"" + name + "\" is not an array");
            }
            for (const auto& value : values) {
                if (value.is_null()) {
                    continue;
                }
                std::optional<std::string> text = scalar_text(value);
                if (!text) {
                    return malformed("multiValueHeaders \"" + name + "\" holds a non-string");
                }
                response.headers.emplace_back(name, std::move(*text));
            }
        }
    }

    if (api_type == ApiType::Rest && !names_content_type(result)) {
        // A REST API gives a response whose function named no Content-Type its default one;
        // a function that wants none names it with null.
        response.headers.emplace_back("Content-Type", "application/json");
    }

    auto read = read_body_and_flag(result);
    if (auto* error = std::get_if<MalformedResponse>(&read)) {
        return *error;
    }
    auto& [body, flag] = std::get<BodyAndFlag>(read);
    // An HTTP API decodes whenever the flag is set; a REST API only when the client's first
    // Accept media type is one of its binary media types.
    bool decode = flag && (api_type == ApiType::Http ||
                           is_binary_media_type(first_accept_type(accept), binary_media_types));
    if (auto error = set_body(response, std::move(body), decode)) {
        return *error;
    }
    return response;
}

// Format 2.0 (§3.2): a JSON result without statusCode is the body of a 200 application/json.
std::variant<HttpResponse, MalformedResponse> read_v2(std::string_view payload,
                                                      const ordered_json& result) {
    if (!result.is_object() || member(result, "statusCode") == nullptr) {
        HttpResponse inferred;
        inferred.status = 200;
        inferred.headers.emplace_back("content-type", "application/json");
        inferred.body = result.is_string() ? result.get<std::string>() : std::string(payload);
        return inferred;
    }

    HttpResponse response;
    std::optional<int> status = status_code(*member(result, "statusCode"));
    if (!status) {
        return malformed("statusCode is not an integer from 100 to 599");
    }
    response.status = *status;
    if (auto error = read_single_headers(member(result, "headers"), response.headers,
                                         [](const std::string&) { return false; })) {
        return *error;
    }
    if (const ordered_json* cookies = member(result, "cookies")) {
        if (!cookies->is_array()) {
            return malformed("cookies is not an array");
        }
        for (const auto& cookie : *cookies) {
            if (cookie.is_null()) {
                continue;
            }
            std::optional<std::string> text = scalar_text(cookie);
            if (!text) {
                return malformed("cookies holds a non-string");
            }
            response.headers.emplace_back("set-cookie", std::move(*text));
        }
    }
    auto read = read_body_and_flag(result);
    if (auto* error = std::get_if<MalformedResponse>(&read)) {
        return *error;
    }
    auto& [body, flag] = std::get<BodyAndFlag>(read);
    if (auto error = set_body(response, std::move(body), flag)) {
        return *error;
    }
    return response;
}

} // namespace

HttpResponse gateway_answer(ApiType api_type, GatewayAnswer answer) {
    HttpResponse response;
    for (const GatewayAnswerText& text : k_gateway_answers) {
        if (text.answer != answer || text.api_type != api_type) {
            continue;
        }
        bool rest = api_type == ApiType::Rest;
        response.status = text.status;
        response.headers.emplace_back(rest ? "Content-Type" : "content-type", text.content_type);
        if (!text.error_type.empty()) {
            response.headers.emplace_back("x-amzn-ErrorType", text.error_type);
        }
        response.body = text.body;
        break;
    }
    return response;
}

std::string first_accept_type(std::string_view accept) {
    std::string_view first = accept.substr(0, accept.find(','));
    first = first.substr(0, first.find(';'));
    while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) {
        first.remove_prefix(1);
    }
    while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) {
        first.remove_suffix(1);
    }
    std::string out(first);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

std::variant<HttpResponse, MalformedResponse>
read_function_response(ApiType api_type, PayloadFormat format, std::string_view payload,
                       const std::vector<std::string>& binary_media_types,
                       std::string_view accept) {
    ordered_json result = parse_json_bounded<ordered_json>(payload);
    if (result.is_discarded()) {
        return malformed("the result is not JSON");
    }
    if (api_type == ApiType::Http && format == PayloadFormat::V2) {
        return read_v2(payload, result);
    }
    return read_v1(api_type, result, binary_media_types, accept);
}

HttpResponse response_from_function(ApiType api_type, PayloadFormat format,
                                    std::string_view payload,
                                    const std::vector<std::string>& binary_media_types,
                                    std::string_view accept) {
    auto read = read_function_response(api_type, format, payload, binary_media_types, accept);
    if (auto* response = std::get_if<HttpResponse>(&read)) {
        return std::move(*response);
    }
    return gateway_answer(api_type, GatewayAnswer::FunctionFailed);
}

} // namespace lambda_local::runtime::gateway
