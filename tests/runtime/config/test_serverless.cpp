// Tests of serverless.yml: provider defaults, functions, events, variables, errors.
#include "runtime/config/serverless.hpp"

#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::config::serverless_tests {
namespace {

using testing::api_named;
using testing::ConfigDir;
using testing::variable;

Project load_file(const std::string& path, const ProjectOptions& options) {
    return load_serverless(path, options);
}

// Loads `text` as <dir>/serverless.yml.
Project load(const ConfigDir& dir, const std::string& text, const ProjectOptions& options = {}) {
    return testing::load_text(dir, "serverless.yml", text, load_file, options);
}

// The error of loading `text` as serverless.yml: "serverless.yml:3: ...".
std::string load_error(const std::string& text, const ProjectOptions& options = {}) {
    return testing::load_text_error("serverless.yml", text, load_file, options);
}

// A service with one function `fn` whose body is `body` (indented by 4).
std::string one_function(const std::string& body, const std::string& provider = "") {
    return "service: shop\n"
           "provider:\n"
           "  name: aws\n" +
           provider +
           "functions:\n"
           "  fn:\n"
           "    handler: libfn.so:handle\n" +
           body;
}

// Sets an environment variable for the life of a test.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : m_name(name) { ::setenv(name, value, 1); }
    ~ScopedEnv() { ::unsetenv(m_name); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* m_name;
};

} // namespace

TEST_SUITE_BEGIN("runtime::config::Serverless");

TEST_CASE("a function takes Serverless's defaults: its name from service, stage and key, a "
          "6 s timeout and 1024 MB") {
    ConfigDir dir;
    Project project = load(dir, one_function(""));
    REQUIRE(project.functions.size() == 1);
    const FunctionConfig& function = project.functions[0];
    CHECK(function.logical_id == "fn");
    CHECK(function.spec.name == "shop-dev-fn");
    CHECK(function.spec.library == dir.path() + "/libfn.so");
    CHECK(function.spec.handler == "handle");
    CHECK(function.spec.code_dir == dir.path());
    CHECK(function.spec.timeout_s == 6);
    CHECK(function.spec.memory_mb == 1024);
    CHECK(function.spec.tmp_mb == 512);
    CHECK(function.spec.region == "us-east-1");
    CHECK_FALSE(function.reserved_concurrency.has_value());
    CHECK(project.find_function("fn") == &function);
    CHECK(project.find_function("shop-dev-fn") == &function);
}

TEST_CASE("provider settings apply to every function, and a function's own win") {
    ConfigDir dir;
    Project project = load(dir, R"(service:
  name: shop
provider:
  name: aws
  stage: test
  region: eu-central-1
  timeout: 20
  memorySize: 256
  environment:
    SHARED: provider
    LEVEL: provider
functions:
  first:
    handler: build/libfirst.so:run
    name: the-first
    timeout: 30
    memorySize: 2048
    ephemeralStorageSize: 1024
    reservedConcurrency: 3
    maximumRetryAttempts: 1
    maximumEventAge: 3600
    environment:
      LEVEL: own
  second:
    handler: libsecond.so
)");
    REQUIRE(project.functions.size() == 2);
    const FunctionConfig& first = project.functions[0];
    CHECK(first.spec.name == "the-first");
    CHECK(first.spec.library == dir.path() + "/build/libfirst.so");
    CHECK(first.spec.handler == "run");
    CHECK(first.spec.code_dir == dir.path());
    CHECK(first.spec.timeout_s == 30);
    CHECK(first.spec.memory_mb == 2048);
    CHECK(first.spec.tmp_mb == 1024);
    CHECK(first.spec.region == "eu-central-1");
    CHECK(first.reserved_concurrency == 3);
    CHECK(first.maximum_retry_attempts == 1);
    CHECK(first.maximum_event_age_s == 3600);
    EnvVars expected = {{"SHARED", "provider"}, {"LEVEL", "own"}};
    CHECK(first.spec.environment == expected);
    const FunctionConfig& second = project.functions[1];
    CHECK(second.spec.name == "shop-test-second");
    CHECK(second.spec.timeout_s == 20);
    CHECK(second.spec.memory_mb == 256);
    EnvVars provider_only = {{"SHARED", "provider"}, {"LEVEL", "provider"}};
    CHECK(second.spec.environment == provider_only);
}

