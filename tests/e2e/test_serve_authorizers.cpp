// End-to-end tests of API Gateway Lambda authorizers in `lambda-local serve`, with curl and
// Python requests (docs/serve.md, authorizers): allow, deny, 401 without a call, 500, the
// result cache, simple and policy responses, and the context the integration sees.
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"
#include "tests/runtime/auth/issuer_server.hpp"
#include "tests/runtime/auth/token_fixture.hpp"

#include <doctest/doctest.h>

#include <strings.h>

#include <filesystem>

namespace lambda_local::e2e {

using nlohmann::json;
namespace auth = lambda_local::tests::auth;
namespace http = runtime::http;
using runtime::http::Response;

namespace {

constexpr const char* k_called = "authorizer called: ";

// A REST API (stage Prod, CORS) with a TOKEN authorizer by default (cached 300 s, tokens of
// lowercase letters and '-'), a REQUEST authorizer on /request (X-Token and ?tenant, not
// cached), an open route, and an AWS_IAM one; an HTTP API with a simple-response authorizer
// (cached 300 s) on /simple and a policy one on /policy. Echo answers with its event.
std::string write_template(const TempDir& dir) {
    return dir.write("template.yaml", "Transform: AWS::Serverless-2016-10-31\n"
                                      "Globals:\n"
                                      "  Function: {CodeUri: " +
                                          samples_dir() + R"(, Runtime: provided.al2023}
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Cors: "'*'"
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt PolicyAuthorizer.Arn
            Identity: {Header: Authorization, ValidationExpression: '^[a-z-]+$'}
          RequestAuth:
            FunctionArn: !GetAtt PolicyAuthorizer.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [X-Token], QueryStrings: [tenant], ReauthorizeEvery: 0}
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: ['*']}
      Auth:
        Authorizers:
          Simple:
            FunctionArn: !GetAtt SimpleAuthorizer.Arn
            AuthorizerPayloadFormatVersion: '2.0'
            EnableSimpleResponses: true
            Identity: {Headers: [X-Token], ReauthorizeEvery: 300}
          Policy:
            FunctionArn: !GetAtt PolicyAuthorizer.Arn
            AuthorizerPayloadFormatVersion: '2.0'
            Identity: {Headers: [X-Token]}
  PolicyAuthorizer:
    Type: AWS::Serverless::Function
    Properties: {Handler: libauthorizer.so:policy}
  SimpleAuthorizer:
    Type: AWS::Serverless::Function
    Properties: {Handler: libauthorizer.so:simple}
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:echo
      Events:
        Token: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: '/token/{id}', Method: get}}
        Request: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: /request, Method: get, Auth: {Authorizer: RequestAuth}}}
        Open: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
        Iam: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: /iam, Method: get, Auth: {Authorizer: AWS_IAM}}}
        Simple: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /simple, Method: get, Auth: {Authorizer: Simple}}}
        Policy: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /policy, Method: get, Auth: {Authorizer: Policy}}}
)");
}

struct Curl {
    int status = 0;
    std::string headers;
    std::string body;
};

// GET `url` with curl and `headers` ("Name: value"); the status, headers and body.
Curl curl_get(const std::string& url, const std::vector<std::string>& headers) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-s", "-i", "--max-time", "60"};
    for (const std::string& header : headers) {
        argv.push_back("-H");
        argv.push_back(header);
    }
    argv.push_back(url);
    ProcessResult result = run_process(argv);
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
    Curl out;
    std::size_t split = result.out.find("\r\n\r\n");
    REQUIRE(split != std::string::npos);
    out.headers = result.out.substr(0, split);
    out.body = result.out.substr(split + 4);
    out.status = std::stoi(out.headers.substr(9, 3));
    return out;
}

bool has_header(const Curl& answer, const std::string& line) {
    for (const std::string& header : split_lines(answer.headers)) {
        std::string text = header;
        if (!text.empty() && text.back() == '\r') {
            text.pop_back();
        }
        if (strcasecmp(text.c_str(), line.c_str()) == 0) {
            return true;
        }
    }
    return false;
}

