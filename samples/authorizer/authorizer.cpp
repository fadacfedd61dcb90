// authorizer.cpp: Lambda authorizers for `lambda-local serve` (docs/serve.md, authorizers).
// The token (a TOKEN authorizer's authorizationToken, else the request's X-Token header, else
// its `token` query parameter) says what to answer:
//   allow        an Allow policy for the request's method ARN, with a context
//   allow-all    an Allow policy for arn:aws:execute-api:*:*:*/*/*/* (wildcards)
//   deny         an explicit Deny (and an Allow: the Deny wins)
//   other        an Allow for another resource only (an implicit deny)
//   unauthorized fails with "Unauthorized" (API Gateway: 401)
//   malformed    a policy statement without a Resource (500)
//   anything else fails with an error (500)
// `policy` answers with IAM policies; `simple` with an HTTP API's simple responses
// ({"isAuthorized": ..., "context": ...}). Each call prints "authorizer called: <token>".
//
//   lambda-local serve --template samples/authorizer/template.yaml
#include "lambda_local.h"

#include <cstdio>
#include <string>
#include <string_view>

namespace {

// The string value after `"key":"` in the event (no escapes: the tests' tokens have none).
std::string json_value(std::string_view event, std::string_view key) {
    std::string needle = "\"" + std::string(key) + "\":\"";
    std::size_t at = event.find(needle);
    if (at == std::string_view::npos) {
        return "";
    }
    at += needle.size();
    std::size_t end = event.find('"', at);
    return end == std::string_view::npos ? "" : std::string(event.substr(at, end - at));
}

std::string token_of(std::string_view event) {
    for (const char* key : {"authorizationToken", "x-token", "X-Token", "token"}) {
        std::string value = json_value(event, key);
        if (!value.empty()) {
            return value;
        }
    }
    return "";
}

std::string_view event_of(const lambda_local_api* api, lambda_local_invocation* inv) {
    size_t len = 0;
    const char* event = api->event(inv, &len);
    return event != nullptr ? std::string_view(event, len) : std::string_view("{}");
}

int respond(const lambda_local_api* api, lambda_local_invocation* inv, const std::string& json) {
    api->respond(inv, json.data(), json.size());
    return 0;
}

std::string statement(const char* effect, const std::string& resource) {
    return std::string("{\"Action\":\"execute-api:Invoke\",\"Effect\":\"") + effect +
           "\",\"Resource\":\"" + resource + "\"}";
}

std::string policy_output(const std::string& statements) {
    return "{\"principalId\":\"alice\",\"policyDocument\":{\"Version\":\"2012-10-17\","
           "\"Statement\":[" +
           statements +
           "]},\"context\":{\"user\":\"alice\",\"level\":7,\"admin\":true},"
           "\"usageIdentifierKey\":\"key-1\"}";
}

// Prints the call and handles the tokens every authorizer shares; true when it answered.
bool common(const lambda_local_api* api, lambda_local_invocation* inv, const std::string& token) {
    std::printf("authorizer called: %s\n", token.c_str());
    std::fflush(stdout);
    if (token == "unauthorized") {
        api->fail(inv, "Error", "Unauthorized");
        return true;
    }
    return false;
}

} // namespace

extern "C" {

LAMBDA_LOCAL_EXPORT_ABI_VERSION

int policy(const lambda_local_api* api, lambda_local_invocation* inv) {
    std::string_view event = event_of(api, inv);
    std::string token = token_of(event);
    if (common(api, inv, token)) {
        return 1;
    }
    std::string arn = json_value(event, "methodArn");
    if (arn.empty()) {
        arn = json_value(event, "routeArn");
    }
    if (token == "allow") {
        return respond(api, inv, policy_output(statement("Allow", arn)));
    }
    if (token == "allow-all") {
        return respond(api, inv,
                       policy_output(statement("Allow", "arn:aws:execute-api:*:*:*/*/*/*")));
    }
    if (token == "deny") {
        return respond(api, inv,
                       policy_output(statement("Allow", arn) + "," + statement("Deny", arn)));
    }
    if (token == "other") {
        return respond(
            api, inv,
            policy_output(statement("Allow", "arn:aws:execute-api:*:*:*/*/DELETE/other")));
    }
    if (token == "malformed") {
        return respond(api, inv,
                       "{\"principalId\":\"alice\",\"policyDocument\":{\"Statement\":[{"
                       "\"Action\":\"execute-api:Invoke\",\"Effect\":\"Allow\"}]}}");
    }
    api->fail(inv, "Error", "unexpected token");
    return 1;
}

int simple(const lambda_local_api* api, lambda_local_invocation* inv) {
    std::string token = token_of(event_of(api, inv));
    if (common(api, inv, token)) {
        return 1;
    }
    if (token == "allow") {
        return respond(api, inv,
                       "{\"isAuthorized\":true,\"context\":{\"user\":\"alice\",\"level\":7}}");
    }
    if (token == "deny") {
        return respond(api, inv, "{\"isAuthorized\":false}");
    }
    if (token == "malformed") {
        return respond(api, inv, "{\"isAuthorized\":\"yes\"}");
    }
    api->fail(inv, "Error", "unexpected token");
    return 1;
}

} // extern "C"