TEST_CASE("http events are routes of the REST API, at the provider's stage, with CORS and "
          "binary media types") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(    events:
      - http: GET hello
      - http: any {proxy+}
      - http:
          path: /items/{id}/
          method: post
          cors: true
      - http:
          path: ''
          method: get
          cors:
            origins: [https://a.example]
            headers: [X-Custom]
            allowCredentials: true
            maxAge: 60
)",
                                             R"(  stage: prod
  apiGateway:
    binaryMediaTypes: [image/png, '*/*']
)"));
    const ApiConfig& api = api_named(project, "ApiGatewayRestApi");
    CHECK(api.api.type == gateway::ApiType::Rest);
    CHECK(api.api.stages == std::vector<std::string>{"prod"});
    CHECK(api.binary_media_types == std::vector<std::string>{"image/png", "*/*"});
    REQUIRE(api.api.routes.size() == 4);
    CHECK(gateway::route_key(api.api.routes[0]) == "GET /hello");
    CHECK(gateway::route_key(api.api.routes[1]) == "ANY /{proxy+}");
    CHECK(gateway::route_key(api.api.routes[2]) == "POST /items/{id}");
    CHECK(gateway::route_key(api.api.routes[3]) == "GET /");
    CHECK(api.api.routes[0].function_name == "shop-prod-fn");
    CHECK(api.api.routes[0].payload_format == gateway::PayloadFormat::V1);
    REQUIRE(api.cors.has_value());
    CHECK(api.cors->allow_origins == std::vector<std::string>{"*", "https://a.example"});
    CHECK(std::find(api.cors->allow_headers.begin(), api.cors->allow_headers.end(), "X-Api-Key") !=
          api.cors->allow_headers.end());
    CHECK(std::find(api.cors->allow_headers.begin(), api.cors->allow_headers.end(), "X-Custom") !=
          api.cors->allow_headers.end());
    CHECK(api.cors->allow_credentials);
    CHECK(api.cors->max_age == 60);
}

TEST_CASE("httpApi events are routes of the HTTP API: '*' is $default, the provider sets the "
          "payload format and CORS") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(    events:
      - httpApi: GET /hello
      - httpApi: '*'
      - httpApi:
          method: '*'
          path: /items/{id}
)",
                                             R"(  httpApi:
    payload: '1.0'
    cors:
      allowedOrigins: [https://app.example]
      allowedMethods: [GET, POST]
      exposedResponseHeaders: [X-Trace]
)"));
    REQUIRE(project.apis.size() == 1);
    const ApiConfig& api = project.apis[0];
    CHECK(api.logical_id == "HttpApi");
    CHECK(api.api.type == gateway::ApiType::Http);
    CHECK(api.api.stages == std::vector<std::string>{"$default"});
    REQUIRE(api.api.routes.size() == 3);
    CHECK(gateway::route_key(api.api.routes[0]) == "GET /hello");
    CHECK(gateway::route_key(api.api.routes[1]) == "$default");
    CHECK(gateway::route_key(api.api.routes[2]) == "ANY /items/{id}");
    for (const gateway::Route& route : api.api.routes) {
        CHECK(route.payload_format == gateway::PayloadFormat::V1);
    }
    REQUIRE(api.cors.has_value());
    CHECK(api.cors->allow_origins == std::vector<std::string>{"https://app.example"});
    CHECK(api.cors->allow_methods == std::vector<std::string>{"GET", "POST"});
    CHECK(api.cors->expose_headers == std::vector<std::string>{"X-Trace"});

    Project defaults = load(dir, one_function("    events:\n      - httpApi: GET /a\n"));
    CHECK(defaults.apis.at(0).api.routes.at(0).payload_format == gateway::PayloadFormat::V2);
    CHECK_FALSE(defaults.apis.at(0).cors.has_value());
}

TEST_CASE("schedule events: a string, or rates with enabled, input and name") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(    events:
      - schedule: rate(10 minutes)
      - schedule:
          rate:
            - cron(0 12 * * ? *)
            - rate(1 day)
          enabled: false
          input:
            job: report
            count: 3
            stage: ${sls:stage}
      - schedule:
          rate: rate(2 hours)
          name: named-rule
)"));
    const FunctionConfig& function = project.functions.at(0);
    REQUIRE(function.schedules.size() == 4);
    CHECK(function.schedules[0].name == "shop-dev-fn-schedule-1");
    CHECK(function.schedules[0].expression == "rate(10 minutes)");
    CHECK(function.schedules[0].enabled);
    CHECK_FALSE(function.schedules[0].input.has_value());
    CHECK(function.schedules[1].name == "shop-dev-fn-schedule-2");
    CHECK(function.schedules[1].expression == "cron(0 12 * * ? *)");
    CHECK_FALSE(function.schedules[1].enabled);
    CHECK(function.schedules[1].input == R"({"job":"report","count":3,"stage":"dev"})");
    CHECK(function.schedules[2].expression == "rate(1 day)");
    CHECK_FALSE(function.schedules[2].enabled);
    CHECK(function.schedules[3].name == "named-rule");
    CHECK(project.apis.empty());
}

