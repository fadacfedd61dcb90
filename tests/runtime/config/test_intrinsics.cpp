// Tests of the intrinsic functions, parameters and conditions of SAM templates.
#include "runtime/config/intrinsics.hpp"

#include "runtime/config/api_builder.hpp"
#include "tests/runtime/config/support.hpp"

#include <doctest/doctest.h>

namespace lambda_local::runtime::config {
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

TEST_SUITE_BEGIN("runtime::config::Intrinsics");

TEST_CASE("parameters take their Default or the value of parameter_overrides") {
    std::string text = one_function(R"(      Timeout: !Ref Seconds
      Environment:
        Variables:
          STAGE: !Ref Stage
          ZONES: !Join [",", !Ref Zones]
)",
                                    R"(Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Seconds:
    Type: Number
    Default: 30
  Zones:
    Type: CommaDelimitedList
    Default: a,b
)");
    ConfigDir dir;
    Project defaults = load(dir, text);
    CHECK(variable(defaults.functions[0], "STAGE") == "dev");
    CHECK(variable(defaults.functions[0], "ZONES") == "a,b");
    CHECK(defaults.functions[0].spec.timeout_s == 30);

    ProjectOptions options;
    options.parameter_overrides = {{"Stage", "prod"}, {"Seconds", "12"}, {"Zones", "x,y,z"}};
    Project given = load(dir, text, options);
    CHECK(variable(given.functions[0], "STAGE") == "prod");
    CHECK(variable(given.functions[0], "ZONES") == "x,y,z");
    CHECK(given.functions[0].spec.timeout_s == 12);

    options.parameter_overrides = {{"Stage", "qa"}};
    CHECK(load_error(text, options) ==
          "template.yaml:2: parameter 'Stage' is 'qa', not one of its AllowedValues (dev, prod)");
    options.parameter_overrides = {{"Nope", "1"}};
    CHECK(load_error(text, options)
              .ends_with(
                  "template.yaml has no parameter 'Nope' (its parameters: Seconds, Stage, Zones)"));
}

TEST_CASE("Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap and "
          "Fn::Base64 resolve, in short and long forms") {
    ConfigDir dir;
    ProjectOptions options;
    options.opt["region"] = "eu-west-1";
    Project project = load(dir, R"(Parameters:
  Name:
    Type: String
    Default: app
Mappings:
  Sizes:
    dev: {memory: 256}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub ${Name}-${AWS::Region}
      Handler: libfn.so
      MemorySize: !FindInMap [Sizes, dev, memory]
      Environment:
        Variables:
          REGION: !Ref AWS::Region
          ACCOUNT: {Ref: AWS::AccountId}
          STACK: !Ref AWS::StackName
          PARTITION: !Ref AWS::Partition
          SUFFIX: !Ref AWS::URLSuffix
          SELF: !Ref Other
          TABLE: !Ref Table
          API: !Ref Api
          SUB_LIST: !Sub ['${Greeting}, ${Name}! ${!Literal}', {Greeting: Hello}]
          SUB_LONG:
            Fn::Sub: arn:${AWS::Partition}:s3:::${Name}-bucket
          SUB_ATT: !Sub '${Other.Arn}'
          ARN: !GetAtt Other.Arn
          ARN_LONG:
            Fn::GetAtt: [Other, Arn]
          JOINED: !Join ['-', [a, !Ref Name, c]]
          SELECTED: !Select [1, [x, y, z]]
          SPLIT: !Select [2, !Split [',', 'p,q,r']]
          ENCODED: !Base64 hi
  Other:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: other-fn
      Handler: libother.so
  Table:
    Type: AWS::DynamoDB::Table
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
)",
                           options);
    const FunctionConfig& function = function_named(project, "app-eu-west-1");
    CHECK(function.spec.region == "eu-west-1");
    CHECK(function.spec.memory_mb == 256);
    CHECK(variable(function, "REGION") == "eu-west-1");
    CHECK(variable(function, "ACCOUNT") == "123456789012");
    CHECK(variable(function, "STACK") == "local");
    CHECK(variable(function, "PARTITION") == "aws");
    CHECK(variable(function, "SUFFIX") == "amazonaws.com");
    CHECK(variable(function, "SELF") == "other-fn");
    CHECK(variable(function, "TABLE") == "Table");
    CHECK(variable(function, "API") == api_id("Api"));
    CHECK(variable(function, "SUB_LIST") == "Hello, app! ${Literal}");
    CHECK(variable(function, "SUB_LONG") == "arn:aws:s3:::app-bucket");
    CHECK(variable(function, "SUB_ATT") ==
          "arn:aws:lambda:eu-west-1:123456789012:function:other-fn");
    CHECK(variable(function, "ARN") == "arn:aws:lambda:eu-west-1:123456789012:function:other-fn");
    CHECK(variable(function, "ARN_LONG") == variable(function, "ARN"));
    CHECK(variable(function, "JOINED") == "a-app-c");
    CHECK(variable(function, "SELECTED") == "y");
    CHECK(variable(function, "SPLIT") == "r");
    CHECK(variable(function, "ENCODED") == "aGk=");
}

