// Tests of projects: choosing the loader, finding the file and the function, parameter
// overrides, the route table text, and the shipped sample projects.
#include "runtime/config/project.hpp"

#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

namespace lambda_local::runtime::config {
namespace {

using testing::ConfigDir;
using testing::error_of;

constexpr const char* k_sam = R"(Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhello.so
)";

constexpr const char* k_serverless = R"(service: shop
functions:
  hello:
    handler: libhello.so
)";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// The route of `api` with this route key.
const gateway::Route* route(const ApiConfig& api, const std::string& key) {
    for (const gateway::Route& candidate : api.api.routes) {
        if (gateway::route_key(candidate) == key) {
            return &candidate;
        }
    }
    return nullptr;
}

} // namespace

TEST_SUITE_BEGIN("runtime::config::Project");

TEST_CASE("load_project reads a SAM template or a serverless.yml by its contents") {
    ConfigDir dir;
    Project sam = load_project(dir.write("whatever.yml", k_sam));
    REQUIRE(sam.functions.size() == 1);
    CHECK(sam.functions[0].spec.name == "HelloFunction");
    Project serverless = load_project(dir.write("other.yaml", k_serverless));
    REQUIRE(serverless.functions.size() == 1);
    CHECK(serverless.functions[0].spec.name == "shop-dev-hello");

    std::string neither = dir.write("x.yaml", "name: something\n");
    CHECK(error_of([&] { load_project(neither); }) ==
          neither + ": neither a SAM template (AWSTemplateFormatVersion, Transform, Resources) "
                    "nor a serverless.yml (service, provider, functions)");
    std::string missing = dir.path() + "/missing.yaml";
    CHECK(error_of([&] { load_project(missing); }) ==
          missing + ": cannot open: No such file or directory");
    std::string empty = dir.write("empty.yaml", "\n");
    CHECK(error_of([&] { load_project(empty); }) == empty + ": the file is empty");
}

TEST_CASE("find_project_file prefers template.yaml, template.yml, serverless.yml, "
          "serverless.yaml") {
    ConfigDir dir;
    CHECK(find_project_file(dir.path()).empty());
    dir.write("serverless.yaml", k_serverless);
    CHECK(find_project_file(dir.path()) == dir.path() + "/serverless.yaml");
    dir.write("serverless.yml", k_serverless);
    CHECK(find_project_file(dir.path()) == dir.path() + "/serverless.yml");
    dir.write("template.yml", k_sam);
    CHECK(find_project_file(dir.path()) == dir.path() + "/template.yml");
    dir.write("template.yaml", k_sam);
    CHECK(find_project_file(dir.path()) == dir.path() + "/template.yaml");
}

TEST_CASE("select_function takes the only function, or the one named, otherwise the error "
          "lists the functions") {
    ConfigDir dir;
    Project one = load_project(dir.write("one.yaml", k_sam));
    CHECK(&select_function(one, "") == &one.functions[0]);
    CHECK(&select_function(one, "HelloFunction") == &one.functions[0]);

    std::string path = dir.write("two.yaml", std::string(k_sam) + R"(  Other:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: other-name
      Handler: libother.so
)");
    Project two = load_project(path);
    CHECK(&select_function(two, "other-name") == &two.functions[1]);
    CHECK(&select_function(two, "Other") == &two.functions[1]);
    CHECK(error_of([&] { select_function(two, ""); }) ==
          path + " defines several functions; name one of: HelloFunction, Other (other-name)");
    CHECK(error_of([&] { select_function(two, "Nope"); }) ==
          path + " has no function 'Nope'; its functions: HelloFunction, Other (other-name)");
    Project none;
    CHECK(error_of([&] { select_function(none, ""); }) == "the project defines no function");
}

TEST_CASE("parse_parameter_overrides reads SAM's two shapes and quoted values") {
    std::map<std::string, std::string> expected = {
        {"Stage", "prod"}, {"Greeting", "hello world"}, {"Empty", ""}, {"Url", "a=b"}};
    CHECK(parse_parameter_overrides("Stage=prod Greeting='hello world'  Empty= Url=\"a=b\"") ==
          expected);
    std::map<std::string, std::string> long_form = {{"Stage", "prod"}, {"Size", "3"}};
    CHECK(parse_parameter_overrides(
              "ParameterKey=Stage,ParameterValue=prod ParameterKey=Size,ParameterValue=3") ==
          long_form);
    CHECK(parse_parameter_overrides("").empty());
    CHECK(error_of([] { parse_parameter_overrides("Stage"); }) ==
          "--parameter-overrides: 'Stage' is not Key=Value");
    CHECK(error_of([] { parse_parameter_overrides("A='open"); }) ==
          "--parameter-overrides: a quote is not closed in 'A='open'");
}