TEST_CASE("variables: opt, env and self with defaults, sls:stage, nesting, several in one "
          "string, and whole values") {
    std::string text = R"(service: shop
custom:
  defaultStage: qa
  table: ${self:service}-${sls:stage}-items
  settings:
    MODE: fast
  seconds: 9
provider:
  name: aws
  stage: ${opt:stage, ${self:custom.defaultStage}}
  region: ${opt:region, 'eu-west-2'}
  timeout: ${self:custom.seconds}
  environment: ${self:custom.settings}
functions:
  fn:
    handler: libfn.so
    environment:
      TABLE: ${self:custom.table}
      STAGE: ${self:provider.stage}
      TOKEN: ${env:LL_TEST_TOKEN, 'none'}
      HOME_SET: ${env:LL_TEST_SET}
      COUNT: ${opt:count, 5}
      MIXED: ${sls:stage}/${aws:region}/${aws:accountId}
)";
    ScopedEnv set("LL_TEST_SET", "from-env");
    ConfigDir dir;
    Project defaults = load(dir, text);
    const FunctionConfig& fn = defaults.functions.at(0);
    CHECK(fn.spec.name == "shop-qa-fn");
    CHECK(fn.spec.region == "eu-west-2");
    CHECK(fn.spec.timeout_s == 9);
    CHECK(variable(fn, "MODE") == "fast");
    CHECK(variable(fn, "TABLE") == "shop-qa-items");
    CHECK(variable(fn, "STAGE") == "qa");
    CHECK(variable(fn, "TOKEN") == "none");
    CHECK(variable(fn, "HOME_SET") == "from-env");
    CHECK(variable(fn, "COUNT") == "5");
    CHECK(variable(fn, "MIXED") == "qa/eu-west-2/123456789012");

    ProjectOptions options;
    options.opt = {{"stage", "prod"}, {"region", "ap-south-1"}};
    ScopedEnv token("LL_TEST_TOKEN", "secret");
    Project given = load(dir, text, options);
    const FunctionConfig& prod = given.functions.at(0);
    CHECK(prod.spec.name == "shop-prod-fn");
    CHECK(prod.spec.region == "ap-south-1");
    CHECK(variable(prod, "TABLE") == "shop-prod-items");
    CHECK(variable(prod, "STAGE") == "prod");
    CHECK(variable(prod, "TOKEN") == "secret");

    options.inherit_process_environment = false;
    CHECK(testing::error_of([&] { load(dir, text, options); })
              .ends_with("serverless.yml:21: cannot resolve ${env:LL_TEST_SET}: the environment "
                         "variable LL_TEST_SET is not set, and there is no default"));
}

TEST_CASE("--stage sets the REST API's stage and the default function names") {
    ConfigDir dir;
    ProjectOptions options;
    options.opt["stage"] = "v2";
    Project project = load(dir, one_function("    events:\n      - http: GET a\n"), options);
    CHECK(project.functions.at(0).spec.name == "shop-v2-fn");
    CHECK(project.apis.at(0).api.stages == std::vector<std::string>{"v2"});
}

