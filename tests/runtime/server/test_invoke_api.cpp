// Tests of the Lambda Invoke API: the path, reading a request (names, ARNs, qualifiers, headers,
// payloads, limits), the service errors with their exact headers and bodies, and the answers.
#include "runtime/server/invoke_api.hpp"

#include "runtime/util/encoding.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

using lambda_local::base64_decode;
using lambda_local::base64_encode;
using lambda_local::runtime::InvocationResult;
using lambda_local::runtime::InvocationStatus;
using lambda_local::runtime::tail_of_log;
using lambda_local::runtime::gateway::HeaderList;
using lambda_local::runtime::gateway::HttpRequest;
using lambda_local::runtime::gateway::HttpResponse;
using namespace lambda_local::runtime::server;
using lambda_local::k_max_async_payload;
using lambda_local::k_max_request_payload;

namespace {

const std::string k_request_id = "8f4c7c52-0d7e-4b7a-9a43-5e3d1f0a2b61";
const std::string k_region = "us-east-1";

const std::string k_name_pattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?)"
    R"((\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";

// `text` as a JSON string.
std::string json_text(const std::string& text) {
    return nlohmann::json(text).dump();
}

// A POST to the Invoke API for `encoded_name` (as it goes in the path).
HttpRequest invoke(const std::string& encoded_name, const std::string& body = "{}",
                   HeaderList headers = {}, const std::string& query = "") {
    HttpRequest request;
    request.method = "POST";
    request.path = "/2015-03-31/functions/" + encoded_name + "/invocations";
    request.raw_query = query;
    request.headers = std::move(headers);
    request.body = body;
    return request;
}

std::variant<InvokeApiRequest, HttpResponse> parse(const HttpRequest& request) {
    return parse_invoke_request(request, k_region, k_request_id);
}

// The request read, for a case that must be accepted.
InvokeApiRequest accepted(const HttpRequest& request) {
    auto result = parse(request);
    if (auto* error = std::get_if<HttpResponse>(&result)) {
        FAIL("refused with " << error->status << ": " << error->body);
    }
    return std::get<InvokeApiRequest>(result);
}

// The error answered, for a case that must be refused.
HttpResponse refused(const HttpRequest& request) {
    auto result = parse(request);
    REQUIRE(std::holds_alternative<HttpResponse>(result));
    return std::get<HttpResponse>(result);
}

HeaderList error_headers(const std::string& type) {
    return {{"Content-Type", "application/json"},
            {"x-amzn-ErrorType", type},
            {"x-amzn-RequestId", k_request_id}};
}

void check_error(const HttpResponse& response, int status, const std::string& type,
                 const std::string& body) {
    CHECK(response.status == status);
    CHECK(response.headers == error_headers(type));
    CHECK(response.body == body);
}

InvocationResult result_with(InvocationStatus status, const std::string& payload) {
    InvocationResult result;
    result.status = status;
    result.payload = payload;
    return result;
}

} // namespace

TEST_SUITE_BEGIN("runtime::server::invoke_api");

TEST_CASE("the Invoke API path has one function name segment, percent-encoded or not") {
    CHECK(is_invoke_api_path("/2015-03-31/functions/my-function/invocations"));
    CHECK(is_invoke_api_path("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012"
                             "%3Afunction%3Amy-function/invocations"));
    CHECK(is_invoke_api_path("/2015-03-31/functions/my-function:%24LATEST/invocations"));
    CHECK(is_invoke_api_path("/2015-03-31/functions/a%2Fb/invocations"));
    CHECK_FALSE(is_invoke_api_path("/2015-03-31/functions//invocations"));
    CHECK_FALSE(is_invoke_api_path("/2015-03-31/functions/invocations"));
    CHECK_FALSE(is_invoke_api_path("/2015-03-31/functions/a/b/invocations"));
    CHECK_FALSE(is_invoke_api_path("/2015-03-31/functions/my-function/invocations/"));
    CHECK_FALSE(is_invoke_api_path("/2015-03-31/functions/my-function"));
    CHECK_FALSE(is_invoke_api_path("/prod/2015-03-31/functions/my-function/invocations"));
    CHECK_FALSE(is_invoke_api_path("/2014-11-13/functions/my-function/invoke-async/"));
    CHECK_FALSE(is_invoke_api_path("/"));
}

