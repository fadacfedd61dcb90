// Tests of CORS as the gateway applies an API's configuration: which requests are preflights,
// the preflight answer header by header, and the headers added to actual responses.
#include "runtime/gateway/cors.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using lambda_local::runtime::config::CorsConfig;
using lambda_local::runtime::gateway::add_cors_headers;
using lambda_local::runtime::gateway::HeaderList;
using lambda_local::runtime::gateway::HttpRequest;
using lambda_local::runtime::gateway::HttpResponse;
using lambda_local::runtime::gateway::is_preflight;
using lambda_local::runtime::gateway::preflight_response;

namespace {

const std::vector<std::string> k_api_methods = {"GET", "post"};

HttpRequest request(const std::string& method, HeaderList headers) {
    HttpRequest r;
    r.method = method;
    r.path = "/items";
    r.headers = std::move(headers);
    return r;
}

HttpRequest preflight(const std::string& origin, const std::string& method = "POST",
                      const std::string& asked_headers = "") {
    HeaderList headers = {{"Origin", origin}, {"Access-Control-Request-Method", method}};
    if (!asked_headers.empty()) {
        headers.emplace_back("Access-Control-Request-Headers", asked_headers);
    }
    return request("OPTIONS", headers);
}

CorsConfig origins(std::vector<std::string> allowed) {
    CorsConfig cors;
    cors.allow_origins = std::move(allowed);
    return cors;
}

// A function's response to an actual request.
HttpResponse function_response(HeaderList headers = {{"content-type", "application/json"}}) {
    HttpResponse response;
    response.status = 200;
    response.headers = std::move(headers);
    response.body = "{}";
    return response;
}

HttpResponse with_cors(const CorsConfig& cors, const HttpRequest& req, HttpResponse response) {
    add_cors_headers(cors, req, response);
    return response;
}

} // namespace

TEST_SUITE_BEGIN("runtime::gateway::cors");

TEST_CASE("a preflight is OPTIONS with an Origin and Access-Control-Request-Method") {
    CHECK(is_preflight(preflight("https://app.example.com")));
    CHECK(is_preflight(request(
        "OPTIONS", {{"origin", "https://a.example"}, {"access-control-request-method", "PUT"}})));
    CHECK_FALSE(is_preflight(request("OPTIONS", {{"Origin", "https://a.example"}})));
    CHECK_FALSE(is_preflight(request("OPTIONS", {{"Access-Control-Request-Method", "PUT"}})));
    CHECK_FALSE(is_preflight(
        request("OPTIONS", {{"Origin", ""}, {"Access-Control-Request-Method", "PUT"}})));
    CHECK_FALSE(is_preflight(request(
        "GET", {{"Origin", "https://a.example"}, {"Access-Control-Request-Method", "PUT"}})));
    CHECK_FALSE(is_preflight(request("OPTIONS", {})));
}

TEST_CASE("the default configuration allows any origin and the API's methods") {
    HttpResponse response = preflight_response(
        CorsConfig{}, preflight("https://app.example.com", "POST", "content-type,x-api-key"),
        k_api_methods);
    CHECK(response.status == 204);
    CHECK(response.body.empty());
    CHECK(response.headers ==
          HeaderList{{"access-control-allow-origin", "*"},
                     {"access-control-allow-methods", "GET,OPTIONS,POST"},
                     {"access-control-allow-headers", "content-type,x-api-key"}});
}

TEST_CASE("a preflight that asks for no headers gets no allow-headers echo") {
    HttpResponse response =
        preflight_response(CorsConfig{}, preflight("https://app.example.com"), {"GET"});
    CHECK(response.headers == HeaderList{{"access-control-allow-origin", "*"},
                                         {"access-control-allow-methods", "GET,OPTIONS"}});
}