TEST_CASE("errors name the file, the line and what is wrong") {
    SUBCASE("a variable that resolves to nothing") {
        CHECK(load_error(one_function("    environment:\n      KEY: ${env:LL_TEST_UNSET}\n")) ==
              "serverless.yml:8: cannot resolve ${env:LL_TEST_UNSET}: the environment variable "
              "LL_TEST_UNSET is not set, and there is no default");
        CHECK(load_error(one_function("    name: ${opt:fn-name}-x\n")) ==
              "serverless.yml:7: cannot resolve ${opt:fn-name}: the option --fn-name was not "
              "given, and there is no default");
        CHECK(load_error(one_function("    name: ${self:custom.missing, opt:other}\n")) ==
              "serverless.yml:7: cannot resolve ${self:custom.missing, opt:other}: "
              "the file has no custom.missing, and no fallback resolves");
        CHECK(load_error(one_function("    name: ${ssm:/my/param}\n")) ==
              "serverless.yml:7: cannot resolve ${ssm:/my/param}: the variable source 'ssm' is "
              "not supported by lambda-local, and there is no default");
        CHECK(load_error("service: ${self:custom.a}\ncustom:\n  a: ${self:custom.b}\n  b: "
                         "${self:custom.a}\nfunctions: {}\n")
                  .starts_with("serverless.yml:"));
    }
    SUBCASE("values that multiply with each reference, which would take hours") {
        // s4 is 8^4 copies of s0's 1,000 bytes; e29 resolves 2^29 empty values.
        std::string custom = "custom:\n  s0: '" + std::string(1000, 'x') + "'\n  e0: ''\n";
        for (int i = 1; i < 30; ++i) {
            const std::string s = "${self:custom.s" + std::to_string(i - 1) + "}";
            const std::string e = "${self:custom.e" + std::to_string(i - 1) + "}";
            custom += "  s" + std::to_string(i) + ": " + s + s + s + s + s + s + s + s + "\n";
            custom += "  e" + std::to_string(i) + ": " + e + e + "\n";
        }
        const std::string big =
            load_error(one_function("    environment:\n      BIG: ${self:custom.s4}\n") + custom);
        CHECK(big.starts_with("serverless.yml:"));
        CHECK(big.ends_with(": a value over 1048576 bytes once its variables are resolved"));
        const std::string many =
            load_error(one_function("    environment:\n      E: x${self:custom.e29}\n") + custom);
        CHECK(many.starts_with("serverless.yml:"));
        CHECK(many.ends_with(": more than 100000 variables to resolve (values that each refer to "
                             "another several times?)"));
    }
    SUBCASE("settings outside Lambda's limits") {
        CHECK(load_error(one_function("    timeout: 0\n")) ==
              "serverless.yml:7: timeout must be a number of seconds from 1 to 900, not '0'");
        CHECK(load_error(one_function("", "  memorySize: lots\n")) ==
              "serverless.yml:4: memorySize must be a whole number of MB from 128 to 10240, not "
              "'lots'");
        CHECK(load_error(one_function("    reservedConcurrency: -1\n")) ==
              "serverless.yml:7: reservedConcurrency must be a whole number from 0, not '-1'");
        CHECK(load_error(one_function("    maximumRetryAttempts: 5\n")) ==
              "serverless.yml:7: maximumRetryAttempts must be a whole number from 0 to 2, not "
              "'5'");
        CHECK(load_error(one_function("    maximumEventAge: 30000\n")) ==
              "serverless.yml:7: maximumEventAge must be a whole number from 60 to 21600, not "
              "'30000'");
    }
    SUBCASE("a handler that names no library") {
        CHECK(load_error("service: s\nfunctions:\n  fn:\n    handler: handler.hello\n") ==
              "serverless.yml:4: handler 'handler.hello' names no library (write "
              "'libhandler.so:handle')");
        CHECK(load_error("service: s\nfunctions:\n  fn:\n    timeout: 3\n") ==
              "serverless.yml:3: function 'fn' has no handler");
    }
    SUBCASE("events that are not what the framework takes") {
        CHECK(load_error(one_function("    events:\n      - http: hello\n")) ==
              "serverless.yml:8: an http event is 'METHOD path', not 'hello'");
        CHECK(load_error(one_function("    events:\n      - http: GET a/{proxy+}/b\n")) ==
              "serverless.yml:8: route 'GET /a/{proxy+}/b' in REST API 'ApiGatewayRestApi': the "
              "greedy parameter '{proxy+}' must be the last segment");
        CHECK(load_error(one_function("    events:\n      - schedule: daily\n")) ==
              "serverless.yml:8: schedule must be 'rate(...)' or 'cron(...)', not 'daily'");
        CHECK(load_error(one_function("    events:\n      - schedule:\n          rate: rate(1 "
                                      "hour)\n          input: {job: \xff}\n")) ==
              "serverless.yml:10: input is not valid UTF-8");
        CHECK(load_error(one_function("    events:\n      - httpApi: GET /a\n",
                                      "  httpApi:\n    payload: '3.0'\n")) ==
              "serverless.yml:5: provider.httpApi.payload must be '1.0' or '2.0', not '3.0'");
        CHECK(load_error(one_function("    events:\n      - http:\n          path: a\n"
                                      "          method: get\n          integration: lambda\n")) ==
              "serverless.yml:11: integration 'lambda' is not supported (lambda-local serves "
              "lambda-proxy)");
    }
    SUBCASE("a stage that is no stage name") {
        CHECK(load_error(one_function("    name: fn\n    events:\n      - http: GET a\n",
                                      "  stage: my.stage\n")) ==
              "serverless.yml:4: REST API 'ApiGatewayRestApi': stage 'my.stage' is not a stage "
              "name (letters, digits, '-' and '_')");
    }
    SUBCASE("broken YAML and a file without functions") {
        CHECK(load_error("service: s\nfunctions:\n  fn: {handler: x\n") ==
              "serverless.yml:4: end of map flow not found");
        CHECK(load_error("service: s\nprovider:\n  name: aws\n") == "serverless.yml: no functions");
    }
}

