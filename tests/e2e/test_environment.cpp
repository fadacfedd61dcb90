// End-to-end tests of the environment variables a handler sees (AWS: "Defined runtime environment
// variables"): exactly Lambda's set, the host's credentials, the function's own variables and their
// precedence, and the options that change them.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <set>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// A small, known environment for lambda-local itself, with a variable that must not leak.
EnvList host_environment() {
    return {{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}, {"FOO_HOST", "1"}};
}

// The environment the echo sample's env_dump handler sees, run with these extra arguments
// under the host environment `env`.
json env_dump(const std::vector<std::string>& extra, const EnvList& env = host_environment()) {
    std::vector<std::string> args{"invoke", "-q",      "-l", sample_library("libecho_cpp.so"),
                                  "-H",     "env_dump"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions options;
    options.env = env;
    const ProcessResult r = lambda_local(args, options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json vars = parse_json(r.out);
    REQUIRE(vars.is_object());
    return vars;
}

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& item : object.items()) {
        keys.insert(item.key());
    }
    return keys;
}

const std::set<std::string> k_lambda_keys = {
    "_HANDLER",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_LOG_FORMAT",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "LANG",
    "PATH",
    "LD_LIBRARY_PATH",
    "TZ",
    "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_DAEMON_ADDRESS",
    "_X_AMZN_TRACE_ID",
};

std::string task_root() {
    return std::filesystem::absolute(LL_SAMPLES_DIR).lexically_normal().string();
}

} // namespace

TEST_SUITE_BEGIN("e2e::environment");

