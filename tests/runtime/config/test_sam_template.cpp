// Tests of SAM templates: functions, Globals, events, APIs, errors.
#include "runtime/config/sam_template.hpp"

#include "runtime/config/api_builder.hpp"
#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

#include <chrono>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::config::sam_template_tests {
namespace {

using testing::api_named;
using testing::ConfigDir;
using testing::error_of;
using testing::function_named;
using testing::variable;

// Loads `text` as <dir>/template.yaml.
Project load(const ConfigDir& dir, const std::string& text, const ProjectOptions& options = {}) {
    return testing::load_text(dir, "template.yaml", text, testing::load_sam, options);
}

// The error of loading `text` as template.yaml: "template.yaml:3: ...".
std::string load_error(const std::string& text, const ProjectOptions& options = {}) {
    return testing::load_text_error("template.yaml", text, testing::load_sam, options);
}

std::string one_function(const std::string& properties, const std::string& top = "") {
    return testing::sam_function(properties, top);
}

} // namespace

TEST_SUITE_BEGIN("runtime::config::SamTemplate");

TEST_CASE("a function takes its library, symbol and limits from its properties and Globals") {
    ConfigDir dir;
    Project project = load(dir, R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: build
    Timeout: 20
    MemorySize: 512
    EphemeralStorage:
      Size: 1024
    Environment:
      Variables:
        SHARED: global
        LEVEL: global
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhello.so:say_hello
      Runtime: provided.al2023
      Timeout: 7.5
      ReservedConcurrentExecutions: 4
      Environment:
        Variables:
          LEVEL: own
          PORT: 8080
)");
    CHECK(project.source == dir.path() + "/template.yaml");
    REQUIRE(project.functions.size() == 1);
    const FunctionConfig& function = project.functions[0];
    CHECK(function.logical_id == "HelloFunction");
    CHECK(function.spec.name == "HelloFunction");
    CHECK(function.spec.library == dir.path() + "/build/libhello.so");
    CHECK(function.spec.handler == "say_hello");
    CHECK(function.spec.code_dir == dir.path() + "/build");
    CHECK(function.spec.timeout_s == 7.5);
    CHECK(function.spec.memory_mb == 512);
    CHECK(function.spec.tmp_mb == 1024);
    CHECK(function.spec.region == "us-east-1");
    CHECK(function.reserved_concurrency == 4);
    EnvVars expected = {{"SHARED", "global"}, {"LEVEL", "own"}, {"PORT", "8080"}};
    CHECK(function.spec.environment == expected);
    CHECK(project.apis.empty());
}

TEST_CASE("EventInvokeConfig sets the retries and the event age of asynchronous invocations") {
    ConfigDir dir;
    Project project = load(dir, one_function("      EventInvokeConfig:\n"
                                             "        MaximumRetryAttempts: 0\n"
                                             "        MaximumEventAgeInSeconds: 60\n"));
    REQUIRE(project.functions.size() == 1);
    CHECK(project.functions[0].maximum_retry_attempts == 0);
    CHECK(project.functions[0].maximum_event_age_s == 60);
    Project plain = load(dir, one_function(""));
    CHECK_FALSE(plain.functions[0].maximum_retry_attempts.has_value());
    CHECK_FALSE(plain.functions[0].maximum_event_age_s.has_value());
    CHECK(load_error(one_function("      EventInvokeConfig:\n        MaximumRetryAttempts: 3\n")) ==
          "template.yaml:7: EventInvokeConfig.MaximumRetryAttempts must be a whole number from 0 "
          "to 2, not '3'");
    CHECK(load_error(
              one_function("      EventInvokeConfig:\n        MaximumEventAgeInSeconds: 59\n")) ==
          "template.yaml:7: EventInvokeConfig.MaximumEventAgeInSeconds must be a whole number "
          "from 60 to 21600, not '59'");
    CHECK(load_error(one_function("      EventInvokeConfig: 2\n")) ==
          "template.yaml:6: EventInvokeConfig must be a mapping");
}