// How many times the authorizer functions were called, as their log says.
// How many times the authorizer ran, once its log shows at least `expected` (bounded): a
// function's output reaches serve's log after the response it belongs to.
std::size_t calls(const ServeProcess& serve, std::size_t expected) {
    return serve.wait_for_log_count(k_called, expected);
}

} // namespace

TEST_CASE("REST TOKEN authorizer with curl: allow, deny, 401 without a call, 500") {
    TempDir dir;
    ServeProcess serve({"--template", write_template(dir), "--no-schedules"});
    REQUIRE(serve.wait_for_log("lambda-local: warning: authorizer 'AWS_IAM' of API 'RestApi': "
                               "AWS_IAM authorization (SigV4 checked by IAM) is not emulated"));
    const std::string url = serve.url("/Prod/token/1");
    const std::string origin = "Origin: http://app.example";

    Curl allowed = curl_get(url, {"Authorization: allow"});
    INFO(allowed.headers << allowed.body);
    REQUIRE(allowed.status == 200);
    json event = parse_json(allowed.body);
    CHECK(event["requestContext"]["authorizer"] ==
          json{{"principalId", "alice"}, {"user", "alice"}, {"level", "7"}, {"admin", "true"}});
    CHECK(calls(serve, 1) == 1);

    Curl denied = curl_get(url, {"Authorization: deny", origin});
    CHECK(denied.status == 403);
    CHECK(denied.body ==
          R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
    CHECK(has_header(denied, "x-amzn-ErrorType: AccessDeniedException"));
    CHECK(has_header(denied, "access-control-allow-origin: *")); // CORS on the gateway's own

    Curl other = curl_get(url, {"Authorization: other"});
    CHECK(other.status == 403);
    CHECK(other.body == R"({"message":"User is not authorized to access this resource"})");

    Curl unauthorized = curl_get(url, {"Authorization: unauthorized", origin});
    CHECK(unauthorized.status == 401);
    CHECK(unauthorized.body == R"({"message":"Unauthorized"})");
    CHECK(has_header(unauthorized, "access-control-allow-origin: *"));

    Curl malformed = curl_get(url, {"Authorization: malformed"});
    CHECK(malformed.status == 500);
    CHECK(malformed.body == R"({"message": null})");
    CHECK(serve.wait_for_log("malformed policy: Statement[0] has no Resource"));

    Curl crashed = curl_get(url, {"Authorization: crash"});
    CHECK(crashed.status == 500);
    CHECK(calls(serve, 6) == 6);

    // No token, or one the validation expression refuses: 401, the authorizer not called.
    Curl missing = curl_get(url, {origin});
    CHECK(missing.status == 401);
    CHECK(missing.body == R"({"message":"Unauthorized"})");
    CHECK(has_header(missing, "access-control-allow-origin: *"));
    CHECK(curl_get(url, {"Authorization: NOT-VALID"}).status == 401);
    CHECK(calls(serve, 6) == 6);

    // NONE: no authorizer; AWS_IAM: refused, never let through.
    CHECK(curl_get(serve.url("/Prod/open"), {}).status == 200);
    CHECK(curl_get(serve.url("/Prod/iam"), {"Authorization: allow"}).status == 500);
}

TEST_CASE("authorizer results are cached per token, with Python requests") {
    TempDir dir;
    ServeProcess serve({"--template", write_template(dir), "--no-schedules"});
    const std::string script = R"(
import json, sys, requests
base = sys.argv[1]
def get(path, token):
    r = requests.get(base + path, headers={"Authorization": token}, timeout=60)
    return r.status_code
out = {"first": [get("/Prod/token/1", "allow") for _ in range(3)],
       "other_token": get("/Prod/token/1", "allow-all"),
       "other_path": get("/Prod/token/2", "allow"),
       "deny": [get("/Prod/token/1", "deny") for _ in range(2)]}
print(json.dumps(out))
)";
    json out = run_python_json(script, {serve.url()});
    INFO(out.dump());
    CHECK(out["first"] == json::array({200, 200, 200}));
    CHECK(out["other_token"] == 200);
    // The cached policy of "allow" names /Prod/GET/token/1 only: /token/2 is denied from the
    // cache, as API Gateway evaluates a cached policy for each request.
    CHECK(out["other_path"] == 403);
    CHECK(out["deny"] == json::array({403, 403}));
    // Called for allow, allow-all and deny once each; the rest came from the cache.
    CHECK(calls(serve, 3) == 3);
    CHECK(serve.wait_for_log_count("lambda-local: authorizer TokenAuth: cached result used for "
                                   "GET /Prod/token/",
                                   4) == 4);
}