TEST_CASE("a handler sees exactly Lambda's variables, and none of the host's") {
    const std::int64_t before = epoch_ms_now();
    const json vars = env_dump({});
    const std::int64_t after = epoch_ms_now();
    CHECK(keys_of(vars) == k_lambda_keys);
    CHECK_FALSE(vars.contains("FOO_HOST"));
    CHECK_FALSE(vars.contains("HOME"));

    const std::string root = task_root();
    CHECK(vars["_HANDLER"] == "libecho_cpp.so:env_dump");
    CHECK(vars["AWS_REGION"] == "us-east-1");
    CHECK(vars["AWS_DEFAULT_REGION"] == "us-east-1");
    CHECK(vars["AWS_LAMBDA_FUNCTION_NAME"] == "echo_cpp");
    CHECK(vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128");
    CHECK(vars["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST");
    CHECK(vars["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand");
    CHECK(vars["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/echo_cpp");
    const std::string stream = vars.value("AWS_LAMBDA_LOG_STREAM_NAME", "");
    CHECK_MESSAGE(
        std::regex_match(stream, std::regex(R"(^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$)")),
        "AWS_LAMBDA_LOG_STREAM_NAME: " << stream);
    const std::string date = stream.substr(0, 10);
    CHECK((date == utc_date_slashes(before) || date == utc_date_slashes(after)));
    CHECK(vars["LAMBDA_TASK_ROOT"] == root);
    CHECK(vars["LAMBDA_RUNTIME_DIR"] == "/var/runtime");
    CHECK(vars["LANG"] == "en_US.UTF-8");
    CHECK(vars["PATH"] == "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    CHECK(vars["LD_LIBRARY_PATH"] == "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:"
                                     "/var/runtime/lib:" +
                                         root + ":" + root + "/lib:/opt/lib");
    CHECK(vars["TZ"] == ":UTC");
    CHECK(vars["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR");
    CHECK(vars["AWS_XRAY_DAEMON_ADDRESS"] == "169.254.79.129:2000");
    const std::string trace = vars.value("_X_AMZN_TRACE_ID", "");
    CHECK_MESSAGE(std::regex_match(trace, std::regex(R"(^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;.*)?$)")),
                  "_X_AMZN_TRACE_ID: " << trace);
}

TEST_CASE("the host's AWS credentials are passed through") {
    EnvList env = host_environment();
    env.emplace_back("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    env.emplace_back("AWS_SECRET_ACCESS_KEY", "secret/key+example");
    env.emplace_back("AWS_SESSION_TOKEN", "token=example");
    const json vars = env_dump({}, env);
    std::set<std::string> expected = k_lambda_keys;
    expected.insert({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"});
    CHECK(keys_of(vars) == expected);
    CHECK(vars["AWS_ACCESS_KEY_ID"] == "AKIDEXAMPLE");
    CHECK(vars["AWS_SECRET_ACCESS_KEY"] == "secret/key+example");
    CHECK(vars["AWS_SESSION_TOKEN"] == "token=example");
}

TEST_CASE("--inherit-env passes the host's variables through, under Lambda's own") {
    const json vars = env_dump({"--inherit-env"});
    CHECK(vars["FOO_HOST"] == "1");
    CHECK(vars["HOME"] == "/root");
    CHECK(vars["PATH"] == "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    CHECK(vars["_HANDLER"] == "libecho_cpp.so:env_dump");
}

TEST_CASE("the function's variables come from --env, --env-file and --env-vars") {
    TempDir dir;

    SUBCASE("--env, repeated") {
        const json vars = env_dump({"--env", "A1=x", "--env", "B2=y", "--env", "C3=a=b"});
        CHECK(vars["A1"] == "x");
        CHECK(vars["B2"] == "y");
        CHECK(vars["C3"] == "a=b");
        CHECK(keys_of(vars).size() == k_lambda_keys.size() + 3);
    }
    SUBCASE("a dotenv file") {
        const std::string file =
            dir.write("vars.env", "# comment\nD1=plain\nexport D2=\"two words\"\n\nD3='$lit'\n");
        const json vars = env_dump({"--env-file", file});
        CHECK(vars["D1"] == "plain");
        CHECK(vars["D2"] == "two words");
        CHECK(vars["D3"] == "$lit");
    }
    SUBCASE("a SAM env-vars file: Parameters, then the function's own object") {
        const std::string file = dir.write(
            "vars.json", R"({"Parameters":{"P1":"all","S1":"all","N1":3,"B1":true},)"
                         R"("echo_cpp":{"S1":"mine","F1":"mine"},"other_fn":{"O1":"theirs"}})");
        const json vars = env_dump({"--env-vars", file});
        CHECK(vars["P1"] == "all");
        CHECK(vars["S1"] == "mine");
        CHECK(vars["F1"] == "mine");
        CHECK(vars["N1"] == "3");
        CHECK(vars["B1"] == "true");
        CHECK_FALSE(vars.contains("O1"));
    }
    SUBCASE("precedence: env file < env-vars file < --env") {
        const std::string env_file = dir.write("vars.env", "A1=file\nB2=file\nC3=file\nD4=file\n");
        const std::string vars_file =
            dir.write("vars.json", R"({"Parameters":{"A1":"params","B2":"params","C3":"params"},)"
                                   R"("echo_cpp":{"A1":"function","B2":"function"}})");
        const json vars =
            env_dump({"--env-file", env_file, "--env-vars", vars_file, "--env", "A1=flag"});
        CHECK(vars["A1"] == "flag");
        CHECK(vars["B2"] == "function");
        CHECK(vars["C3"] == "params");
        CHECK(vars["D4"] == "file");
    }
}

TEST_CASE("--region, -m and --function-name change what the function sees") {
    SUBCASE("--region") {
        const json vars = env_dump({"--region", "eu-west-1"});
        CHECK(vars["AWS_REGION"] == "eu-west-1");
        CHECK(vars["AWS_DEFAULT_REGION"] == "eu-west-1");

        const ProcessResult r = lambda_local(
            {"invoke", "-l", sample_library("libhello_c.so"), "--region", "eu-west-1"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        const auto lines = split_lines(r.err);
        const auto context = find_line_starting(lines, "context: ");
        REQUIRE(context.has_value());
        CHECK(parse_json(std::string_view(lines[*context]).substr(9))["invoked_function_arn"] ==
              "arn:aws:lambda:eu-west-1:123456789012:function:hello_c");
    }
    SUBCASE("-m 512") {
        const json vars = env_dump({"-m", "512"});
        CHECK(vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512");

        const ProcessResult r =
            lambda_local({"invoke", "-l", sample_library("libhello_c.so"), "-m", "512"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        const auto lines = split_lines(r.err);
        const auto report = find_line_starting(lines, "REPORT RequestId: ");
        REQUIRE(report.has_value());
        CHECK(lines[*report].find("\tMemory Size: 512 MB\t") != std::string::npos);
        const auto context = find_line_starting(lines, "context: ");
        REQUIRE(context.has_value());
        CHECK(parse_json(std::string_view(lines[*context]).substr(9))["memory_limit_in_mb"] ==
              "512");
    }
    SUBCASE("--function-name") {
        const json vars = env_dump({"--function-name", "my-fn"});
        CHECK(vars["AWS_LAMBDA_FUNCTION_NAME"] == "my-fn");
        CHECK(vars["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/my-fn");
    }
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