TEST_CASE("format_routes prints one aligned line per route and schedule, REST paths with "
          "their stage") {
    Project project;
    ApiConfig rest;
    rest.logical_id = "ServerlessRestApi";
    rest.api.type = gateway::ApiType::Rest;
    rest.api.stages = {"Prod"};
    rest.api.routes = {{gateway::ApiType::Rest, "", "hello", "GET", "/hello", std::nullopt},
                       {gateway::ApiType::Rest, "", "proxy", "ANY", "/{proxy+}", std::nullopt},
                       {gateway::ApiType::Rest, "", "root", "GET", "/", std::nullopt}};
    ApiConfig http;
    http.logical_id = "ServerlessHttpApi";
    http.api.type = gateway::ApiType::Http;
    http.api.stages = {"$default"};
    http.api.routes = {
        {gateway::ApiType::Http, "", "items", "GET", "/items/{id}", gateway::PayloadFormat::V1},
        {gateway::ApiType::Http, "", "catch", "ANY", "$default", std::nullopt}};
    project.apis = {rest, http};
    FunctionConfig nightly;
    nightly.spec.name = "nightly";
    nightly.schedules = {{"NightlyRule", "rate(5 minutes)", false, std::nullopt}};
    project.functions = {nightly};

    std::vector<std::string> lines = lines_of(format_routes(project));
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] ==
          "GET       /Prod/hello      -> hello    (REST API ServerlessRestApi, stage Prod, "
          "payload 1.0)");
    CHECK(lines[1].starts_with("ANY       /Prod/{proxy+}   -> proxy    (REST API"));
    CHECK(lines[2].starts_with("GET       /Prod/           -> root     (REST API"));
    CHECK(lines[3] == "GET       /items/{id}      -> items    (HTTP API ServerlessHttpApi, "
                      "stage $default, payload 1.0)");
    CHECK(lines[4] == "ANY       $default         -> catch    (HTTP API ServerlessHttpApi, "
                      "stage $default, payload 2.0)");
    CHECK(lines[5] == "SCHEDULE  rate(5 minutes)  -> nightly  (rule NightlyRule, disabled)");
    CHECK(format_routes(Project{}) == "no routes or schedules\n");
}

TEST_CASE("the sample template serves the built sample libraries on both API types") {
    const std::string path = std::string(LL_SAMPLES_DIR) + "/template.yaml";
    Project project = load_project(path);
    REQUIRE(project.functions.size() == 4);
    for (const FunctionConfig& function : project.functions) {
        INFO(function.spec.library);
        CHECK(std::filesystem::is_regular_file(function.spec.library));
        CHECK(function.spec.code_dir == LL_SAMPLES_DIR);
    }
    const FunctionConfig* echo = project.find_function("EchoFunction");
    REQUIRE(echo != nullptr);
    CHECK(echo->spec.name == "echo-dev");
    CHECK(echo->spec.timeout_s == 10);
    REQUIRE(project.find_function("HelloFunction") != nullptr);
    CHECK(project.find_function("HelloFunction")->spec.handler == "handle");
    CHECK(project.find_function("HelloFunction")->reserved_concurrency == 2);
    const auto& schedules = project.find_function("HelloFunction")->schedules;
    REQUIRE(schedules.size() == 1);
    CHECK_FALSE(schedules[0].enabled);

    REQUIRE(project.apis.size() == 2);
    const ApiConfig& rest = project.apis[0];
    CHECK(rest.logical_id == "ServerlessRestApi");
    CHECK(route(rest, "ANY /{proxy+}") != nullptr);
    CHECK(route(rest, "GET /items/{id}") != nullptr);
    CHECK(rest.binary_media_types ==
          std::vector<std::string>{"image/png", "application/octet-stream"});
    const ApiConfig& http = project.apis[1];
    CHECK(route(http, "$default") != nullptr);
    REQUIRE(route(http, "GET /env") != nullptr);
    CHECK(route(http, "GET /env")->payload_format == gateway::PayloadFormat::V1);

    ProjectOptions prod;
    prod.parameter_overrides["Stage"] = "prod";
    CHECK(load_project(path, prod).find_function("EchoFunction")->spec.name == "echo-prod");
}

TEST_CASE("the sample serverless.yml serves the same libraries, at --stage") {
    ProjectOptions options;
    options.opt["stage"] = "prod";
    Project project = load_project(std::string(LL_SAMPLES_DIR) + "/serverless.yml", options);
    REQUIRE(project.functions.size() == 4);
    for (const FunctionConfig& function : project.functions) {
        INFO(function.spec.library);
        CHECK(std::filesystem::is_regular_file(function.spec.library));
    }
    const FunctionConfig* env = project.find_function("env");
    REQUIRE(env != nullptr);
    CHECK(env->spec.name == "lambda-local-samples-prod-env");
    EnvVars expected = {{"STAGE", "prod"}, {"GREETING", "hello"}};
    CHECK(env->spec.environment == expected);
    REQUIRE(project.apis.size() == 2);
    CHECK(project.apis[0].api.stages == std::vector<std::string>{"prod"});
    CHECK(route(project.apis[0], "ANY /{proxy+}") != nullptr);
    CHECK(route(project.apis[1], "$default") != nullptr);
    CHECK(project.find_function("hello")->schedules.at(0).input == R"({"job":"nightly"})");
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config