TEST_CASE("REST REQUEST authorizer: its identity sources, no caching") {
    TempDir dir;
    ServeProcess serve({"--template", write_template(dir), "--no-schedules"});
    CHECK(curl_get(serve.url("/Prod/request?tenant=t1"), {"X-Token: allow"}).status == 200);
    CHECK(curl_get(serve.url("/Prod/request?tenant=t1"), {"X-Token: allow"}).status == 200);
    CHECK(calls(serve, 2) == 2); // ReauthorizeEvery: 0
    // Without the query parameter: 401 without a call.
    CHECK(curl_get(serve.url("/Prod/request"), {"X-Token: allow"}).status == 401);
    CHECK(curl_get(serve.url("/Prod/request?tenant=t1"), {"X-Token: deny"}).status == 403);
    CHECK(calls(serve, 3) == 3);
}

TEST_CASE("HTTP API simple and policy responses, context under authorizer.lambda") {
    TempDir dir;
    ServeProcess serve({"--template", write_template(dir), "--no-schedules"});
    const std::string script = R"(
import json, sys, requests
base = sys.argv[1]
def get(path, token=None):
    headers = {"X-Token": token} if token else {}
    r = requests.get(base + path, headers=headers, timeout=60)
    return {"status": r.status_code, "body": r.text}
allowed = requests.get(base + "/simple", headers={"X-Token": "allow"}, timeout=60)
out = {"allowed": allowed.status_code,
       "authorizer": allowed.json()["requestContext"].get("authorizer"),
       "cached": get("/simple", "allow"),
       "denied": get("/simple", "deny"),
       "malformed": get("/simple", "malformed"),
       "unauthorized": get("/simple", "unauthorized"),
       "missing": get("/simple"),
       "policy_allow": get("/policy", "allow")["status"],
       "policy_deny": get("/policy", "deny")}
print(json.dumps(out))
)";
    json out = run_python_json(script, {serve.url()});
    INFO(out.dump());
    CHECK(out["allowed"] == 200);
    CHECK(out["authorizer"] == json{{"lambda", {{"user", "alice"}, {"level", 7}}}});
    CHECK(out["cached"]["status"] == 200);
    CHECK(out["denied"] == json{{"status", 403}, {"body", R"({"message":"Forbidden"})"}});
    CHECK(out["malformed"] ==
          json{{"status", 500}, {"body", R"({"message":"Internal Server Error"})"}});
    CHECK(out["unauthorized"] == json{{"status", 401}, {"body", R"({"message":"Unauthorized"})"}});
    CHECK(out["missing"] == json{{"status", 401}, {"body", R"({"message":"Unauthorized"})"}});
    CHECK(out["policy_allow"] == 200);
    CHECK(out["policy_deny"] == json{{"status", 403}, {"body", R"({"message":"Forbidden"})"}});
    // Simple: allow (then cached), deny, malformed, unauthorized; policy: allow, deny.
    CHECK(calls(serve, 6) == 6);
    CHECK(
        serve.wait_for_log("lambda-local: authorizer Simple: cached result used for GET /simple"));
}