TEST_CASE("InvokeWithResponseStream is read as Invoke is, without the Event type") {
    CHECK(is_invoke_with_response_stream_path(
        "/2021-11-15/functions/my-function/response-streaming-invocations"));
    CHECK_FALSE(
        is_invoke_with_response_stream_path("/2021-11-15/functions/my-function/invocations"));
    CHECK_FALSE(is_invoke_with_response_stream_path(
        "/2021-11-15/functions/a/b/response-streaming-invocations"));
    CHECK_FALSE(is_invoke_api_path("/2021-11-15/functions/f/response-streaming-invocations"));

    HttpRequest request =
        invoke("f", R"({"a":1})", {{"X-Amz-Log-Type", "Tail"}}, "Qualifier=$LATEST");
    request.path = "/2021-11-15/functions/f/response-streaming-invocations";
    InvokeApiRequest read = accepted(request);
    CHECK(read.function_name == "f");
    CHECK(read.qualifier == "$LATEST");
    CHECK(read.log_tail);
    CHECK(read.payload == R"({"a":1})");
    CHECK(read.invocation_type == InvocationType::RequestResponse);

    request.headers = {{"X-Amz-Invocation-Type", "DryRun"}};
    CHECK(accepted(request).invocation_type == InvocationType::DryRun);
    request.headers = {{"X-Amz-Invocation-Type", "Event"}};
    check_error(refused(request), 400, "ValidationException",
                R"({"message":"1 validation error detected: Value 'Event' at 'invocationType' )"
                R"(failed to satisfy constraint: Member must satisfy enum value set: )"
                R"([RequestResponse, DryRun]"})");
    request.headers = {};
    request.body = std::string(k_max_request_payload + 1, ' ');
    check_error(refused(request), 413, "RequestEntityTooLargeException",
                R"({"Message":"Request must be smaller than 6291456 bytes for the )"
                R"(InvokeWithResponseStream operation"})");
}

TEST_CASE("a request to another path is not found") {
    HttpRequest other = invoke("f");
    other.path = "/2015-03-31/functions/f";
    check_error(refused(other), 404, "ResourceNotFoundException",
                R"({"Type":"User","Message":"The resource you requested does not exist."})");
}

TEST_CASE("a plain request is a synchronous invocation of the named function") {
    InvokeApiRequest request = accepted(invoke("my-function", R"({"key":"value"})"));
    CHECK(request.function_name == "my-function");
    CHECK(request.qualifier.empty());
    CHECK(request.invocation_type == InvocationType::RequestResponse);
    CHECK_FALSE(request.log_tail);
    CHECK(request.client_context.empty());
    CHECK(request.payload == R"({"key":"value"})");
}

TEST_CASE("the function may be named by ARN, partial ARN or account and name") {
    SUBCASE("a full ARN, percent-encoded as the SDKs send it") {
        InvokeApiRequest request = accepted(
            invoke("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-function"));
        CHECK(request.function_name == "my-function");
        CHECK(request.qualifier.empty());
    }
    SUBCASE("a full ARN with a qualifier") {
        InvokeApiRequest request = accepted(
            invoke("arn:aws:lambda:us-east-1:123456789012:function:my-function:%24LATEST"));
        CHECK(request.function_name == "my-function");
        CHECK(request.qualifier == "$LATEST");
    }
    SUBCASE("a partial ARN") {
        CHECK(accepted(invoke("123456789012%3Afunction%3Amy_function.v2")).function_name ==
              "my_function.v2");
    }
    SUBCASE("an account and a name") {
        CHECK(accepted(invoke("123456789012:my-function")).function_name == "my-function");
    }
    SUBCASE("a name and a qualifier") {
        InvokeApiRequest request = accepted(invoke("my-function:$LATEST"));
        CHECK(request.function_name == "my-function");
        CHECK(request.qualifier == "$LATEST");
    }
}

TEST_CASE("the qualifier may come from the query") {
    InvokeApiRequest request = accepted(invoke("my-function", "{}", {}, "Qualifier=%24LATEST"));
    CHECK(request.qualifier == "$LATEST");
    CHECK(accepted(invoke("my-function:$LATEST", "{}", {}, "Qualifier=$LATEST")).qualifier ==
          "$LATEST");
    CHECK(accepted(invoke("my-function", "{}", {}, "Other=1")).qualifier.empty());
}

