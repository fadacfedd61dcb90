// Tests of SAM's Auth: REST and HTTP API authorizers, defaults, per-event choices, errors.
#include "runtime/config/sam_authorizers.hpp"

#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::config::sam_authorizers_tests {
namespace {

using testing::api_named;
using testing::ConfigDir;

Project load(const ConfigDir& dir, const std::string& text) {
    return testing::load_text(dir, "template.yaml", text, testing::load_sam);
}

std::string load_error(const std::string& text) {
    return testing::load_text_error("template.yaml", text, testing::load_sam);
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

const std::string k_rest = R"(Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Token
        Authorizers:
          Token:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity:
              Header: X-Auth
              ValidationExpression: '^Bearer .+$'
              ReauthorizeEvery: 60
          Request:
            FunctionArn: !GetAtt AuthFn.Arn
            FunctionPayloadType: REQUEST
            Identity:
              Headers: [X-A]
              QueryStrings: [q]
              StageVariables: [s]
              Context: [identity.sourceIp]
          Pool:
            UserPoolArn: !GetAtt UserPool.Arn
          Remote:
            FunctionArn: arn:aws:lambda:us-east-1:111111111111:function:elsewhere
  UserPool:
    Type: AWS::Cognito::UserPool
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libauth.so:policy
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
      Events:
        Default: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /default, Method: get}}
        Open: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
        Req: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /req, Method: get, Auth: {Authorizer: Request}}}
        Cognito: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /cognito, Method: get, Auth: {Authorizer: Pool, AuthorizationScopes: [email]}}}
        Iam: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /iam, Method: get, Auth: {Authorizer: AWS_IAM}}}
)";

} // namespace

