// Tests of serverless.yml's authorizers: http events' `authorizer:`, provider.httpApi's.
#include "runtime/config/serverless.hpp"

#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::config::serverless_authorizers_tests {
namespace {

using testing::api_named;
using testing::ConfigDir;

Project load_file(const std::string& path, const ProjectOptions& options) {
    return load_serverless(path, options);
}

Project load(const ConfigDir& dir, const std::string& text) {
    return testing::load_text(dir, "serverless.yml", text, load_file);
}

std::string load_error(const std::string& text) {
    return testing::load_text_error("serverless.yml", text, load_file);
}

const AuthorizerConfig& authorizer_named(const ApiConfig& api, const std::string& name) {
    for (const AuthorizerConfig& authorizer : api.authorizers) {
        if (authorizer.name == name) {
            return authorizer;
        }
    }
    FAIL("no authorizer " << name);
    return api.authorizers.front();
}

const gateway::Route& route_at(const ApiConfig& api, const std::string& path) {
    for (const gateway::Route& route : api.api.routes) {
        if (route.path == path) {
            return route;
        }
    }
    FAIL("no route " << path);
    return api.api.routes.front();
}

} // namespace

TEST_SUITE("runtime::config::ServerlessAuthorizers") {

    TEST_CASE("http events name REST authorizers: a function, a mapping, an ARN, aws_iam") {
        ConfigDir dir;
        Project project = load(dir, R"(service: shop
provider: {name: aws}
functions:
  auth:
    handler: libauth.so:policy
  fn:
    handler: libfn.so:handle
    events:
      - http: {path: a, method: get, authorizer: auth}
      - http:
          path: b
          method: get
          authorizer:
            name: auth
            type: request
            identitySource: method.request.header.X-Token, method.request.querystring.q
            resultTtlInSeconds: 0
      - http:
          path: c
          method: get
          authorizer:
            name: tokenAuth
            arn: arn:aws:lambda:us-east-1:123456789012:function:shop-dev-auth
            identityValidationExpression: '^t.*$'
      - http: {path: d, method: get, authorizer: 'arn:aws:lambda:us-east-1:1:function:remote'}
      - http: {path: e, method: get, authorizer: aws_iam}
)");
        const ApiConfig& api = api_named(project, "ApiGatewayRestApi");
        const AuthorizerConfig& by_name = authorizer_named(api, "auth");
        // The first event declares "auth" as a TOKEN authorizer; the second reuses that name.
        CHECK(by_name.kind == AuthorizerKind::LambdaToken);
        CHECK(by_name.function_name == "shop-dev-auth");
        CHECK(by_name.identity_sources ==
              std::vector<std::string>{"method.request.header.Authorization"});
        CHECK(by_name.ttl_seconds == 300);
        const AuthorizerConfig& token = authorizer_named(api, "tokenAuth");
        CHECK(token.function_name == "shop-dev-auth");
        CHECK(token.validation_expression == "^t.*$");
        CHECK(authorizer_named(api, "remote").function_name.empty());
        CHECK(authorizer_named(api, "AWS_IAM").kind == AuthorizerKind::Iam);
        CHECK(route_at(api, "/a").authorizer == "auth");
        CHECK(route_at(api, "/b").authorizer == "auth");
        CHECK(route_at(api, "/c").authorizer == "tokenAuth");
        CHECK(route_at(api, "/d").authorizer == "remote");
        CHECK(route_at(api, "/e").authorizer == "AWS_IAM");
    }

    TEST_CASE("a request authorizer declared first keeps its own settings") {
        ConfigDir dir;
        Project project = load(dir, R"(service: shop
provider: {name: aws}
functions:
  auth: {handler: libauth.so:policy}
  fn:
    handler: libfn.so:handle
    events:
      - http:
          path: b
          method: get
          authorizer:
            name: auth
            type: request
            identitySource: method.request.header.X-Token, method.request.querystring.q
            resultTtlInSeconds: 0
)");
        const AuthorizerConfig& request =
            authorizer_named(api_named(project, "ApiGatewayRestApi"), "auth");
        CHECK(request.kind == AuthorizerKind::LambdaRequest);
        CHECK(request.identity_sources == std::vector<std::string>{"method.request.header.X-Token",
                                                                   "method.request.querystring.q"});
        CHECK(request.ttl_seconds == 0);
    }

    TEST_CASE("provider.httpApi.authorizers and httpApi events") {
        ConfigDir dir;
        Project project = load(dir, R"(service: shop
provider:
  name: aws
  httpApi:
    authorizers:
      custom:
        type: request
        functionName: auth
        enableSimpleResponses: true
        payloadVersion: '2.0'
        identitySource: [$request.header.X-Token]
        resultTtlInSeconds: 120
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://cognito-idp.us-east-1.amazonaws.com/pool
        audience: [client-1]
functions:
  auth: {handler: libauth.so:simple}
  fn:
    handler: libfn.so:handle
    events:
      - httpApi: {path: /a, method: get, authorizer: custom}
      - httpApi: {path: /b, method: get, authorizer: {name: jwtAuth, scopes: [read, write]}}
      - httpApi: {path: /c, method: get}
)");
        const ApiConfig& api = api_named(project, "HttpApi");
        const AuthorizerConfig& custom = authorizer_named(api, "custom");
        CHECK(custom.kind == AuthorizerKind::LambdaRequest);
        CHECK(custom.function_name == "shop-dev-auth");
        CHECK(custom.simple_responses);
        CHECK(custom.ttl_seconds == 120);
        CHECK(custom.identity_sources == std::vector<std::string>{"$request.header.X-Token"});
        const AuthorizerConfig& jwt = authorizer_named(api, "jwtAuth");
        CHECK(jwt.kind == AuthorizerKind::Jwt);
        CHECK(jwt.issuer == "https://cognito-idp.us-east-1.amazonaws.com/pool");
        CHECK(jwt.audiences == std::vector<std::string>{"client-1"});
        CHECK(route_at(api, "/a").authorizer == "custom");
        CHECK(route_at(api, "/b").authorizer == "jwtAuth");
        CHECK(route_at(api, "/b").authorization_scopes ==
              std::vector<std::string>{"read", "write"});
        CHECK(route_at(api, "/c").authorizer.empty());
    }

    TEST_CASE("serverless authorizer mistakes are errors at their line") {
        CHECK(load_error(R"(service: shop
provider: {name: aws}
functions:
  fn:
    handler: libfn.so:handle
    events:
      - httpApi: {path: /a, method: get, authorizer: missing}
)") == "serverless.yml:7: authorizer 'missing' is not one of provider.httpApi.authorizers");
        CHECK(load_error(R"(service: shop
provider:
  name: aws
  httpApi:
    authorizers:
      custom: {type: request, functionName: fn, resultTtlInSeconds: 60}
functions:
  fn:
    handler: libfn.so:handle
    events:
      - httpApi: {path: /a, method: get}
)") == "serverless.yml:6: authorizer 'custom': caching its results (a TTL of 60 s) needs "
       "identity sources; set them, or the TTL to 0");
        CHECK(load_error(R"(service: shop
provider: {name: aws}
functions:
  fn:
    handler: libfn.so:handle
    events:
      - http: {path: a, method: get, authorizer: {name: x, identitySource: 'Authorization'}}
)") == "serverless.yml:7: authorizer 'x': identity source 'Authorization' is not one of "
       "method.request.header.X, method.request.querystring.x, stageVariables.x or context.x "
       "(with a context variable lambda-local knows)");
    }

} // TEST_SUITE

} // namespace lambda_local::runtime::config::serverless_authorizers_tests