TEST_CASE("the invocation type and log type come from headers of any case") {
    CHECK(accepted(invoke("f", "{}", {{"X-Amz-Invocation-Type", "RequestResponse"}}))
              .invocation_type == InvocationType::RequestResponse);
    CHECK(accepted(invoke("f", "{}", {{"x-amz-invocation-type", "Event"}})).invocation_type ==
          InvocationType::Event);
    CHECK(accepted(invoke("f", "{}", {{"X-Amz-Invocation-Type", "DryRun"}})).invocation_type ==
          InvocationType::DryRun);
    CHECK(accepted(invoke("f", "{}", {{"x-amz-log-type", "Tail"}})).log_tail);
    CHECK_FALSE(accepted(invoke("f", "{}", {{"X-Amz-Log-Type", "None"}})).log_tail);
}

TEST_CASE("an empty or blank body is the event {}, and any JSON value is a payload") {
    CHECK(accepted(invoke("f", "")).payload == "{}");
    CHECK(accepted(invoke("f", " \r\n\t")).payload == "{}");
    CHECK(accepted(invoke("f", "42")).payload == "42");
    CHECK(accepted(invoke("f", R"("hello")")).payload == R"("hello")");
    CHECK(accepted(invoke("f", "null")).payload == "null");
    CHECK(accepted(invoke("f", " [1, {\"a\": \"é\"}] \n")).payload == " [1, {\"a\": \"é\"}] \n");
}

TEST_CASE("a payload that is not JSON is InvalidRequestContentException") {
    check_error(refused(invoke("f", "nope")), 400, "InvalidRequestContentException",
                R"({"Type":"User","message":"Could not parse request body into json: Could not )"
                R"(parse payload into json: parse error at line 1, column 2: syntax error while )"
                R"(parsing value - invalid literal; last read: 'no'"})");
    check_error(refused(invoke("f", R"({"a":)")), 400, "InvalidRequestContentException",
                R"({"Type":"User","message":"Could not parse request body into json: Could not )"
                R"(parse payload into json: parse error at line 1, column 6: syntax error while )"
                R"(parsing value - unexpected end of input; expected '[', '{', or a literal"})");
    // Two values, and a string that is not UTF-8: refused, and the message stays valid JSON.
    CHECK(refused(invoke("f", "1 2")).status == 400);
    HttpResponse not_utf8 = refused(invoke("f", "\"\xff\""));
    CHECK(not_utf8.status == 400);
    CHECK(not_utf8.body.find("ill-formed UTF-8 byte") != std::string::npos);
    CHECK(not_utf8.body.find('\xff') == std::string::npos);
}

TEST_CASE("a long unreadable payload is quoted only in part") {
    HttpResponse response = refused(invoke("f", "\"" + std::string(100000, 'a')));
    CHECK(response.status == 400);
    CHECK(response.body.size() < 400);
    CHECK(response.body.find("...\"}") != std::string::npos);
}

TEST_CASE("a malformed function name is a ValidationException quoting Lambda's pattern") {
    check_error(refused(invoke("my%20function")), 400, "ValidationException",
                R"({"message":)" +
                    json_text("1 validation error detected: Value 'my function' at "
                              "'functionName' failed to satisfy constraint: Member must satisfy "
                              "regular expression pattern: " +
                              k_name_pattern) +
                    "}");
    CHECK(refused(invoke("arn:aws:s3:::bucket")).status == 400);
    CHECK(refused(invoke("my-function:bad%20qualifier")).status == 400);

    const std::string long_name(257, 'a');
    check_error(refused(invoke(long_name)), 400, "ValidationException",
                R"({"message":"1 validation error detected: Value ')" + long_name +
                    R"(' at 'functionName' failed to satisfy constraint: Member must have )"
                    R"(length less than or equal to 256"})");
}