TEST_SUITE("runtime::config::SamAuthorizers") {

    TEST_CASE("a REST API's Lambda, Cognito and IAM authorizers, and which route uses which") {
        ConfigDir dir;
        Project project = load(dir, k_rest);
        const ApiConfig& api = api_named(project, "Api");

        const AuthorizerConfig& token = authorizer_named(api, "Token");
        CHECK(token.kind == AuthorizerKind::LambdaToken);
        CHECK(token.function_ref == "arn:aws:lambda:us-east-1:123456789012:function:AuthFn");
        CHECK(token.function_name == "AuthFn");
        CHECK(token.identity_sources == std::vector<std::string>{"method.request.header.X-Auth"});
        CHECK(token.validation_expression == "^Bearer .+$");
        CHECK(token.ttl_seconds == 60);

        const AuthorizerConfig& request = authorizer_named(api, "Request");
        CHECK(request.kind == AuthorizerKind::LambdaRequest);
        CHECK(request.identity_sources ==
              std::vector<std::string>{"method.request.header.X-A", "method.request.querystring.q",
                                       "stageVariables.s", "context.identity.sourceIp"});
        CHECK(request.ttl_seconds == 300); // REST's default

        const AuthorizerConfig& pool = authorizer_named(api, "Pool");
        CHECK(pool.kind == AuthorizerKind::CognitoUserPools);
        CHECK(pool.user_pool_arns == std::vector<std::string>{"!GetAtt UserPool.Arn"});
        CHECK(pool.identity_sources ==
              std::vector<std::string>{"method.request.header.Authorization"});

        const AuthorizerConfig& remote = authorizer_named(api, "Remote");
        CHECK(remote.function_name.empty()); // not in the template: serve warns

        CHECK(authorizer_named(api, "AWS_IAM").kind == AuthorizerKind::Iam);

        CHECK(route_at(api, "/default").authorizer == "Token");
        CHECK(route_at(api, "/open").authorizer.empty());
        CHECK(route_at(api, "/req").authorizer == "Request");
        CHECK(route_at(api, "/cognito").authorizer == "Pool");
        CHECK(route_at(api, "/cognito").authorization_scopes == std::vector<std::string>{"email"});
        CHECK(route_at(api, "/iam").authorizer == "AWS_IAM");
    }

    TEST_CASE("an HTTP API's Lambda and JWT authorizers") {
        ConfigDir dir;
        Project project = load(dir, R"(Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Lambda
        Authorizers:
          Lambda:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: '2.0'
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization], QueryStrings: [t], ReauthorizeEvery: 30}
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: https://issuer.example.com
              audience: [a1, a2]
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: libauth.so:simple}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
      Events:
        Default: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /a, Method: get}}
        Jwt: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /b, Method: get, Auth: {Authorizer: Jwt, AuthorizationScopes: [read]}}}
)");
        const ApiConfig& api = api_named(project, "Http");
        const AuthorizerConfig& lambda = authorizer_named(api, "Lambda");
        CHECK(lambda.kind == AuthorizerKind::LambdaRequest);
        CHECK(lambda.simple_responses);
        CHECK(lambda.payload_format == gateway::PayloadFormat::V2);
        CHECK(lambda.identity_sources ==
              std::vector<std::string>{"$request.header.Authorization", "$request.querystring.t"});
        CHECK(lambda.ttl_seconds == 30);
        CHECK(lambda.function_name == "AuthFn");
        const AuthorizerConfig& jwt = authorizer_named(api, "Jwt");
        CHECK(jwt.kind == AuthorizerKind::Jwt);
        CHECK(jwt.issuer == "https://issuer.example.com");
        CHECK(jwt.audiences == std::vector<std::string>{"a1", "a2"});
        CHECK(jwt.identity_sources == std::vector<std::string>{"$request.header.Authorization"});
        CHECK(route_at(api, "/a").authorizer == "Lambda");
        CHECK(route_at(api, "/b").authorizer == "Jwt");
        CHECK(route_at(api, "/b").authorization_scopes == std::vector<std::string>{"read"});
    }

    TEST_CASE("the implicit REST API takes its Auth from Globals.Api") {
        ConfigDir dir;
        Project project = load(dir, R"(Globals:
  Api:
    Auth:
      DefaultAuthorizer: Token
      Authorizers:
        Token: {FunctionArn: !GetAtt AuthFn.Arn}
Resources:
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: libauth.so:policy}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
      Events:
        Get: {Type: Api, Properties: {Path: /a, Method: get}}
)");
        const ApiConfig& api = api_named(project, "ServerlessRestApi");
        CHECK(authorizer_named(api, "Token").identity_sources ==
              std::vector<std::string>{"method.request.header.Authorization"});
        CHECK(route_at(api, "/a").authorizer == "Token");
    }

    TEST_CASE("mistakes in Auth are errors at their line") {
        auto with_auth = [](const std::string& auth, const std::string& event_auth = "") {
            return "Resources:\n"
                   "  Api:\n"
                   "    Type: AWS::Serverless::Api\n"
                   "    Properties:\n"
                   "      StageName: Prod\n"
                   "      Auth:\n" +
                   auth +
                   "  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Handler: libfn.so:handle\n"
                   "      Events:\n"
                   "        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: "
                   "get" +
                   event_auth + "}}\n";
        };
        CHECK(load_error(
                  with_auth("        Authorizers:\n          A: {FunctionArn: x, "
                            "FunctionPayloadType: REQUEST, Identity: {ReauthorizeEvery: 60}}\n")) ==
              "template.yaml:8: authorizer 'A': caching its results (a TTL of 60 s) needs identity "
              "sources; set them, or the TTL to 0");
        CHECK(load_error(with_auth("        Authorizers:\n          A: {FunctionArn: x, Identity: "
                                   "{ReauthorizeEvery: 4000}}\n")) ==
              "template.yaml:8: ReauthorizeEvery must be a whole number of seconds from 0 to 3600, "
              "not '4000'");
        CHECK(load_error(with_auth("        Authorizers:\n          A: {FunctionArn: x, "
                                   "FunctionPayloadType: OTHER}\n")) ==
              "template.yaml:8: authorizer 'A': FunctionPayloadType must be TOKEN or REQUEST, not "
              "'OTHER'");
        CHECK(load_error(with_auth("        Authorizers:\n          A: {Identity: {}}\n")) ==
              "template.yaml:8: authorizer 'A' needs a FunctionArn (Lambda) or a UserPoolArn "
              "(Cognito)");
        CHECK(
            load_error(with_auth("        DefaultAuthorizer: B\n        Authorizers:\n          A: "
                                 "{FunctionArn: x}\n")) ==
            "template.yaml:7: DefaultAuthorizer 'B' is not one of Auth.Authorizers");
        CHECK(load_error(with_auth("        Authorizers:\n          A: {FunctionArn: x}\n",
                                   ", Auth: {Authorizer: C}")) ==
              "template.yaml:14: Authorizer 'C' is not one of the API's Auth.Authorizers");
    }

    TEST_CASE("function names come out of Lambda ARNs and API Gateway invocation URIs") {
        CHECK(function_name_of_arn("arn:aws:lambda:us-east-1:123456789012:function:auth") ==
              "auth");
        CHECK(function_name_of_arn("arn:aws:lambda:us-east-1:123456789012:function:auth:live") ==
              "auth");
        CHECK(function_name_of_arn("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                                   "arn:aws:lambda:us-east-1:123456789012:function:auth/"
                                   "invocations") == "auth");
        CHECK_FALSE(function_name_of_arn("auth"));
        CHECK_FALSE(function_name_of_arn("arn:aws:s3:::bucket"));
    }

} // TEST_SUITE

} // namespace lambda_local::runtime::config::sam_authorizers_tests