TEST_CASE("Fn::If decides by Conditions, AWS::NoValue removes a property, a resource whose "
          "Condition is false is left out") {
    std::string text = R"(Parameters:
  Env:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [Condition: IsProd]
  Both: !And [!Condition IsDev, !Or [!Equals [a, a], !Equals [a, b]]]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libfn.so
      MemorySize: !If [IsProd, 1024, !Ref AWS::NoValue]
      Environment:
        Variables:
          MODE: !If [IsProd, production, development]
          BOTH: !If [Both, 'yes', 'no']
          GONE: !If [IsProd, here, !Ref AWS::NoValue]
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      Handler: libprod.so
)";
    ConfigDir dir;
    Project dev = load(dir, text);
    REQUIRE(dev.functions.size() == 1);
    CHECK(dev.functions[0].spec.memory_mb == 128);
    EnvVars expected = {{"MODE", "development"}, {"BOTH", "yes"}};
    CHECK(dev.functions[0].spec.environment == expected);

    ProjectOptions options;
    options.parameter_overrides = {{"Env", "prod"}};
    Project prod = load(dir, text, options);
    REQUIRE(prod.functions.size() == 2);
    CHECK(prod.functions[0].spec.memory_mb == 1024);
    CHECK(variable(prod.functions[0], "MODE") == "production");
    CHECK(variable(prod.functions[0], "BOTH") == "no");
    CHECK(variable(prod.functions[0], "GONE") == "here");
}

TEST_CASE("properties lambda-local does not read may hold any intrinsic") {
    ConfigDir dir;
    Project project = load(dir, one_function(R"(      Role: !GetAtt Role.Arn
      Policies:
        - !ImportValue shared-policy
      Architectures: [!GetAZs '']
)"));
    CHECK(project.functions.size() == 1);
}

TEST_CASE("intrinsics that do not resolve locally are errors at their line") {
    CHECK(load_error(one_function(
              "      Environment:\n        Variables:\n          T: !GetAtt Table.Arn\n"
              "  Table:\n    Type: AWS::DynamoDB::Table\n")) ==
          "template.yaml:8: Fn::GetAtt 'Table.Arn' cannot be resolved locally (lambda-local "
          "knows the Arn of an AWS::Serverless::Function only)");
    CHECK(load_error(one_function("      Timeout: !ImportValue shared-timeout\n")) ==
          "template.yaml:6: Fn::ImportValue is not supported by lambda-local");
    CHECK(load_error(one_function("      Timeout: !Whatever 3\n")) ==
          "template.yaml:6: unknown tag '!Whatever'");
    CHECK(load_error(one_function("      Timeout: !Ref Nothing\n")) ==
          "template.yaml:6: Ref 'Nothing' names no parameter or resource of the template");
    CHECK(load_error(one_function("      Timeout: !Ref Seconds\n",
                                  "Parameters:\n  Seconds:\n    Type: Number\n")) ==
          "template.yaml:9: parameter 'Seconds' has no Default and no value in "
          "--parameter-overrides");
    CHECK(load_error(one_function("      Timeout: !If [Nope, 1, 2]\n")) ==
          "template.yaml:6: no condition 'Nope' in Conditions");
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::config