TEST_CASE("an unknown invocation or log type is a ValidationException, all problems together") {
    check_error(refused(invoke("f", "{}", {{"X-Amz-Invocation-Type", "Async"}})), 400,
                "ValidationException",
                R"({"message":"1 validation error detected: Value 'Async' at 'invocationType' )"
                R"(failed to satisfy constraint: Member must satisfy enum value set: [Event, )"
                R"(RequestResponse, DryRun]"})");
    check_error(refused(invoke("f", "{}", {{"X-Amz-Log-Type", "tail"}})), 400,
                "ValidationException",
                R"({"message":"1 validation error detected: Value 'tail' at 'logType' failed to )"
                R"(satisfy constraint: Member must satisfy enum value set: [None, Tail]"})");
    check_error(
        refused(invoke("f", "{}", {{"X-Amz-Invocation-Type", "event"}, {"X-Amz-Log-Type", "All"}},
                       "Qualifier=a%20b")),
        400, "ValidationException",
        R"({"message":"3 validation errors detected: Value 'a b' at 'qualifier' failed )"
        R"(to satisfy constraint: Member must satisfy regular expression pattern: )"
        R"(\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+; Value 'event' at )"
        R"('invocationType' failed to satisfy constraint: Member must satisfy enum value )"
        R"(set: [Event, RequestResponse, DryRun]; Value 'All' at 'logType' failed to )"
        R"(satisfy constraint: Member must satisfy enum value set: [None, Tail]"})");
}

TEST_CASE("a qualifier in the name must agree with the one in the query") {
    check_error(refused(invoke("f:$LATEST", "{}", {}, "Qualifier=prod")), 400,
                "InvalidParameterValueException",
                R"({"Type":"User","message":"The derived qualifier from the function name does )"
                R"(not match the specified qualifier."})");
}

TEST_CASE("a version or alias other than $LATEST is not found, as in Lambda") {
    check_error(refused(invoke("my-function", "{}", {}, "Qualifier=prod")), 404,
                "ResourceNotFoundException",
                R"({"Type":"User","Message":"Function not found: )"
                R"(arn:aws:lambda:us-east-1:123456789012:function:my-function:prod"})");
    check_error(refused(invoke("my-function:1")), 404, "ResourceNotFoundException",
                R"({"Type":"User","Message":"Function not found: )"
                R"(arn:aws:lambda:us-east-1:123456789012:function:my-function:1"})");
    CHECK(refused(invoke("my-function:$LATEST.PUBLISHED")).status == 404);
}

TEST_CASE("an ARN of another region or account is not found") {
    check_error(refused(invoke("arn:aws:lambda:eu-west-1:123456789012:function:my-function")), 404,
                "ResourceNotFoundException",
                R"({"Type":"User","Message":"Functions from 'eu-west-1' are not reachable in )"
                R"~(this region ('us-east-1')"})~");
    check_error(refused(invoke("arn:aws:lambda:us-east-1:999999999999:function:my-function")), 404,
                "ResourceNotFoundException",
                R"({"Type":"User","Message":"Function not found: )"
                R"(arn:aws:lambda:us-east-1:999999999999:function:my-function"})");
}

TEST_CASE("the client context is base64 of a JSON object, at most 3583 bytes") {
    const std::string context = R"({"custom":{"tenant":"a"},"env":{"locale":"en"}})";
    CHECK(accepted(invoke("f", "{}", {{"X-Amz-Client-Context", base64_encode(context)}}))
              .client_context == context);
    CHECK(accepted(invoke("f", "{}", {{"X-Amz-Client-Context", ""}})).client_context.empty());

    const std::string bad =
        R"({"Type":"User","message":"Client context must be a valid Base64-encoded JSON object."})";
    check_error(refused(invoke("f", "{}", {{"X-Amz-Client-Context", "string"}})), 400,
                "InvalidRequestContentException", bad);
    check_error(refused(invoke("f", "{}", {{"X-Amz-Client-Context", "%%%"}})), 400,
                "InvalidRequestContentException", bad);
    check_error(refused(invoke("f", "{}", {{"X-Amz-Client-Context", base64_encode("[1,2]")}})), 400,
                "InvalidRequestContentException", bad);

    std::string big = R"({"custom":{"pad":")" + std::string(2700, 'x') + R"("}})";
    REQUIRE(base64_encode(big).size() > 3583);
    check_error(refused(invoke("f", "{}", {{"X-Amz-Client-Context", base64_encode(big)}})), 400,
                "InvalidRequestContentException",
                R"({"Type":"User","message":"Client context must be at most 3583 bytes of )"
                R"(base64-encoded data."})");
    std::string fits = R"({"custom":{"pad":")" + std::string(2660, 'x') + R"("}})";
    REQUIRE(base64_encode(fits).size() <= 3583);
    CHECK(accepted(invoke("f", "{}", {{"X-Amz-Client-Context", base64_encode(fits)}}))
              .client_context == fits);
}

