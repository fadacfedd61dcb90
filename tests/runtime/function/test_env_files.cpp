// Tests of dotenv files, SAM's --env-vars JSON and --env flags.
#include "runtime/function/env_files.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

using lambda_local::Error;
using lambda_local::runtime::EnvVars;
using lambda_local::runtime::parse_dotenv;
using lambda_local::runtime::parse_env_assignment;
using lambda_local::runtime::parse_sam_env_vars;
using lambda_local::runtime::read_dotenv_file;
using lambda_local::runtime::read_sam_env_vars_file;

namespace {

// A temporary directory, removed with its files.
class EnvDir {
  public:
    EnvDir() {
        char pattern[] = "/tmp/ll-test-env-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        m_path = pattern;
    }
    ~EnvDir() { std::filesystem::remove_all(m_path); }
    EnvDir(const EnvDir&) = delete;
    EnvDir& operator=(const EnvDir&) = delete;

    // Writes `name` with `content`; returns its path.
    std::string write(const std::string& name, const std::string& content) const {
        std::string path = m_path + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }

  private:
    std::string m_path;
};

EnvVars dotenv(std::string_view text) {
    return parse_dotenv(text, ".env");
}

EnvVars sam(std::string_view text, const std::string& function = "HelloFunction") {
    return parse_sam_env_vars(text, "env.json", function);
}

} // namespace

TEST_SUITE_BEGIN("runtime::env_files");

TEST_CASE("a dotenv file gives its variables in order") {
    CHECK(dotenv("B=2\nA=1\n") == EnvVars{{"B", "2"}, {"A", "1"}});
}

TEST_CASE("blank lines, comments and an export prefix are accepted") {
    CHECK(dotenv("# a comment\n\n   \n  # indented comment\nexport A=1\nexport\tB=2\n") ==
          EnvVars{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("a key may itself be named export") {
    CHECK(dotenv("export=1\n") == EnvVars{{"export", "1"}});
}

TEST_CASE("whitespace around keys and unquoted values is trimmed") {
    CHECK(dotenv("  KEY  =   some value  \t\r\nEMPTY=\nSPACES=   \n") ==
          EnvVars{{"KEY", "some value"}, {"EMPTY", ""}, {"SPACES", ""}});
}

TEST_CASE("an unquoted value loses a comment after whitespace but keeps other hashes") {
    CHECK(dotenv("A=value # comment\nB=#fff\nC=a#b\nD= # only a comment\nE=x\t#tab\n") ==
          EnvVars{{"A", "value"}, {"B", "#fff"}, {"C", "a#b"}, {"D", ""}, {"E", "x"}});
}

TEST_CASE("an unquoted value keeps inner equals signs and quotes") {
    CHECK(dotenv("URL=postgres://u:p@h/db?x=1\nQ=it's\n") ==
          EnvVars{{"URL", "postgres://u:p@h/db?x=1"}, {"Q", "it's"}});
}

TEST_CASE("single-quoted values are literal") {
    CHECK(dotenv("A='  a # b \\n \"c\" '\n") == EnvVars{{"A", "  a # b \\n \"c\" "}});
}

TEST_CASE("double-quoted values understand escapes") {
    CHECK(dotenv(R"(A="line1\nline2\ttab \"q\" back\\slash \$ \r" # comment)") ==
          EnvVars{{"A", "line1\nline2\ttab \"q\" back\\slash \\$ \r"}});
}

TEST_CASE("a later key overrides an earlier one at the first position") {
    CHECK(dotenv("A=1\nB=2\nA=3\n") == EnvVars{{"A", "3"}, {"B", "2"}});
}

TEST_CASE("a UTF-8 byte order mark before the first key is ignored") {
    CHECK(dotenv("\xEF\xBB\xBF"
                 "A=1\n") == EnvVars{{"A", "1"}});
}

TEST_CASE("malformed dotenv lines are reported with the file and line") {
    CHECK_THROWS_WITH_AS(dotenv("A=1\n\nJUST_A_WORD\n"),
                         "env file '.env', line 3: expected KEY=VALUE", Error);
    CHECK_THROWS_WITH_AS(dotenv("=value\n"), "env file '.env', line 1: expected KEY=VALUE", Error);
    CHECK_THROWS_WITH_AS(dotenv("A=1\nB=\"open\n"), "env file '.env', line 2: unterminated quote",
                         Error);
    CHECK_THROWS_WITH_AS(dotenv("A='open"), "env file '.env', line 1: unterminated quote", Error);
    CHECK_THROWS_WITH_AS(dotenv("A=\"x\" y\n"),
                         "env file '.env', line 1: unexpected text after the closing quote", Error);
    CHECK_THROWS_WITH_AS(dotenv("MY KEY=1\n"),
                         "env file '.env', line 1: invalid variable name 'MY KEY'", Error);
}

TEST_CASE("a dotenv file is read from disk") {
    EnvDir dir;
    CHECK(read_dotenv_file(dir.write(".env", "A=1\r\nB='2'\r\n")) ==
          EnvVars{{"A", "1"}, {"B", "2"}});
    CHECK_THROWS_WITH_AS(read_dotenv_file("no-such-dir/.env"),
                         "env file 'no-such-dir/.env': cannot open: No such file or directory",
                         Error);
}

TEST_CASE("SAM parameters apply to every function and the function's own entries override") {
    const char* text = R"({
        "Parameters": {"TABLE": "shared", "STAGE": "dev"},
        "HelloFunction": {"STAGE": "test", "EXTRA": "x"},
        "OtherFunction": {"STAGE": "other"}
    })";
    CHECK(sam(text) == EnvVars{{"TABLE", "shared"}, {"STAGE", "test"}, {"EXTRA", "x"}});
    CHECK(sam(text, "OtherFunction") == EnvVars{{"TABLE", "shared"}, {"STAGE", "other"}});
    CHECK(sam(text, "Unlisted") == EnvVars{{"TABLE", "shared"}, {"STAGE", "dev"}});
}

TEST_CASE("SAM values may be numbers or booleans and become text as SAM writes them") {
    CHECK(sam(R"({"HelloFunction": {"A": true, "B": false, "C": 3, "D": 1.5, "E": -2,
                  "F": 1.0, "G": 18446744073709551615}})") ==
          EnvVars{{"A", "true"},
                  {"B", "false"},
                  {"C", "3"},
                  {"D", "1.5"},
                  {"E", "-2"},
                  {"F", "1.0"},
                  {"G", "18446744073709551615"}});
}