TEST_CASE("a Handler that names only a library runs the symbol handle, in the template's "
          "directory by default") {
    ConfigDir dir;
    Project project = load(dir, R"(Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      Handler: lib/libhello.so
  B:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./out/
      Handler: libhello.so.1:other
)");
    const FunctionConfig& a = function_named(project, "A");
    CHECK(a.spec.library == dir.path() + "/lib/libhello.so");
    CHECK(a.spec.handler == "handle");
    CHECK(a.spec.code_dir == dir.path());
    CHECK(a.spec.timeout_s == 3);
    CHECK(a.spec.memory_mb == 128);
    const FunctionConfig& b = function_named(project, "B");
    CHECK(b.spec.library == dir.path() + "/out/libhello.so.1");
    CHECK(b.spec.handler == "other");
    CHECK(b.spec.code_dir == dir.path() + "/out");
}

TEST_CASE("FunctionName names the function, it is found by its name and by its logical id") {
    ConfigDir dir;
    Project project = load(dir, one_function("      FunctionName: my-function\n"));
    const FunctionConfig& function = function_named(project, "my-function");
    CHECK(function.logical_id == "Fn");
    CHECK(project.find_function("Fn") == &function);
    CHECK(project.find_function("nothing") == nullptr);
}

TEST_CASE("Api events are routes of the implicit REST API ServerlessRestApi, stage Prod") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Proxy:
          Type: Api
          Properties:
            Path: /{proxy+}
            Method: any
        Item:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: get
)"));
    REQUIRE(project.apis.size() == 1);
    const ApiConfig& api = project.apis[0];
    CHECK(api.logical_id == "ServerlessRestApi");
    CHECK(api.api.type == gateway::ApiType::Rest);
    CHECK(api.api.id == api_id("ServerlessRestApi"));
    CHECK(api.api.stages == std::vector<std::string>{"Prod"});
    CHECK(api.binary_media_types.empty());
    CHECK_FALSE(api.cors.has_value());
    REQUIRE(api.api.routes.size() == 2);
    CHECK(api.api.routes[0].method == "ANY");
    CHECK(api.api.routes[0].path == "/{proxy+}");
    CHECK(api.api.routes[0].function_name == "Fn");
    CHECK(api.api.routes[0].api_id == api.api.id);
    CHECK(api.api.routes[0].payload_format == gateway::PayloadFormat::V1);
    CHECK(api.api.routes[1].method == "GET");
    CHECK(api.api.routes[1].path == "/items/{id}");
}

TEST_CASE("HttpApi events: payload 2.0, or 1.0 when PayloadFormatVersion says so, and the "
          "$default route without Path and Method") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: get
        Old:
          Type: HttpApi
          Properties:
            Path: /old
            Method: POST
            PayloadFormatVersion: '1.0'
        Rest:
          Type: HttpApi
)"));
    const ApiConfig& api = api_named(project, "ServerlessHttpApi");
    CHECK(api.api.type == gateway::ApiType::Http);
    CHECK(api.api.stages == std::vector<std::string>{"$default"});
    REQUIRE(api.api.routes.size() == 3);
    CHECK(api.api.routes[0].method == "GET");
    CHECK(api.api.routes[0].payload_format == gateway::PayloadFormat::V2);
    CHECK(api.api.routes[1].payload_format == gateway::PayloadFormat::V1);
    CHECK(api.api.routes[2].path == "$default");
    CHECK(api.api.routes[2].payload_format == gateway::PayloadFormat::V2);
}