TEST_CASE("ANY and a $default route allow every method") {
    const std::string all = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT";
    CHECK(preflight_response(CorsConfig{}, preflight("https://a.example"), {"ANY"}).headers[1] ==
          std::pair<std::string, std::string>{"access-control-allow-methods", all});
    CHECK(preflight_response(CorsConfig{}, preflight("https://a.example"), {""}).headers[1] ==
          std::pair<std::string, std::string>{"access-control-allow-methods", all});
    CHECK(preflight_response(CorsConfig{}, preflight("https://a.example"), {"GET", "ANY", "GET"})
              .headers[1] ==
          std::pair<std::string, std::string>{"access-control-allow-methods", all});
}

TEST_CASE("an allowed origin is named, with vary: Origin") {
    CorsConfig cors = origins({"https://app.example.com", "http://localhost:5173"});
    HttpResponse response =
        preflight_response(cors, preflight("http://localhost:5173", "GET"), k_api_methods);
    CHECK(response.status == 204);
    CHECK(response.headers == HeaderList{{"access-control-allow-origin", "http://localhost:5173"},
                                         {"access-control-allow-methods", "GET,OPTIONS,POST"},
                                         {"vary", "Origin"}});
    // Origins compare without regard to case; the answer names the request's Origin.
    CHECK(
        preflight_response(cors, preflight("HTTPS://APP.example.com"), k_api_methods).headers[0] ==
        std::pair<std::string, std::string>{"access-control-allow-origin",
                                            "HTTPS://APP.example.com"});
}

TEST_CASE("an origin that is not allowed gets the 204 without CORS headers") {
    CorsConfig cors = origins({"https://app.example.com"});
    HttpResponse response = preflight_response(
        cors, preflight("https://evil.example", "POST", "content-type"), k_api_methods);
    CHECK(response.status == 204);
    CHECK(response.headers.empty());
    CHECK(response.body.empty());
    // Nor does an API with no allowed origins answer any.
    CHECK(preflight_response(origins({}), preflight("https://app.example.com"), k_api_methods)
              .headers.empty());
    // A prefix of an allowed origin is another origin.
    CHECK(preflight_response(cors, preflight("https://app.example.com.evil.example"), k_api_methods)
              .headers.empty());
}

TEST_CASE("configured methods, headers, max age and credentials are sent as configured") {
    CorsConfig cors = origins({"https://app.example.com"});
    cors.allow_methods = {"GET", "PUT"};
    cors.allow_headers = {"content-type", "authorization"};
    cors.expose_headers = {"x-request-id"};
    cors.max_age = 600;
    cors.allow_credentials = true;
    HttpResponse response = preflight_response(
        cors, preflight("https://app.example.com", "PUT", "x-other"), k_api_methods);
    CHECK(response.status == 204);
    CHECK(response.headers ==
          HeaderList{{"access-control-allow-origin", "https://app.example.com"},
                     {"access-control-allow-methods", "GET,PUT"},
                     {"access-control-allow-headers", "content-type,authorization"},
                     {"access-control-max-age", "600"},
                     {"access-control-allow-credentials", "true"},
                     {"vary", "Origin"}});
}

TEST_CASE("wildcards stay wildcards, except where credentials need names") {
    CorsConfig open;
    open.allow_methods = {"*"};
    open.allow_headers = {"*"};
    open.max_age = 0;
    CHECK(
        preflight_response(open, preflight("https://a.example", "PATCH", "x-a,x-b"), k_api_methods)
            .headers == HeaderList{{"access-control-allow-origin", "*"},
                                   {"access-control-allow-methods", "*"},
                                   {"access-control-allow-headers", "*"},
                                   {"access-control-max-age", "0"}});

    CorsConfig credentials = open;
    credentials.allow_credentials = true;
    CHECK(preflight_response(credentials, preflight("https://a.example", "PATCH", "x-a,x-b"),
                             k_api_methods)
              .headers == HeaderList{{"access-control-allow-origin", "https://a.example"},
                                     {"access-control-allow-methods", "PATCH"},
                                     {"access-control-allow-headers", "x-a,x-b"},
                                     {"access-control-max-age", "0"},
                                     {"access-control-allow-credentials", "true"},
                                     {"vary", "Origin"}});
}