TEST_CASE("SAM values that are null, objects or arrays are errors naming the key") {
    CHECK_THROWS_WITH_AS(sam(R"({"Parameters": {"A": null}})"),
                         "env vars file 'env.json': variable 'A' of \"Parameters\" must be a "
                         "string, number or boolean, not null",
                         Error);
    CHECK_THROWS_WITH_AS(sam(R"({"HelloFunction": {"B": {"x": 1}}})"),
                         "env vars file 'env.json': variable 'B' of \"HelloFunction\" must be a "
                         "string, number or boolean, not object",
                         Error);
    CHECK_THROWS_WITH_AS(sam(R"({"HelloFunction": {"C": [1]}})"),
                         "env vars file 'env.json': variable 'C' of \"HelloFunction\" must be a "
                         "string, number or boolean, not array",
                         Error);
}

TEST_CASE("a SAM env vars file that is not a JSON object is an error naming the file") {
    CHECK_THROWS_WITH_AS(sam("[1]"),
                         "env vars file 'env.json': expected a JSON object like {\"Parameters\": "
                         "{\"KEY\": \"value\"}}, not array",
                         Error);
    CHECK_THROWS_WITH_AS(sam("{\"Parameters\": {\"A\": 1,}}"),
                         "env vars file 'env.json' is not valid JSON: line 1, column 24: "
                         "unexpected '}'; expected string literal",
                         Error);
    CHECK_THROWS_WITH_AS(sam(" \n"), "env vars file 'env.json' is empty", Error);
    CHECK_THROWS_WITH_AS(sam(R"({"Parameters": "A=1"})"),
                         "env vars file 'env.json': \"Parameters\" must be an object of "
                         "variables, not string",
                         Error);
}

TEST_CASE("a SAM env vars file is read from disk") {
    EnvDir dir;
    CHECK(read_sam_env_vars_file(dir.write("env.json", R"({"Fn": {"A": "1"}})"), "Fn") ==
          EnvVars{{"A", "1"}});
    CHECK_THROWS_WITH_AS(read_sam_env_vars_file("no-such-dir/env.json", "Fn"),
                         "env vars file 'no-such-dir/env.json': cannot open: No such file or "
                         "directory",
                         Error);
}

TEST_CASE("an --env flag splits at the first equals sign") {
    CHECK(parse_env_assignment("A=b=c") == std::pair<std::string, std::string>{"A", "b=c"});
    CHECK(parse_env_assignment("EMPTY=") == std::pair<std::string, std::string>{"EMPTY", ""});
    CHECK_THROWS_WITH_AS(parse_env_assignment("NOVALUE"), "--env 'NOVALUE': expected KEY=VALUE",
                         Error);
    CHECK_THROWS_WITH_AS(parse_env_assignment("=x"), "--env '=x': expected KEY=VALUE", Error);
}

TEST_SUITE_END();