TEST_CASE("ResponseTransferMode STREAM makes a REST route stream; BUFFERED and none do not") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Streamed:
          Type: Api
          Properties: {Path: /stream, Method: GET, ResponseTransferMode: STREAM}
        Buffered:
          Type: Api
          Properties: {Path: /buffered, Method: GET, ResponseTransferMode: BUFFERED}
        Plain:
          Type: Api
          Properties: {Path: /plain, Method: GET}
)"));
    const ApiConfig& rest = api_named(project, "ServerlessRestApi");
    REQUIRE(rest.api.routes.size() == 3);
    CHECK(rest.api.routes[0].stream);
    CHECK_FALSE(rest.api.routes[1].stream);
    CHECK_FALSE(rest.api.routes[2].stream);

    auto mode_error = [](const std::string& type, const std::string& value) {
        return load_error(one_function("      Events:\n        A:\n          Type: " + type +
                                       "\n          Properties:\n            Path: /a\n"
                                       "            Method: GET\n"
                                       "            ResponseTransferMode: " +
                                       value + "\n"));
    };
    CHECK(mode_error("Api", "RESPONSE_STREAM") ==
          "template.yaml:12: ResponseTransferMode must be BUFFERED or STREAM, not "
          "'RESPONSE_STREAM'");
    CHECK(mode_error("HttpApi", "STREAM") ==
          "template.yaml:12: ResponseTransferMode belongs to Api events: an HTTP API does not "
          "stream responses");
}

TEST_CASE("TimeoutInMillis sets a route's integration timeout, and without it the API type's "
          "default applies") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Rest:
          Type: Api
          Properties: {Path: /rest, Method: GET, TimeoutInMillis: 29000}
        RestDefault:
          Type: Api
          Properties: {Path: /other, Method: GET}
        Http:
          Type: HttpApi
          Properties:
            Path: /http
            Method: GET
            TimeoutInMillis: !Ref Wait
        HttpDefault:
          Type: HttpApi
)",
                                             "Parameters:\n  Wait: {Type: Number, Default: 50}\n"));
    const ApiConfig& rest = api_named(project, "ServerlessRestApi");
    REQUIRE(rest.api.routes.size() == 2);
    CHECK(rest.api.routes[0].integration_timeout == std::chrono::milliseconds(29000));
    CHECK_FALSE(rest.api.routes[1].integration_timeout.has_value());
    const ApiConfig& http = api_named(project, "ServerlessHttpApi");
    REQUIRE(http.api.routes.size() == 2);
    CHECK(http.api.routes[0].integration_timeout == std::chrono::milliseconds(50));
    CHECK_FALSE(http.api.routes[1].integration_timeout.has_value());

    // An HTTP API allows a second more than a REST API.
    project = load(dir, one_function(R"(      Events:
        Http: {Type: HttpApi, Properties: {Path: /a, Method: GET, TimeoutInMillis: 30000}}
)"));
    const ApiConfig& longest = api_named(project, "ServerlessHttpApi");
    REQUIRE(longest.api.routes.size() == 1);
    CHECK(longest.api.routes[0].integration_timeout == std::chrono::milliseconds(30000));
}

TEST_CASE("RestApiId names an AWS::Serverless::Api: its stage, binary media types, CORS and "
          "stage variables, with Globals.Api") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /
            Method: GET
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      BinaryMediaTypes: [image~1png]
      Cors:
        AllowOrigin: "'https://example.com'"
        AllowMethods: "'GET, POST'"
        AllowHeaders: "'Content-Type,X-Api-Key'"
        MaxAge: "'600'"
        AllowCredentials: true
      Variables:
        TABLE: items
)",
                                             R"(Globals:
  Api:
    BinaryMediaTypes: ['*~1*']
    Variables:
      SHARED: yes
)"));
    REQUIRE(project.apis.size() == 1);
    const ApiConfig& api = project.apis[0];
    CHECK(api.logical_id == "MyApi");
    CHECK(api.api.id == api_id("MyApi"));
    CHECK(api.api.stages == std::vector<std::string>{"v1"});
    CHECK(api.binary_media_types == std::vector<std::string>{"*/*", "image/png"});
    REQUIRE(api.cors.has_value());
    CHECK(api.cors->allow_origins == std::vector<std::string>{"https://example.com"});
    CHECK(api.cors->allow_methods == std::vector<std::string>{"GET", "POST"});
    CHECK(api.cors->allow_headers == std::vector<std::string>{"Content-Type", "X-Api-Key"});
    CHECK(api.cors->max_age == 600);
    CHECK(api.cors->allow_credentials);
    std::map<std::string, std::string> variables = {{"SHARED", "yes"}, {"TABLE", "items"}};
    CHECK(api.stage_variables == variables);
    REQUIRE(api.api.routes.size() == 1);
    CHECK(api.api.routes[0].path == "/");
}

