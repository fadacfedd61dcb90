// End-to-end tests of `lambda-local invoke` on a function of a SAM template or a
// serverless.yml: by name, found in the working directory, with flags over the file's settings.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// A template of two functions of the echo sample, in the built samples directory.
std::string two_function_template() {
    return R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Globals:
  Function:
    CodeUri: )" +
           std::string(LL_SAMPLES_DIR) + R"(
    MemorySize: 256
Resources:
  EnvFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub env-${AWS::Region}
      Handler: libecho_cpp.so:env_dump
      Timeout: 20
      Environment:
        Variables:
          GREETING: !Ref Greeting
          STAGE: template
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libecho_cpp.so
)";
}

// A serverless.yml of one function of the echo sample.
std::string serverless_config() {
    return R"(service: shop
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  memorySize: 512
  environment:
    STAGE: ${sls:stage}
functions:
  env:
    handler: )" +
           std::string(LL_SAMPLES_DIR) + R"(/libecho_cpp.so:env_dump
)";
}

// The memory size of the REPORT line on stderr.
std::string report_memory_size(const ProcessResult& result) {
    const auto lines = split_lines(result.err);
    const auto report = find_line_starting(lines, "REPORT RequestId: ");
    REQUIRE_MESSAGE(report.has_value(), "no REPORT line in stderr:\n" << result.err);
    const std::string& line = lines[*report];
    const std::size_t at = line.find("Memory Size: ");
    REQUIRE(at != std::string::npos);
    return line.substr(at + 13, line.find(" MB", at) - at - 13);
}

// Runs lambda-local in `dir` (through /bin/sh, which changes directory first).
ProcessResult lambda_local_in(const std::string& dir, const std::vector<std::string>& args) {
    std::string command = "cd '" + dir + "' && exec '" + lambda_local_path() + "'";
    for (const std::string& arg : args) {
        command += " '" + arg + "'";
    }
    return run_process({"/bin/sh", "-c", command});
}

} // namespace

TEST_SUITE_BEGIN("e2e::invoke_template");

TEST_CASE("invoke runs a template's function by name, with the template's settings") {
    TempDir dir;
    const std::string path = dir.write("template.yaml", two_function_template());
    const ProcessResult r = lambda_local({"invoke", "EnvFunction", "--template", path});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json vars = parse_json(r.out);
    CHECK(vars["AWS_LAMBDA_FUNCTION_NAME"] == "env-us-east-1");
    CHECK(vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256");
    CHECK(vars["_HANDLER"] == "libecho_cpp.so:env_dump");
    CHECK(vars["LAMBDA_TASK_ROOT"] == LL_SAMPLES_DIR);
    CHECK(vars["GREETING"] == "hello");
    CHECK(vars["STAGE"] == "template");
    CHECK(report_memory_size(r) == "256");

    // The function's Lambda name selects it as well as its logical id.
    const ProcessResult by_name = lambda_local({"invoke", "-q", "env-us-east-1", "--config", path});
    INFO(describe(by_name));
    CHECK(by_name.exit_code == 0);
    CHECK(parse_json(by_name.out)["GREETING"] == "hello");
}

TEST_CASE("flags, --parameter-overrides and --region override the template's values") {
    TempDir dir;
    const std::string path = dir.write("template.yaml", two_function_template());
    const ProcessResult r = lambda_local(
        {"invoke", "EnvFunction", "--template", path, "--parameter-overrides",
         "Greeting='hi there'", "--region", "eu-west-1", "-m", "512", "--env", "STAGE=flag"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json vars = parse_json(r.out);
    CHECK(vars["GREETING"] == "hi there");
    CHECK(vars["STAGE"] == "flag");
    CHECK(vars["AWS_REGION"] == "eu-west-1");
    CHECK(vars["AWS_LAMBDA_FUNCTION_NAME"] == "env-eu-west-1");
    CHECK(vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512");
    CHECK(report_memory_size(r) == "512");

    // The echo handler reports its remaining time: the template's 3 s default, or -t.
    const ProcessResult echo =
        lambda_local({"invoke", "-q", "EchoFunction", "--template", path, "-t", "7"});
    INFO(describe(echo));
    REQUIRE(echo.exit_code == 0);
    const json answer = parse_json(echo.out);
    CHECK(answer["function_name"] == "EchoFunction");
    CHECK(answer["remaining_time_ms"].get<long>() > 3000);
    CHECK(answer["remaining_time_ms"].get<long>() <= 7000);
}

TEST_CASE("invoke runs a serverless.yml function by its key, at --stage") {
    TempDir dir;
    const std::string path = dir.write("serverless.yml", serverless_config());
    const ProcessResult r =
        lambda_local({"invoke", "-q", "env", "--config", path, "--stage", "prod"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json vars = parse_json(r.out);
    CHECK(vars["AWS_LAMBDA_FUNCTION_NAME"] == "shop-prod-env");
    CHECK(vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512");
    CHECK(vars["STAGE"] == "prod");
}

TEST_CASE("without -l or --template, invoke finds template.yaml or serverless.yml in the "
          "working directory, a project of one function needs no name") {
    TempDir sam;
    sam.write("template.yaml", two_function_template());
    const ProcessResult r = lambda_local_in(sam.path(), {"invoke", "-q", "EnvFunction"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(parse_json(r.out)["GREETING"] == "hello");

    TempDir serverless;
    serverless.write("serverless.yml", serverless_config());
    const ProcessResult only = lambda_local_in(serverless.path(), {"invoke", "-q"});
    INFO(describe(only));
    REQUIRE(only.exit_code == 0);
    CHECK(parse_json(only.out)["AWS_LAMBDA_FUNCTION_NAME"] == "shop-dev-env");

    TempDir empty;
    const ProcessResult none = lambda_local_in(empty.path(), {"invoke", "Anything"});
    INFO(describe(none));
    CHECK(none.exit_code == 2);
    CHECK(none.err == "lambda-local: error: no template.yaml, template.yml, serverless.yml or "
                      "serverless.yaml here to find function 'Anything' in: name one with "
                      "--template FILE\n");
}

TEST_CASE("an unknown or missing function name is an error that lists the functions") {
    TempDir dir;
    const std::string path = dir.write("template.yaml", two_function_template());
    const ProcessResult unknown = lambda_local({"invoke", "Nope", "--template", path});
    INFO(describe(unknown));
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.out.empty());
    CHECK(unknown.err == "lambda-local: error: " + path +
                             " has no function 'Nope'; its functions: EnvFunction "
                             "(env-us-east-1), EchoFunction\n");

    const ProcessResult missing = lambda_local({"invoke", "--template", path});
    INFO(describe(missing));
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "lambda-local: error: " + path +
                             " defines several functions; name one of: EnvFunction "
                             "(env-us-east-1), EchoFunction\n");
}

TEST_CASE("a template error names the file and the line, and nothing runs") {
    TempDir dir;
    std::string text = two_function_template();
    text.replace(text.find("Timeout: 20"), 11, "Timeout: soon");
    const std::string path = dir.write("template.yaml", text);
    const ProcessResult r = lambda_local({"invoke", "EnvFunction", "--template", path});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err == "lambda-local: error: " + path +
                       ":17: Timeout must be a number of seconds from 1 to 900, not 'soon'\n");
    CHECK(r.out.empty());

    const ProcessResult both =
        lambda_local({"invoke", "--template", path, "-l", sample_library("libecho_cpp.so")});
    INFO(describe(both));
    CHECK(both.exit_code == 2);
    CHECK(both.err.find("--template name two different functions") != std::string::npos);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