TEST_CASE("an actual response to an allowed origin gets allow-origin, expose and credentials") {
    CorsConfig cors = origins({"https://app.example.com"});
    cors.expose_headers = {"x-request-id", "etag"};
    cors.allow_credentials = true;
    cors.allow_methods = {"GET"};
    cors.max_age = 300;
    HttpResponse response = with_cors(cors, request("GET", {{"Origin", "https://app.example.com"}}),
                                      function_response());
    CHECK(response.status == 200);
    CHECK(response.body == "{}");
    CHECK(response.headers == HeaderList{{"content-type", "application/json"},
                                         {"access-control-allow-origin", "https://app.example.com"},
                                         {"access-control-expose-headers", "x-request-id,etag"},
                                         {"access-control-allow-credentials", "true"},
                                         {"vary", "Origin"}});
}

TEST_CASE("with the default configuration an actual response allows any origin") {
    HttpResponse response = with_cors(
        CorsConfig{}, request("POST", {{"origin", "https://a.example"}}), function_response());
    CHECK(response.headers ==
          HeaderList{{"content-type", "application/json"}, {"access-control-allow-origin", "*"}});
}

TEST_CASE("a request without an Origin, or from one not allowed, gets no CORS headers") {
    CorsConfig cors = origins({"https://app.example.com"});
    cors.allow_credentials = true;
    const HeaderList plain = {{"content-type", "application/json"}};
    CHECK(with_cors(cors, request("GET", {}), function_response()).headers == plain);
    CHECK(with_cors(CorsConfig{}, request("GET", {}), function_response()).headers == plain);
    CHECK(with_cors(cors, request("GET", {{"Origin", "https://evil.example"}}), function_response())
              .headers == plain);
}

TEST_CASE("the function's own CORS headers are kept") {
    CorsConfig cors = origins({"https://app.example.com"});
    cors.expose_headers = {"x-request-id"};
    cors.allow_credentials = true;
    const HttpRequest from_app = request("GET", {{"Origin", "https://app.example.com"}});

    // A function that answers CORS itself keeps its answer whole.
    const HeaderList own = {{"Access-Control-Allow-Origin", "https://other.example"},
                            {"content-type", "text/plain"}};
    CHECK(with_cors(cors, from_app, function_response(own)).headers == own);

    // Another CORS header it set is not added twice.
    HttpResponse response =
        with_cors(cors, from_app, function_response({{"Access-Control-Expose-Headers", "etag"}}));
    CHECK(response.headers == HeaderList{{"Access-Control-Expose-Headers", "etag"},
                                         {"access-control-allow-origin", "https://app.example.com"},
                                         {"access-control-allow-credentials", "true"},
                                         {"vary", "Origin"}});
}

TEST_CASE("vary: Origin is added unless the response already varies on it") {
    CorsConfig cors = origins({"https://app.example.com"});
    const HttpRequest from_app = request("GET", {{"Origin", "https://app.example.com"}});
    CHECK(with_cors(cors, from_app, function_response({{"Vary", "Accept-Encoding"}})).headers ==
          HeaderList{{"Vary", "Accept-Encoding"},
                     {"access-control-allow-origin", "https://app.example.com"},
                     {"vary", "Origin"}});
    CHECK(with_cors(cors, from_app, function_response({{"Vary", "Accept-Encoding, origin"}}))
              .headers == HeaderList{{"Vary", "Accept-Encoding, origin"},
                                     {"access-control-allow-origin", "https://app.example.com"}});
    CHECK(with_cors(cors, from_app, function_response({{"vary", "*"}})).headers ==
          HeaderList{{"vary", "*"}, {"access-control-allow-origin", "https://app.example.com"}});
}

TEST_SUITE_END();