TEST_CASE("Globals.Api gives the implicit REST API its binary media types and a quoted Cors") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Get:
          Type: Api
          Properties: {Path: /a, Method: get}
)",
                                             R"(Globals:
  Api:
    BinaryMediaTypes: [application~1octet-stream]
    Cors: "'*'"
)"));
    const ApiConfig& api = api_named(project, "ServerlessRestApi");
    CHECK(api.binary_media_types == std::vector<std::string>{"application/octet-stream"});
    REQUIRE(api.cors.has_value());
    CHECK(api.cors->allow_origins == std::vector<std::string>{"*"});
    CHECK(api.cors->allow_methods.empty());
}

TEST_CASE("ApiId names an AWS::Serverless::HttpApi with its StageName and CorsConfiguration, "
          "Globals.HttpApi gives the implicit one its CORS") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Named:
          Type: HttpApi
          Properties:
            ApiId:
              Ref: Http
            Path: /a
            Method: GET
        Implicit:
          Type: HttpApi
          Properties: {Path: /b, Method: GET}
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: beta
      CorsConfiguration:
        AllowOrigins: [https://a.example, https://b.example]
        AllowMethods: [GET]
        ExposeHeaders: [X-Trace]
        MaxAge: 300
)",
                                             R"(Globals:
  HttpApi:
    CorsConfiguration: true
)"));
    REQUIRE(project.apis.size() == 2);
    const ApiConfig& named = project.apis[0];
    CHECK(named.logical_id == "Http");
    CHECK(named.api.stages == std::vector<std::string>{"beta"});
    REQUIRE(named.cors.has_value());
    CHECK(named.cors->allow_origins ==
          std::vector<std::string>{"https://a.example", "https://b.example"});
    CHECK(named.cors->allow_methods == std::vector<std::string>{"GET"});
    CHECK(named.cors->expose_headers == std::vector<std::string>{"X-Trace"});
    CHECK(named.cors->max_age == 300);
    const ApiConfig& implicit = project.apis[1];
    CHECK(implicit.logical_id == "ServerlessHttpApi");
    CHECK(implicit.api.stages == std::vector<std::string>{"$default"});
    REQUIRE(implicit.cors.has_value());
    CHECK(implicit.cors->allow_origins == std::vector<std::string>{"*"});
}

TEST_CASE("Schedule and ScheduleV2 events are the function's schedules") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Name: nightly-rule
            Enabled: false
            Input: '{"job": "nightly"}'
        Often:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
        V2:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: at(2030-01-01T00:00:00)
            State: DISABLED
        Queue:
          Type: SQS
          Properties: {Queue: arn}
)"));
    const FunctionConfig& function = project.functions.at(0);
    REQUIRE(function.schedules.size() == 3);
    CHECK(function.schedules[0].name == "nightly-rule");
    CHECK(function.schedules[0].expression == "cron(0 3 * * ? *)");
    CHECK_FALSE(function.schedules[0].enabled);
    CHECK(function.schedules[0].input == R"({"job": "nightly"})");
    CHECK(function.schedules[1].name == "Often");
    CHECK(function.schedules[1].enabled);
    CHECK_FALSE(function.schedules[1].input.has_value());
    CHECK(function.schedules[2].name == "V2");
    CHECK(function.schedules[2].expression == "at(2030-01-01T00:00:00)");
    CHECK_FALSE(function.schedules[2].enabled);
    CHECK(project.apis.empty());
}

