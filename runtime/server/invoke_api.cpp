// The Lambda Invoke API: reading an Invoke request, Lambda's service errors, and its answers.
#include "runtime/server/invoke_api.hpp"

#include "runtime/function/function_spec.hpp"
#include "runtime/invoke/event_file.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/json_depth.hpp"
#include "runtime/util/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <regex>
#include <vector>

namespace lambda_local::runtime::server {
namespace {

using gateway::HttpRequest;
using gateway::HttpResponse;
using nlohmann::ordered_json;

// The two operations that invoke a function, as their paths and their names.
struct Operation {
    std::string_view prefix;
    std::string_view suffix;
    std::string_view name;             // as the front door's size error names it
    std::string_view invocation_types; // the enum the type is checked against
};
constexpr Operation k_invoke = {"/2015-03-31/functions/", "/invocations", "InvokeFunction",
                                "[Event, RequestResponse, DryRun]"};
// InvokeWithResponseStream (ResponseStreamingInvocationType has no Event).
constexpr Operation k_invoke_stream = {"/2021-11-15/functions/", "/response-streaming-invocations",
                                       "InvokeWithResponseStream", "[RequestResponse, DryRun]"};
constexpr std::string_view k_latest = "$LATEST";

// One service error as it goes on the wire. Every literal of the errors lives here.
struct ServiceErrorShape {
    ServiceError error;
    int status;
    std::string_view error_type;  // the x-amzn-ErrorType header
    std::string_view message_key; // "Message" or "message", as the error's model spells it
    std::string_view type;        // the body's "Type": "User", "Service", or "" for none
};

// Lambda's Invoke errors. Status codes and member names are those of Lambda's API model
// (botocore lambda/2015-03-31/service-2.json); the bodies are as captured from AWS where noted.
constexpr std::array<ServiceErrorShape, 9> k_service_errors = {{
    // Coral's own validation error, not in Lambda's model: {"message": ...}, no Type
    // [UNCONFIRMED body shape].
    {ServiceError::ValidationException, 400, "ValidationException", "message", ""},
    {ServiceError::InvalidParameterValueException, 400, "InvalidParameterValueException", "message",
     "User"},
    {ServiceError::InvalidRequestContentException, 400, "InvalidRequestContentException", "message",
     "User"},
    // Captured: {"Message":"Function not found: arn:...","Type":"User"}.
    {ServiceError::ResourceNotFoundException, 404, "ResourceNotFoundException", "Message", "User"},
    // Captured from the front door: {"Message":"Request must be smaller than 6291456 bytes for
    // the InvokeFunction operation"}, with no Type.
    {ServiceError::RequestTooLarge, 413, "RequestEntityTooLargeException", "Message", ""},
    // The message is captured; the body's members follow RequestTooLargeException's model
    // [UNCONFIRMED].
    {ServiceError::EventPayloadTooLarge, 413, "RequestEntityTooLargeException", "message", "User"},
    {ServiceError::UnsupportedMediaTypeException, 415, "UnsupportedMediaTypeException", "message",
     "User"},
    // Captured: {"Reason":"...","Type":"User","message":"Rate Exceeded."}.
    {ServiceError::TooManyRequestsException, 429, "TooManyRequestsException", "message", "User"},
    {ServiceError::ServiceException, 500, "ServiceException", "Message", "Service"},
}};

// The messages and patterns Lambda words its Invoke errors with.
constexpr std::string_view k_function_name_pattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?)"
    R"((\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";
constexpr std::size_t k_max_function_name_length = 256;
constexpr std::string_view k_qualifier_pattern = R"(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)";
constexpr std::size_t k_max_qualifier_length = 128;
constexpr std::string_view k_log_types = "[None, Tail]";
constexpr std::string_view k_qualifier_mismatch =
    "The derived qualifier from the function name does not match the specified qualifier.";
constexpr std::string_view k_bad_client_context =
    "Client context must be a valid Base64-encoded JSON object.";
// [UNCONFIRMED] AWS's words for a client context over the limit.
constexpr std::string_view k_long_client_context =
    "Client context must be at most 3583 bytes of base64-encoded data.";
constexpr std::string_view k_bad_payload =
    "Could not parse request body into json: Could not parse payload into json: ";
constexpr std::string_view k_throttled = "Rate Exceeded.";
// How much of the JSON parser's explanation a payload error quotes.
constexpr std::size_t k_max_error_detail = 200;

// The first value of header `name` (case-insensitive), or nothing.
std::optional<std::string_view> header(const HttpRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (iequals(key, name)) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

// The decoded value of query parameter `name` (case-sensitive), or nothing.
std::optional<std::string> query_parameter(std::string_view raw_query, std::string_view name) {
    std::size_t start = 0;
    while (start <= raw_query.size()) {
        std::size_t end = std::min(raw_query.find('&', start), raw_query.size());
        std::string_view pair = raw_query.substr(start, end - start);
        std::size_t equals = pair.find('=');
        if (percent_decode(pair.substr(0, equals), true) == name) {
            return equals == std::string_view::npos ? std::string()
                                                    : percent_decode(pair.substr(equals + 1), true);
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::string function_arn(std::string_view region, std::string_view account, std::string_view name,
                         std::string_view qualifier) {
    std::string arn = "arn:aws:lambda:" + std::string(region) + ":" + std::string(account) +
                      ":function:" + std::string(name);
    if (!qualifier.empty()) {
        arn += ":" + std::string(qualifier);
    }
    return arn;
}

HttpResponse error_response(ServiceError error, std::string_view message,
                            std::string_view request_id, std::string_view reason) {
    const ServiceErrorShape* shape = &k_service_errors.back();
    for (const ServiceErrorShape& row : k_service_errors) {
        if (row.error == error) {
            shape = &row;
        }
    }
    ordered_json body = ordered_json::object();
    if (!reason.empty()) {
        body["Reason"] = reason;
    }
    if (!shape->type.empty()) {
        body["Type"] = shape->type;
    }
    body[std::string(shape->message_key)] = message;

    HttpResponse response;
    response.status = shape->status;
    response.headers = {{"Content-Type", "application/json"},
                        {"x-amzn-ErrorType", std::string(shape->error_type)},
                        {"x-amzn-RequestId", std::string(request_id)}};
    // A message may quote what the client sent, which need not be UTF-8.
    response.body = body.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    return response;
}

// "Value '<value>' at '<member>' failed to satisfy constraint: <constraint>".
std::string constraint_failure(std::string_view value, std::string_view member,
                               std::string_view constraint) {
    return "Value '" + std::string(value) + "' at '" + std::string(member) +
           "' failed to satisfy constraint: " + std::string(constraint);
}

// A function name split as Lambda's pattern reads it.
struct FunctionName {
    std::string region;  // "" when not given
    std::string account; // "" when not given
    std::string name;
    std::string qualifier; // "" when not given
};

std::optional<FunctionName> split_function_name(const std::string& text) {
    // Lambda's pattern, with the hyphens in brackets escaped for std::regex.
    static const std::regex k_pattern(
        R"((arn:(aws[a-zA-Z\-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d:)?)"
        R"((\d{12}:)?(function:)?([a-zA-Z0-9_.\-]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9_\-]+))?)");
    std::smatch match;
    if (!std::regex_match(text, match, k_pattern)) {
        return std::nullopt;
    }
    auto without_colon = [](const std::ssub_match& part) {
        std::string value = part.str();
        if (!value.empty()) {
            value.pop_back();
        }
        return value;
    };
    return FunctionName{without_colon(match[3]), without_colon(match[8]), match[10].str(),
                        match[12].str()};
}

bool matches_qualifier_pattern(const std::string& text) {
    static const std::regex k_pattern(R"(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9_$\-]+)");
    return std::regex_match(text, k_pattern);
}

// The parser's message for a payload that is not JSON, without its id ("parse error at line 1,
// column 2: ..."); the token it quotes may be long (an unterminated string): keep its start.
std::string payload_error(const JsonSyntaxFailure& failure) {
    const std::string& what = failure.message;
    std::size_t id_end = what.find("] ");
    std::string error = id_end == std::string::npos ? what : what.substr(id_end + 2);
    if (error.size() > k_max_error_detail) {
        error.resize(k_max_error_detail);
        error += "...";
    }
    return error;
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool is_operation_path(std::string_view path, const Operation& operation) {
    const std::string_view prefix = operation.prefix;
    const std::string_view suffix = operation.suffix;
    if (path.size() <= prefix.size() + suffix.size() || path.substr(0, prefix.size()) != prefix ||
        path.substr(path.size() - suffix.size()) != suffix) {
        return false;
    }
    std::string_view name = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    return name.find('/') == std::string_view::npos;
}

} // namespace

bool is_invoke_api_path(std::string_view path) {
    return is_operation_path(path, k_invoke);
}

bool is_invoke_with_response_stream_path(std::string_view path) {
    return is_operation_path(path, k_invoke_stream);
}

std::variant<InvokeApiRequest, HttpResponse> parse_invoke_request(const HttpRequest& request,
                                                                  std::string_view region,
                                                                  std::string_view request_id) {
    auto fail = [request_id](ServiceError error, std::string_view message) {
        return error_response(error, message, request_id, "");
    };

    const bool streaming = is_invoke_with_response_stream_path(request.path);
    if (!streaming && !is_invoke_api_path(request.path)) {
        return fail(ServiceError::ResourceNotFoundException,
                    "The resource you requested does not exist.");
    }
    const Operation& operation = streaming ? k_invoke_stream : k_invoke;
    const std::string_view path_prefix = operation.prefix;
    const std::string_view path_suffix = operation.suffix;
    // The front door refuses a request over the synchronous limit before anything else.
    if (request.body.size() > k_max_request_payload) {
        return request_too_large(request.path, request_id);
    }

    // The members' constraints, every problem in one ValidationException as Coral reports them.
    std::string_view raw_path = request.path;
    std::string name_text = percent_decode(raw_path.substr(
        path_prefix.size(), raw_path.size() - path_prefix.size() - path_suffix.size()));
    std::string query_qualifier = query_parameter(request.raw_query, "Qualifier").value_or("");
    std::string_view type_text = header(request, "X-Amz-Invocation-Type").value_or("");
    std::string_view log_type_text = header(request, "X-Amz-Log-Type").value_or("");

    std::vector<std::string> problems;
    std::optional<FunctionName> name;
    if (name_text.size() > k_max_function_name_length) {
        problems.push_back(constraint_failure(name_text, "functionName",
                                              "Member must have length less than or equal to " +
                                                  std::to_string(k_max_function_name_length)));
    } else if (name = split_function_name(name_text); !name) {
        problems.push_back(constraint_failure(name_text, "functionName",
                                              "Member must satisfy regular expression pattern: " +
                                                  std::string(k_function_name_pattern)));
    }
    if (query_qualifier.size() > k_max_qualifier_length) {
        problems.push_back(constraint_failure(query_qualifier, "qualifier",
                                              "Member must have length less than or equal to " +
                                                  std::to_string(k_max_qualifier_length)));
    } else if (!query_qualifier.empty() && !matches_qualifier_pattern(query_qualifier)) {
        problems.push_back(constraint_failure(query_qualifier, "qualifier",
                                              "Member must satisfy regular expression pattern: " +
                                                  std::string(k_qualifier_pattern)));
    }
    InvokeApiRequest invoke;
    if (type_text.empty() || type_text == "RequestResponse") {
        invoke.invocation_type = InvocationType::RequestResponse;
    } else if (type_text == "Event" && !streaming) {
        invoke.invocation_type = InvocationType::Event;
    } else if (type_text == "DryRun") {
        invoke.invocation_type = InvocationType::DryRun;
    } else {
        problems.push_back(constraint_failure(type_text, "invocationType",
                                              "Member must satisfy enum value set: " +
                                                  std::string(operation.invocation_types)));
    }
    if (log_type_text == "Tail") {
        invoke.log_tail = true;
    } else if (!log_type_text.empty() && log_type_text != "None") {
        problems.push_back(
            constraint_failure(log_type_text, "logType",
                               "Member must satisfy enum value set: " + std::string(k_log_types)));
    }
    if (!problems.empty()) {
        std::string message = std::to_string(problems.size()) +
                              (problems.size() == 1 ? " validation error detected: "
                                                    : " validation errors detected: ");
        for (std::size_t i = 0; i < problems.size(); ++i) {
            message += (i == 0 ? "" : "; ") + problems[i];
        }
        return fail(ServiceError::ValidationException, message);
    }

    // The function and its version.
    if (!name->qualifier.empty() && !query_qualifier.empty() &&
        name->qualifier != query_qualifier) {
        return fail(ServiceError::InvalidParameterValueException, k_qualifier_mismatch);
    }
    invoke.function_name = name->name;
    invoke.qualifier = name->qualifier.empty() ? query_qualifier : name->qualifier;
    if (!name->region.empty() && name->region != region) {
        return fail(ServiceError::ResourceNotFoundException,
                    "Functions from '" + name->region + "' are not reachable in this region ('" +
                        std::string(region) + "')");
    }
    if (!name->account.empty() && name->account != k_account_id) {
        return fail(ServiceError::ResourceNotFoundException,
                    "Function not found: " + function_arn(region, name->account,
                                                          invoke.function_name, invoke.qualifier));
    }
    if (!invoke.qualifier.empty() && invoke.qualifier != k_latest) {
        return function_not_found(invoke.function_name, region, request_id, invoke.qualifier);
    }

    // X-Amz-Client-Context: base64 of a JSON object.
    std::string_view client_context = header(request, "X-Amz-Client-Context").value_or("");
    if (!client_context.empty()) {
        if (client_context.size() > k_max_client_context_bytes) {
            return fail(ServiceError::InvalidRequestContentException, k_long_client_context);
        }
        std::optional<std::string> decoded = base64_decode(client_context);
        ordered_json context =
            decoded ? parse_json_bounded<ordered_json>(*decoded) : ordered_json(nullptr);
        if (!decoded || context.is_discarded() || !context.is_object()) {
            return fail(ServiceError::InvalidRequestContentException, k_bad_client_context);
        }
        invoke.client_context = std::move(*decoded);
    }

    // The payload: an Event's limit, then JSON (an empty body is the event {}).
    if (invoke.invocation_type == InvocationType::Event &&
        request.body.size() > k_max_async_payload) {
        return fail(ServiceError::EventPayloadTooLarge,
                    std::to_string(request.body.size()) +
                        " byte payload is too large for the Event invocation type (limit " +
                        std::to_string(k_max_async_payload) + " bytes)");
    }
    if (is_blank(request.body)) {
        invoke.payload = "{}";
        return invoke;
    }
    if (std::optional<JsonSyntaxFailure> failure = json_syntax_failure(request.body)) {
        return fail(ServiceError::InvalidRequestContentException,
                    std::string(k_bad_payload) + payload_error(*failure));
    }
    invoke.payload = request.body;
    return invoke;
}

HttpResponse service_error(ServiceError error, std::string_view message,
                           std::string_view request_id) {
    return error_response(error, message, request_id, "");
}

HttpResponse request_too_large(std::string_view path, std::string_view request_id) {
    const Operation& operation =
        is_invoke_with_response_stream_path(path) ? k_invoke_stream : k_invoke;
    return service_error(ServiceError::RequestTooLarge,
                         "Request must be smaller than " + std::to_string(k_max_request_payload) +
                             " bytes for the " + std::string(operation.name) + " operation",
                         request_id);
}

HttpResponse function_not_found(std::string_view name, std::string_view region,
                                std::string_view request_id, std::string_view qualifier) {
    return error_response(ServiceError::ResourceNotFoundException,
                          "Function not found: " +
                              function_arn(region, k_account_id, name, qualifier),
                          request_id, "");
}

HttpResponse too_many_requests(std::string_view request_id, ThrottleReason reason) {
    std::string_view reason_text = reason == ThrottleReason::ConcurrentInvocationLimitExceeded
                                       ? "ConcurrentInvocationLimitExceeded"
                                       : "ReservedFunctionConcurrentInvocationLimitExceeded";
    return error_response(ServiceError::TooManyRequestsException, k_throttled, request_id,
                          reason_text);
}

HttpResponse invoke_response(const InvokeApiRequest& request, const InvocationResult& result,
                             std::string_view request_id, std::string_view log_text) {
    HttpResponse response;
    if (request.invocation_type != InvocationType::RequestResponse) {
        response.status = request.invocation_type == InvocationType::Event ? 202 : 204;
        response.headers = {{"x-amzn-RequestId", std::string(request_id)}};
        return response;
    }
    response.status = 200;
    response.headers = {{"Content-Type", "application/json"},
                        {"x-amzn-RequestId", std::string(request_id)}};
    if (!result.ok()) {
        response.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
    }
    response.headers.emplace_back("X-Amz-Executed-Version", std::string(k_latest));
    if (request.log_tail) {
        response.headers.emplace_back("X-Amz-Log-Result", log_result(log_text));
    }
    response.body = result.payload;
    return response;
}

} // namespace lambda_local::runtime::server