namespace {

// An HTTP API whose routes a JWT authorizer of `issuer` (audience my-api) guards: /read, and
// /admin, which needs the scope `admin`. Echo answers with its event.
std::string write_jwt_template(const TempDir& dir, const std::string& issuer) {
    return dir.write("template.yaml",
                     "Resources:\n"
                     "  Http:\n"
                     "    Type: AWS::Serverless::HttpApi\n"
                     "    Properties:\n"
                     "      Auth:\n"
                     "        DefaultAuthorizer: Jwt\n"
                     "        Authorizers:\n"
                     "          Jwt:\n"
                     "            IdentitySource: $request.header.Authorization\n"
                     "            JwtConfiguration: {issuer: '" +
                         issuer +
                         "', audience: [my-api]}\n"
                         "  Fn:\n"
                         "    Type: AWS::Serverless::Function\n"
                         "    Properties:\n"
                         "      CodeUri: " +
                         samples_dir() +
                         "\n"
                         "      Handler: libhttp_api.so:echo\n"
                         "      Events:\n"
                         "        Read: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: "
                         "/read, Method: get}}\n"
                         "        Admin:\n"
                         "          Type: HttpApi\n"
                         "          Properties:\n"
                         "            ApiId: !Ref Http\n"
                         "            Path: /admin\n"
                         "            Method: get\n"
                         "            Auth: {Authorizer: Jwt, AuthorizationScopes: [admin]}\n");
}

// Valid claims of `issuer`, for now.
json claims_of(const std::string& issuer) {
    json claims = auth::claims_at(epoch_ms_now() / 1000);
    claims["iss"] = issuer;
    return claims;
}

// What the JWT authorizer of write_jwt_template() answers, tokens of `key` allowed.
void check_jwt_authorizer(const ServeProcess& serve, const std::string& issuer,
                          const auth::TestKey& key) {
    const std::string token = auth::mint(key, claims_of(issuer));
    // curl, with the token as a browser's fetch would send it.
    ProcessResult curl = run_process(
        {"/usr/bin/curl", "-s", "-H", "Authorization: Bearer " + token, serve.url("/read")});
    INFO(describe(curl));
    REQUIRE(curl.exit_code == 0);
    json event = parse_json(curl.out);
    CHECK(event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "user-1");
    CHECK(event["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] == issuer);
    CHECK(event["requestContext"]["authorizer"]["jwt"]["scopes"] == json({"read", "write"}));

    auto status_of = [&](const std::string& target, const std::string& authorization) {
        http::HeaderList headers;
        if (!authorization.empty()) {
            headers.emplace_back("Authorization", authorization);
        }
        Response response = serve_request(serve, "GET", target, headers);
        INFO(describe(response));
        if (response.status == 401) {
            CHECK(response.body == R"({"message":"Unauthorized"})");
            // Every refusal names the scheme and the error (docs/authorizers-jwt.md).
            const std::string* challenge = response.header("www-authenticate");
            REQUIRE(challenge != nullptr);
            CHECK(challenge->rfind("Bearer scope=\"\" error=\"invalid_token\" "
                                   "error_description=\"",
                                   0) == 0);
        }
        return response.status;
    };
    CHECK(status_of("/read", token) == 200);                // without "Bearer " too
    CHECK(status_of("/read", "") == 401);                   // no identity: no check
    CHECK(status_of("/read", "Bearer not.a.token") == 401); // malformed
    CHECK(status_of("/read", "Bearer " + auth::mint(auth::key_two(), claims_of(issuer))) == 401);
    json expired = claims_of(issuer);
    expired["exp"] = expired["iat"].get<long long>() - 3600;
    CHECK(status_of("/read", "Bearer " + auth::mint(key, expired)) == 401);
    json elsewhere = claims_of(issuer);
    elsewhere["aud"] = "another-api";
    CHECK(status_of("/read", "Bearer " + auth::mint(key, elsewhere)) == 401);
    // The one www-authenticate value AWS documents (its JWT authorizer troubleshooting page),
    // seen by curl.
    {
        ProcessResult refused = run_process({"/usr/bin/curl", "-s", "-i", "-H",
                                             "Authorization: Bearer " + auth::mint(key, elsewhere),
                                             serve.url("/read")});
        INFO(describe(refused));
        CHECK(refused.out.find("\r\nwww-authenticate: Bearer scope=\"\" error=\"invalid_token\" "
                               "error_description=\"the token does not have a valid "
                               "audience\"\r\n") != std::string::npos);
    }
    json other_issuer = claims_of(issuer);
    other_issuer["iss"] = issuer + "/other";
    CHECK(status_of("/read", "Bearer " + auth::mint(key, other_issuer)) == 401);
    // A valid token without the route's scope: 403.
    Response forbidden =
        serve_request(serve, "GET", "/admin", {{"Authorization", "Bearer " + token}});
    CHECK(forbidden.status == 403);
    CHECK(forbidden.body == R"({"message":"Forbidden"})");
    const std::string* challenge = forbidden.header("www-authenticate");
    REQUIRE(challenge != nullptr);
    CHECK(*challenge == "Bearer scope=\"admin\" error=\"insufficient_scope\" "
                        "error_description=\"the token has none of the route's scopes\"");
    json admin = claims_of(issuer);
    admin["scope"] = "admin";
    CHECK(status_of("/admin", "Bearer " + auth::mint(key, admin)) == 200);
}

} // namespace

TEST_CASE("a JWT authorizer verifies tokens with keys fetched from the issuer, and caches them") {
    auth::IssuerServer issuer; // on 127.0.0.1, stopped at the end of the test
    issuer.set_keys(auth::jwks_of({&auth::key_one()}));
    TempDir dir;
    ServeProcess serve({"--template", write_jwt_template(dir, issuer.issuer()), "--no-schedules"});
    check_jwt_authorizer(serve, issuer.issuer(), auth::key_one());
    // Keys are cached: one discovery document and one key set for every request above (the
    // stranger's token, with an unknown kid, may refetch once: at most once a minute).
    CHECK(issuer.discovery_requests() >= 1);
    CHECK(issuer.discovery_requests() <= 2);
    CHECK(issuer.key_requests() >= 1);
    CHECK(issuer.key_requests() <= 2);
}

TEST_CASE("a JWT authorizer takes an issuer's keys from a --jwks file, without a network") {
    TempDir dir;
    std::string jwks = dir.write("jwks.json", auth::jwks_of({&auth::key_one()}));
    ServeProcess serve({"--template", write_jwt_template(dir, auth::k_issuer), "--no-schedules",
                        "--jwks", auth::k_issuer + "=" + jwks});
    check_jwt_authorizer(serve, auth::k_issuer, auth::key_one());
}

TEST_CASE("a Cognito user pool authorizer takes the pool's ID tokens, claims as strings") {
    // The pool's issuer, its keys from a file: what CI without AWS does.
    const std::string pool_arn =
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Test";
    const std::string issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test";
    TempDir dir;
    std::string jwks = dir.write("jwks.json", auth::jwks_of({&auth::key_one()}));
    std::string path = dir.write("template.yaml", "Resources:\n"
                                                  "  Api:\n"
                                                  "    Type: AWS::Serverless::Api\n"
                                                  "    Properties:\n"
                                                  "      StageName: Prod\n"
                                                  "      Auth:\n"
                                                  "        DefaultAuthorizer: Pool\n"
                                                  "        Authorizers:\n"
                                                  "          Pool: {UserPoolArn: '" +
                                                      pool_arn +
                                                      "'}\n"
                                                      "  Fn:\n"
                                                      "    Type: AWS::Serverless::Function\n"
                                                      "    Properties:\n"
                                                      "      CodeUri: " +
                                                      samples_dir() +
                                                      "\n"
                                                      "      Handler: libhttp_api.so:echo\n"
                                                      "      Events:\n"
                                                      "        Get: {Type: Api, Properties: "
                                                      "{RestApiId: !Ref Api, Path: /me, Method: "
                                                      "get}}\n");
    ServeProcess serve({"--template", path, "--no-schedules", "--jwks", issuer + "=" + jwks});
    json claims = claims_of(issuer);
    claims["aud"] = "app-client-1";
    claims["token_use"] = "id";
    claims["email_verified"] = true;
    // curl, then Python requests: the same token, the same answer.
    ProcessResult curl = run_process({"/usr/bin/curl", "-s", "-H",
                                      "Authorization: " + auth::mint(auth::key_one(), claims),
                                      serve.url("/Prod/me")});
    INFO(describe(curl));
    REQUIRE(curl.exit_code == 0);
    json event = parse_json(curl.out);
    CHECK(event["requestContext"]["authorizer"]["claims"]["sub"] == "user-1");
    CHECK(event["requestContext"]["authorizer"]["claims"]["email_verified"] == "true");
    json seen = run_python_json(
        "import json, sys, requests\n"
        "r = requests.get(sys.argv[1], headers={'Authorization': sys.argv[2]}, timeout=30)\n"
        "print(json.dumps({'status': r.status_code, 'body': r.text}))\n",
        {serve.url("/Prod/me"), auth::mint(auth::key_one(), claims)});
    CHECK(seen["status"] == 200);
    // An access token on a method without scopes, a token of another pool, none at all: 401.
    json access = claims;
    access["token_use"] = "access";
    CHECK(serve_request(serve, "GET", "/Prod/me",
                        {{"Authorization", auth::mint(auth::key_one(), access)}})
              .status == 401);
    json other = claims;
    other["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other";
    CHECK(serve_request(serve, "GET", "/Prod/me",
                        {{"Authorization", auth::mint(auth::key_one(), other)}})
              .status == 401);
    Response none = serve_request(serve, "GET", "/Prod/me");
    CHECK(none.status == 401);
    CHECK(none.body == R"({"message":"Unauthorized"})");
}

TEST_CASE("serve refuses a --jwks file that holds no key, naming it") {
    TempDir dir;
    std::string empty = dir.write("empty.json", R"({"keys":[]})");
    ProcessResult result =
        lambda_local({"serve", "-l", sample_library("libhttp_api.so"), "-H", "echo", "--port", "0",
                      "--jwks", "https://issuer.example=" + empty});
    INFO(describe(result));
    CHECK(result.exit_code == 2);
    CHECK(result.err.find(empty) != std::string::npos);
}

TEST_CASE("-l serving takes an authorizer library by flags") {
    SUBCASE("HTTP API, simple responses from the X-Token header") {
        ServeProcess serve({"-l", sample_library("libhttp_api.so"), "-H", "echo",
                            "--authorizer-library", sample_library("libauthorizer.so"),
                            "--authorizer-handler", "simple", "--authorizer-type", "simple",
                            "--authorizer-identity", "$request.header.X-Token", "--no-schedules"});
        Curl allowed = curl_get(serve.url("/pets"), {"X-Token: allow"});
        REQUIRE(allowed.status == 200);
        CHECK(parse_json(allowed.body)["requestContext"]["authorizer"] ==
              json{{"lambda", {{"user", "alice"}, {"level", 7}}}});
        CHECK(curl_get(serve.url("/pets"), {"X-Token: deny"}).status == 403);
        CHECK(curl_get(serve.url("/pets"), {}).status == 401);
        CHECK(calls(serve, 2) == 2);
    }
    SUBCASE("REST API, a TOKEN authorizer on the Authorization header") {
        ServeProcess serve({"-l", sample_library("libhttp_api.so"), "-H", "echo", "--api", "rest",
                            "--authorizer-library", sample_library("libauthorizer.so"),
                            "--authorizer-handler", "policy", "--no-schedules"});
        CHECK(curl_get(serve.url("/Prod/pets"), {"Authorization: allow"}).status == 200);
        CHECK(curl_get(serve.url("/Prod/pets"), {"Authorization: deny"}).status == 403);
        CHECK(curl_get(serve.url("/Prod/pets"), {"Authorization: allow"}).status == 200);
        CHECK(calls(serve, 2) == 2); // the second allow came from the cache (300 s)
    }
}

TEST_CASE("lambda-local test: HTTP cases with an authorization block") {
    TempDir dir;
    std::string path = dir.write("auth.test.yaml",
                                 "function:\n  library: " + sample_library("libhttp_api.so") + R"(
  handler: echo
api: rest
route: "GET /orders/{id}"
cases:
  - name: allowed, the context reaches the handler
    request: {path: /orders/42}
    authorization:
      output:
        principalId: alice
        policyDocument:
          Version: "2012-10-17"
          Statement: [{Action: "execute-api:Invoke", Effect: Allow, Resource: "arn:aws:execute-api:*:*:*/Prod/GET/orders/*"}]
        context: {role: admin, level: 2}
    expect:
      status: 200
      body_subset:
        requestContext: {authorizer: {principalId: alice, role: admin, level: "2"}}
  - name: an explicit deny is 403
    request: {path: /orders/42}
    authorization:
      output:
        principalId: alice
        policyDocument:
          Statement: [{Action: "execute-api:Invoke", Effect: Deny, Resource: "*"}]
    expect:
      status: 403
      body_json: {Message: User is not authorized to access this resource with an explicit deny}
  - name: Unauthorized is 401
    request: {path: /orders/42}
    authorization: {error: Unauthorized}
    expect: {status: 401, body_json: {message: Unauthorized}}
  - name: a malformed policy is 500
    request: {path: /orders/42}
    authorization: {output: {principalId: alice, policyDocument: {Statement: [{Effect: Allow}]}}}
    expect: {status: 500}
)");
    ProcessResult result = lambda_local({"test", path});
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("4 passed, 0 failed") != std::string::npos);
}

TEST_CASE("lambda-local test: authorization: run runs the route's Lambda authorizer") {
    TempDir dir;
    write_template(dir);
    // The REST API (stage Prod): the TOKEN authorizer, its validation expression, REQUEST.
    dir.write("rest.test.yaml", R"(function: {template: template.yaml, name: Echo}
cases:
  - name: allowed, with the authorizer's context
    request: {path: /token/7, headers: {Authorization: allow}}
    authorization: run
    expect:
      status: 200
      body_subset: {requestContext: {authorizer: {principalId: alice, user: alice, admin: "true"}}}
      logs_contain: "authorizer called: allow"
  - name: an explicit deny is 403
    request: {path: /token/7, headers: {Authorization: deny}}
    authorization: run
    expect:
      status: 403
      body_json: {Message: User is not authorized to access this resource with an explicit deny}
  - name: a token failing the validation expression is 401 without a call
    request: {path: /token/7, headers: {Authorization: NOT-VALID}}
    authorization: run
    expect: {status: 401, body_json: {message: Unauthorized}}
  - name: Unauthorized thrown is 401
    request: {path: /token/7, headers: {Authorization: unauthorized}}
    authorization: run
    expect: {status: 401}
  - name: an authorizer error is 500
    request: {path: /token/7, headers: {Authorization: surprise}}
    authorization: run
    expect: {status: 500, body_json: {message: null}}
  - name: a REQUEST authorizer reads its identity sources
    request: {path: "/request?tenant=acme", headers: {X-Token: allow}}
    authorization: run
    expect: {status: 200}
  - name: a REQUEST authorizer without its query string is 401
    request: {path: /request, headers: {X-Token: allow}}
    authorization: run
    expect: {status: 401}
)");
    // The HTTP API ($default stage): simple and policy responses.
    dir.write("http.test.yaml", R"(function: {template: template.yaml, name: Echo}
stage: $default
cases:
  - name: a simple response allows, its context under authorizer.lambda
    request: {path: /simple, headers: {X-Token: allow}}
    authorization: run
    expect: {status: 200, body_subset: {requestContext: {authorizer: {lambda: {user: alice}}}}}
  - name: a simple response denies with 403
    request: {path: /simple, headers: {X-Token: deny}}
    authorization: run
    expect: {status: 403, body_json: {message: Forbidden}}
  - name: a policy response allows
    request: {path: /policy, headers: {X-Token: allow}}
    authorization: run
    expect: {status: 200}
  - name: a policy response denies
    request: {path: /policy, headers: {X-Token: deny}}
    authorization: run
    expect: {status: 403, body_json: {message: Forbidden}}
)");
    ProcessResult result = lambda_local({"test", dir.path()});
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("11 passed, 0 failed") != std::string::npos);
}

TEST_CASE("lambda-local test: authorization: run verifies JWTs with the test file's jwks") {
    TempDir dir;
    write_jwt_template(dir, auth::k_issuer);
    dir.write("jwks.json", auth::jwks_of({&auth::key_one()}));
    const std::string token = auth::mint(auth::key_one(), claims_of(auth::k_issuer));
    json elsewhere = claims_of(auth::k_issuer);
    elsewhere["aud"] = "another-api";
    json expired = claims_of(auth::k_issuer);
    expired["exp"] = expired["iat"].get<long long>() - 3600;
    json admin = claims_of(auth::k_issuer);
    admin["scope"] = "admin";
    dir.write("jwt.test.yaml", "function: {template: template.yaml, name: Fn}\n"
                               "jwks:\n  " +
                                   auth::k_issuer + ": jwks.json\n" + R"(cases:
  - name: a valid token is allowed, its claims under authorizer.jwt
    request: {path: /read, headers: {Authorization: "Bearer )" +
                                   token + R"("}}
    authorization: run
    expect: {status: 200, body_subset: {requestContext: {authorizer: {jwt: {claims: {sub: user-1}}}}}}
  - name: another audience is 401 with AWS's www-authenticate
    request: {path: /read, headers: {Authorization: "Bearer )" +
                                   auth::mint(auth::key_one(), elsewhere) + R"("}}
    authorization: run
    expect:
      status: 401
      body_json: {message: Unauthorized}
      headers: {www-authenticate: 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'}
  - name: an expired token is 401
    request: {path: /read, headers: {Authorization: "Bearer )" +
                                   auth::mint(auth::key_one(), expired) + R"("}}
    authorization: run
    expect: {status: 401}
  - name: a token of another key is 401
    request: {path: /read, headers: {Authorization: "Bearer )" +
                                   auth::mint(auth::key_two(), claims_of(auth::k_issuer)) + R"("}}
    authorization: run
    expect: {status: 401}
  - name: no token is 401
    request: {path: /read}
    authorization: run
    expect: {status: 401}
  - name: a token without the route's scope is 403
    request: {path: /admin, headers: {Authorization: "Bearer )" +
                                   token + R"("}}
    authorization: run
    expect:
      status: 403
      body_json: {message: Forbidden}
      headers: {www-authenticate: 'Bearer scope="admin" error="insufficient_scope" error_description="the token has none of the route''s scopes"'}
  - name: a token with it is allowed
    request: {path: /admin, headers: {Authorization: "Bearer )" +
                                   auth::mint(auth::key_one(), admin) + R"("}}
    authorization: run
    expect: {status: 200}
)");
    // lambda-local hands the run over to lambda-local-serve, which verifies the tokens.
    ProcessResult result = lambda_local({"test", dir.path()});
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("7 passed, 0 failed") != std::string::npos);
}

} // namespace lambda_local::e2e