TEST_CASE("a request over 6291456 bytes is refused at the door") {
    // A JSON string of exactly the limit is taken.
    const std::string at_limit = "\"" + std::string(k_max_request_payload - 2, 'a') + "\"";
    REQUIRE(at_limit.size() == 6291456);
    CHECK(accepted(invoke("f", at_limit)).payload.size() == 6291456);
    const std::string over = "\"" + std::string(k_max_request_payload - 1, 'a') + "\"";
    check_error(refused(invoke("f", over)), 413, "RequestEntityTooLargeException",
                R"({"Message":"Request must be smaller than 6291456 bytes for the )"
                R"(InvokeFunction operation"})");
    // Before anything else: even with a malformed name.
    CHECK(refused(invoke("bad%20name", over)).status == 413);
}

TEST_CASE("an Event payload over 1048576 bytes is too large, a synchronous one is not") {
    const std::string at_limit = "\"" + std::string(k_max_async_payload - 2, 'a') + "\"";
    const std::string over = "\"" + std::string(k_max_async_payload - 1, 'a') + "\"";
    const HeaderList event = {{"X-Amz-Invocation-Type", "Event"}};
    CHECK(accepted(invoke("f", at_limit, event)).payload.size() == 1048576);
    check_error(refused(invoke("f", over, event)), 413, "RequestEntityTooLargeException",
                R"({"Type":"User","message":"1048577 byte payload is too large for the Event )"
                R"~(invocation type (limit 1048576 bytes)"})~");
    CHECK(accepted(invoke("f", over)).payload.size() == 1048577);
    CHECK(accepted(invoke("f", over, {{"X-Amz-Invocation-Type", "DryRun"}})).payload.size() ==
          1048577);
}

TEST_CASE("function_not_found names the function's ARN in the region") {
    HttpResponse response = function_not_found("nope", "us-east-1", k_request_id);
    check_error(response, 404, "ResourceNotFoundException",
                R"({"Type":"User","Message":"Function not found: )"
                R"(arn:aws:lambda:us-east-1:123456789012:function:nope"})");
    CHECK(function_not_found("nope", "eu-central-1", k_request_id, "$LATEST").body ==
          R"({"Type":"User","Message":"Function not found: )"
          R"(arn:aws:lambda:eu-central-1:123456789012:function:nope:$LATEST"})");
}

TEST_CASE("too_many_requests is AWS's throttled answer with its Reason") {
    check_error(too_many_requests(k_request_id), 429, "TooManyRequestsException",
                R"({"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User",)"
                R"("message":"Rate Exceeded."})");
    check_error(too_many_requests(k_request_id, ThrottleReason::ConcurrentInvocationLimitExceeded),
                429, "TooManyRequestsException",
                R"({"Reason":"ConcurrentInvocationLimitExceeded","Type":"User",)"
                R"("message":"Rate Exceeded."})");
}

TEST_CASE("each service error has its status, type header and body members") {
    struct Case {
        ServiceError error;
        int status;
        std::string type;
        std::string body;
    };
    const std::vector<Case> cases = {
        {ServiceError::ValidationException, 400, "ValidationException", R"({"message":"m"})"},
        {ServiceError::InvalidParameterValueException, 400, "InvalidParameterValueException",
         R"({"Type":"User","message":"m"})"},
        {ServiceError::InvalidRequestContentException, 400, "InvalidRequestContentException",
         R"({"Type":"User","message":"m"})"},
        {ServiceError::ResourceNotFoundException, 404, "ResourceNotFoundException",
         R"({"Type":"User","Message":"m"})"},
        {ServiceError::RequestTooLarge, 413, "RequestEntityTooLargeException",
         R"({"Message":"m"})"},
        {ServiceError::EventPayloadTooLarge, 413, "RequestEntityTooLargeException",
         R"({"Type":"User","message":"m"})"},
        {ServiceError::UnsupportedMediaTypeException, 415, "UnsupportedMediaTypeException",
         R"({"Type":"User","message":"m"})"},
        {ServiceError::TooManyRequestsException, 429, "TooManyRequestsException",
         R"({"Type":"User","message":"m"})"},
        {ServiceError::ServiceException, 500, "ServiceException",
         R"({"Type":"Service","Message":"m"})"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.type);
        check_error(service_error(c.error, "m", k_request_id), c.status, c.type, c.body);
    }
    // A message is JSON-escaped, never spliced in.
    CHECK(service_error(ServiceError::ServiceException, "a \"quoted\"\nline", k_request_id).body ==
          R"({"Type":"Service","Message":"a \"quoted\"\nline"})");
}