TEST_CASE("errors name the file, the line and what is wrong") {
    SUBCASE("a Timeout that is not a number of seconds") {
        CHECK(load_error(one_function("      Timeout: abc\n")) ==
              "template.yaml:6: Timeout must be a number of seconds from 1 to 900, not 'abc'");
        CHECK(load_error(one_function("      Timeout: 901\n")) ==
              "template.yaml:6: Timeout must be a number of seconds from 1 to 900, not '901'");
    }
    SUBCASE("a MemorySize or EphemeralStorage outside Lambda's limits") {
        CHECK(load_error(one_function("      MemorySize: 64\n")) ==
              "template.yaml:6: MemorySize must be a whole number of MB from 128 to 10240, not "
              "'64'");
        CHECK(load_error(one_function("      EphemeralStorage:\n        Size: 100\n")) ==
              "template.yaml:7: EphemeralStorage.Size must be a whole number of MB from 512 to "
              "10240, not '100'");
    }
    SUBCASE("a Handler that names no library") {
        CHECK(load_error(R"(Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
)") == "template.yaml:5: Handler 'index.handler' names no library (write "
       "'libhandler.so:handle')");
        CHECK(load_error(R"(Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:bad-name
)") == "template.yaml:5: Handler 'libfn.so:bad-name': 'bad-name' is not a symbol name "
       "(letters, digits and '_')");
        CHECK(load_error("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n") ==
              "template.yaml:2: function 'Fn' has no Handler");
    }
    SUBCASE("broken YAML") {
        CHECK(load_error("Resources:\n  Fn:\n    Type: [a, b\n  Other: x\n") ==
              "template.yaml:4: end of sequence flow not found");
    }
    SUBCASE("a route the route table refuses, at the line of its event") {
        CHECK(load_error(one_function(R"(      Events:
        A:
          Type: Api
          Properties:
            Path: /a/{proxy+}/b
            Method: GET
)")) == "template.yaml:7: route 'GET /a/{proxy+}/b' in REST API 'ServerlessRestApi': the "
        "greedy parameter '{proxy+}' must be the last segment");
        CHECK(load_error(one_function(R"(      Events:
        A:
          Type: HttpApi
          Properties: {Path: /a, Method: get}
        B:
          Type: HttpApi
          Properties: {Path: /a, Method: GET}
)")) == "template.yaml:10: route 'GET /a' in HTTP API 'ServerlessHttpApi': conflicts with "
        "route 'GET /a'");
    }
    SUBCASE("an event that names no API of the template, or lacks Path") {
        CHECK(load_error(one_function(R"(      Events:
        A:
          Type: Api
          Properties: {Path: /a, Method: GET, RestApiId: !Ref Missing}
)")) == "template.yaml:9: RestApiId must be !Ref of an AWS::Serverless::Api resource of this "
        "template");
        CHECK(load_error(one_function(R"(      Events:
        A:
          Type: Api
          Properties: {Method: GET}
)")) == "template.yaml:7: event 'A' needs both Path and Method");
        CHECK(load_error(one_function(R"(      Events:
        A:
          Type: HttpApi
          Properties: {Path: /a, Method: GET, PayloadFormatVersion: '3.0'}
)")) == "template.yaml:9: PayloadFormatVersion must be '1.0' or '2.0', not '3.0'");
    }
    SUBCASE("a TimeoutInMillis that is not a whole number of milliseconds API Gateway accepts") {
        auto timeout_error = [](const std::string& type, const std::string& value) {
            return load_error(one_function("      Events:\n        A:\n          Type: " + type +
                                           "\n          Properties:\n            Path: /a\n"
                                           "            Method: GET\n"
                                           "            TimeoutInMillis: " +
                                           value + "\n"));
        };
        CHECK(timeout_error("Api", "29001") ==
              "template.yaml:12: TimeoutInMillis must be a whole number of milliseconds from 50 "
              "to 29000 for a REST API, not '29001'");
        CHECK(timeout_error("Api", "49") ==
              "template.yaml:12: TimeoutInMillis must be a whole number of milliseconds from 50 "
              "to 29000 for a REST API, not '49'");
        CHECK(timeout_error("HttpApi", "30001") ==
              "template.yaml:12: TimeoutInMillis must be a whole number of milliseconds from 50 "
              "to 30000 for an HTTP API, not '30001'");
        CHECK(timeout_error("HttpApi", "soon") ==
              "template.yaml:12: TimeoutInMillis must be a whole number of milliseconds from 50 "
              "to 30000 for an HTTP API, not 'soon'");
        CHECK(timeout_error("Api", "1.5") ==
              "template.yaml:12: TimeoutInMillis must be a whole number of milliseconds from 50 "
              "to 29000 for a REST API, not '1.5'");
    }
    SUBCASE("an invalid function name and a reserved variable") {
        CHECK(load_error(one_function("      FunctionName: has space\n")) ==
              "template.yaml:6: function name 'has space' may only contain letters, digits, '-' "
              "and '_'");
        CHECK(load_error(one_function(
                  "      Environment:\n        Variables:\n          AWS_REGION: x\n")) ==
              "template.yaml:8: environment variable AWS_REGION is reserved by Lambda and "
              "cannot be set by a function");
    }
    SUBCASE("a CodeUri in S3, and no Resources") {
        CHECK(load_error(one_function("      CodeUri: s3://bucket/code.zip\n")) ==
              "template.yaml:6: CodeUri must be a local directory (lambda-local does not read S3 "
              "locations)");
        CHECK(load_error("AWSTemplateFormatVersion: '2010-09-09'\n") ==
              "template.yaml: the template has no Resources");
    }
    SUBCASE("a schedule expression and Input that are not what EventBridge takes") {
        CHECK(load_error(one_function(R"(      Events:
        S:
          Type: Schedule
          Properties: {Schedule: every day}
)")) == "template.yaml:9: Schedule must be 'rate(...)' or 'cron(...)', not 'every day'");
        CHECK(load_error(one_function(R"(      Events:
        S:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            Input: '{oops'
)"))
                  .starts_with("template.yaml:11: Input is not valid JSON: line 1, column 2"));
    }
}

TEST_CASE(
    "provided.al2023 with a bootstrap in its CodeUri and no .so handler is a custom runtime") {
    ConfigDir dir;
    dir.write("app/bootstrap", "#!/bin/sh\n");
    Project project = load(dir, R"(Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: app
      Handler: my.handler
      Runtime: provided.al2023
)");
    REQUIRE(project.functions.size() == 1);
    const FunctionSpec& spec = project.functions[0].spec;
    CHECK(spec.bootstrap == dir.path() + "/app/bootstrap");
    CHECK(spec.library.empty());
    CHECK(spec.handler == "my.handler");
    CHECK(spec.code_dir == dir.path() + "/app");
}

TEST_CASE("LoggingConfig comes from the function and Globals, key by key") {
    ConfigDir dir;
    Project project = load(dir, R"(Globals:
  Function:
    LoggingConfig:
      LogFormat: JSON
      SystemLogLevel: WARN
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
      LoggingConfig:
        ApplicationLogLevel: debug
        LogGroup: /custom/group
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
)");
    const LoggingConfig& fn = function_named(project, "Fn").spec.logging;
    CHECK(fn.format == LogFormat::Json);
    CHECK(fn.application_level == LogLevel::Debug);
    CHECK(fn.system_level == LogLevel::Warn);
    const LoggingConfig& plain = function_named(project, "Plain").spec.logging;
    CHECK(plain.format == LogFormat::Json);
    CHECK(plain.application_level == LogLevel::Info);

    Project defaults = load(dir, one_function(""));
    CHECK(defaults.functions[0].spec.logging == LoggingConfig{});
}

TEST_CASE("a LoggingConfig Lambda would refuse is an error at its line") {
    CHECK(load_error(one_function("      LoggingConfig:\n        LogFormat: XML\n")) ==
          "template.yaml:7: LogFormat must be Text or JSON, not 'XML'");
    CHECK(load_error(one_function("      LoggingConfig:\n        LogFormat: JSON\n"
                                  "        ApplicationLogLevel: VERBOSE\n")) ==
          "template.yaml:8: ApplicationLogLevel must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL, "
          "not 'VERBOSE'");
    CHECK(load_error(one_function("      LoggingConfig:\n        LogFormat: JSON\n"
                                  "        SystemLogLevel: ERROR\n")) ==
          "template.yaml:8: SystemLogLevel must be DEBUG, INFO or WARN, not 'ERROR'");
    CHECK(load_error(one_function("      LoggingConfig:\n        ApplicationLogLevel: DEBUG\n")) ==
          "template.yaml:7: ApplicationLogLevel needs LogFormat: JSON (Lambda refuses log levels "
          "with the Text format)");
}

// Function URLs -----------------------------------------------------------------------------

TEST_CASE("FunctionUrlConfig gives a function a URL: AuthType, Cors and InvokeMode, also from "
          "Globals") {
    ConfigDir dir;
    Project project = load(dir, R"(Globals:
  Function:
    FunctionUrlConfig:
      AuthType: NONE
Resources:
  Open:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
  Signed:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
      FunctionUrlConfig:
        AuthType: AWS_IAM
        InvokeMode: RESPONSE_STREAM
        Cors:
          AllowOrigins: [https://app.example]
          AllowMethods: [GET, POST]
          AllowHeaders: [x-custom]
          ExposeHeaders: [x-request-id]
          MaxAge: 300
          AllowCredentials: true
)");
    REQUIRE(project.function_urls.size() == 2);
    const FunctionUrlConfig& open = project.function_urls[0];
    CHECK(open.function_name == "Open");
    CHECK(open.auth == FunctionUrlConfig::AuthType::None);
    CHECK_FALSE(open.cors.has_value());
    CHECK_FALSE(open.response_stream);
    const FunctionUrlConfig& is_signed = project.function_urls[1];
    CHECK(is_signed.function_name == "Signed");
    CHECK(is_signed.auth == FunctionUrlConfig::AuthType::AwsIam);
    CHECK(is_signed.response_stream);
    REQUIRE(is_signed.cors.has_value());
    CHECK(is_signed.cors->allow_origins == std::vector<std::string>{"https://app.example"});
    CHECK(is_signed.cors->allow_methods == std::vector<std::string>{"GET", "POST"});
    CHECK(is_signed.cors->allow_headers == std::vector<std::string>{"x-custom"});
    CHECK(is_signed.cors->expose_headers == std::vector<std::string>{"x-request-id"});
    CHECK(is_signed.cors->max_age == 300);
    CHECK(is_signed.cors->allow_credentials);
}

TEST_CASE("an AWS::Lambda::Url resource gives the function it targets a URL") {
    ConfigDir dir;
    Project project = load(dir, one_function("", "") + R"(  ByRef:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so:handle
  FnUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Fn.Arn
      AuthType: NONE
      Cors: {AllowOrigins: ['*']}
  ByRefUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !Ref ByRef
      AuthType: AWS_IAM
)");
    REQUIRE(project.function_urls.size() == 2);
    CHECK(project.function_urls[0].function_name == "Fn");
    REQUIRE(project.function_urls[0].cors.has_value());
    CHECK(project.function_urls[0].cors->allow_origins == std::vector<std::string>{"*"});
    CHECK(project.function_urls[1].function_name == "ByRef");
    CHECK(project.function_urls[1].auth == FunctionUrlConfig::AuthType::AwsIam);
}

TEST_CASE("a function URL's configuration errors name the line") {
    CHECK(load_error(one_function("      FunctionUrlConfig:\n        AuthType: OPEN\n")) ==
          "template.yaml:7: AuthType must be NONE or AWS_IAM, not 'OPEN'");
    CHECK(load_error(one_function("      FunctionUrlConfig:\n        AuthType: NONE\n"
                                  "        InvokeMode: FAST\n")) ==
          "template.yaml:8: InvokeMode must be BUFFERED or RESPONSE_STREAM, not 'FAST'");
    CHECK(load_error(one_function("      FunctionUrlConfig: {}\n")) ==
          "template.yaml:6: a function URL needs a AuthType");
    CHECK(load_error(one_function("", "") + "  U:\n    Type: AWS::Lambda::Url\n"
                                            "    Properties:\n      TargetFunctionArn: !Ref Nope\n"
                                            "      AuthType: NONE\n") ==
          "template.yaml:9: TargetFunctionArn of AWS::Lambda::Url 'U' names no function of the "
          "template");
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config::sam_template_tests