TEST_CASE("logs: LoggingConfig from provider.logs.lambda, the function's logs over it") {
    ConfigDir dir;
    Project project = load(dir, R"(service: shop
provider:
  name: aws
  logs:
    restApi: true
    lambda:
      logFormat: JSON
      applicationLogLevel: WARN
functions:
  quiet:
    handler: libfn.so:handle
  chatty:
    handler: libfn.so:handle
    logs:
      applicationLogLevel: TRACE
      systemLogLevel: DEBUG
)");
    const LoggingConfig& quiet = project.find_function("quiet")->spec.logging;
    CHECK(quiet.format == LogFormat::Json);
    CHECK(quiet.application_level == LogLevel::Warn);
    CHECK(quiet.system_level == LogLevel::Info);
    const LoggingConfig& chatty = project.find_function("chatty")->spec.logging;
    CHECK(chatty.format == LogFormat::Json);
    CHECK(chatty.application_level == LogLevel::Trace);
    CHECK(chatty.system_level == LogLevel::Debug);
    CHECK(load(dir, one_function("")).functions[0].spec.logging == LoggingConfig{});
}

TEST_CASE("logs: values Lambda refuses are errors at their line") {
    CHECK(load_error(one_function("    logs:\n      logFormat: yaml\n")) ==
          "serverless.yml:8: logFormat must be Text or JSON, not 'yaml'");
    CHECK(load_error(one_function("    logs:\n      systemLogLevel: WARN\n")) ==
          "serverless.yml:8: systemLogLevel needs logFormat: JSON (Lambda refuses log levels "
          "with the Text format)");
}

// Function URLs -----------------------------------------------------------------------------

TEST_CASE("url: gives a function a URL: true, or authorizer, cors and invokeMode") {
    ConfigDir dir;
    Project project = load(dir, R"(service: shop
provider:
  name: aws
functions:
  open:
    handler: libfn.so:handle
    url: true
  closed:
    handler: libfn.so:handle
    url: false
  signed:
    handler: libfn.so:handle
    url:
      authorizer: aws_iam
      invokeMode: RESPONSE_STREAM
      cors: true
  custom:
    handler: libfn.so:handle
    url:
      cors:
        allowedOrigins: [https://app.example]
        allowedMethods: [GET]
        maxAge: 60
)");
    REQUIRE(project.function_urls.size() == 3);
    CHECK(project.function_urls[0].function_name == "shop-dev-open");
    CHECK(project.function_urls[0].auth == FunctionUrlConfig::AuthType::None);
    CHECK_FALSE(project.function_urls[0].cors.has_value());
    const FunctionUrlConfig& is_signed = project.function_urls[1];
    CHECK(is_signed.function_name == "shop-dev-signed");
    CHECK(is_signed.auth == FunctionUrlConfig::AuthType::AwsIam);
    CHECK(is_signed.response_stream);
    REQUIRE(is_signed.cors.has_value());
    CHECK(is_signed.cors->allow_origins == std::vector<std::string>{"*"});
    CHECK(is_signed.cors->allow_methods == std::vector<std::string>{"*"});
    const FunctionUrlConfig& custom = project.function_urls[2];
    REQUIRE(custom.cors.has_value());
    CHECK(custom.cors->allow_origins == std::vector<std::string>{"https://app.example"});
    CHECK(custom.cors->allow_methods == std::vector<std::string>{"GET"});
    CHECK(custom.cors->max_age == 60);
}

TEST_CASE("url: errors name the line") {
    CHECK(load_error(one_function("    url:\n      authorizer: jwt\n")) ==
          "serverless.yml:8: url.authorizer must be aws_iam (or left out), not 'jwt'");
    CHECK(load_error(one_function("    url:\n      invokeMode: SLOW\n")) ==
          "serverless.yml:8: url.invokeMode must be BUFFERED or RESPONSE_STREAM, not 'SLOW'");
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config::serverless_tests