TEST_CASE("a synchronous invocation answers 200 with the payload and Lambda's headers") {
    InvokeApiRequest request = accepted(invoke("f"));
    HttpResponse response = invoke_response(
        request, result_with(InvocationStatus::Success, R"({"ok":true})"), k_request_id, "log");
    CHECK(response.status == 200);
    CHECK(response.headers == HeaderList{{"Content-Type", "application/json"},
                                         {"x-amzn-RequestId", k_request_id},
                                         {"X-Amz-Executed-Version", "$LATEST"}});
    CHECK(response.body == R"({"ok":true})");
}

TEST_CASE("a failed invocation answers 200 with X-Amz-Function-Error: Unhandled") {
    InvokeApiRequest request = accepted(invoke("f"));
    const std::string error_json =
        R"({"errorMessage":"boom","errorType":"MyError","stackTrace":[]})";
    for (InvocationStatus status :
         {InvocationStatus::FunctionError, InvocationStatus::InitError, InvocationStatus::Timeout,
          InvocationStatus::Crashed, InvocationStatus::OutOfMemory}) {
        CAPTURE(static_cast<int>(status));
        HttpResponse response =
            invoke_response(request, result_with(status, error_json), k_request_id, "");
        CHECK(response.status == 200);
        CHECK(response.headers == HeaderList{{"Content-Type", "application/json"},
                                             {"x-amzn-RequestId", k_request_id},
                                             {"X-Amz-Function-Error", "Unhandled"},
                                             {"X-Amz-Executed-Version", "$LATEST"}});
        CHECK(response.body == error_json);
    }
}

TEST_CASE("with Tail the answer carries the end of the log in base64") {
    InvokeApiRequest request = accepted(invoke("f", "{}", {{"X-Amz-Log-Type", "Tail"}}));
    const std::string log = "START RequestId: 1 Version: $LATEST\nhello\nEND RequestId: 1\n";
    HttpResponse response =
        invoke_response(request, result_with(InvocationStatus::Success, "1"), k_request_id, log);
    REQUIRE(response.headers.size() == 4);
    CHECK(response.headers[3].first == "X-Amz-Log-Result");
    CHECK(base64_decode(response.headers[3].second) == log);

    std::string long_log;
    for (int i = 0; i < 200; ++i) {
        long_log += "line " + std::to_string(i) + " of the function's output\n";
    }
    HttpResponse tailed = invoke_response(request, result_with(InvocationStatus::Success, "1"),
                                          k_request_id, long_log);
    CHECK(base64_decode(tailed.headers[3].second) == tail_of_log(long_log));
}

TEST_CASE("Event answers 202 and DryRun 204, both empty") {
    const InvocationResult ignored = result_with(InvocationStatus::FunctionError, "{\"x\":1}");
    HttpResponse event = invoke_response(
        accepted(
            invoke("f", "{}", {{"X-Amz-Invocation-Type", "Event"}, {"X-Amz-Log-Type", "Tail"}})),
        ignored, k_request_id, "log");
    CHECK(event.status == 202);
    CHECK(event.headers == HeaderList{{"x-amzn-RequestId", k_request_id}});
    CHECK(event.body.empty());
    HttpResponse dry_run =
        invoke_response(accepted(invoke("f", "{}", {{"X-Amz-Invocation-Type", "DryRun"}})), ignored,
                        k_request_id, "log");
    CHECK(dry_run.status == 204);
    CHECK(dry_run.headers == HeaderList{{"x-amzn-RequestId", k_request_id}});
    CHECK(dry_run.body.empty());
}

TEST_SUITE_END();
