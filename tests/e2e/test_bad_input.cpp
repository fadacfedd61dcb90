// End-to-end tests of bad input: libraries that cannot be loaded or lack their symbol (function
// errors, exit 1) and bad options or events (usage errors, exit 2, nothing run). lambda-local
// never crashes on any of them.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// A function error reported before any handler code ran: exit 1, Lambda's error JSON on
// stdout, the invocation's log lines on stderr. Returns the payload.
json load_failure(const ProcessResult& r) {
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    const std::string id = start_request_id(r);
    CHECK(r.err.find("END RequestId: " + id + "\n") != std::string::npos);
    const json payload = parse_json(r.out);
    REQUIRE(payload.is_object());
    REQUIRE(payload["errorMessage"].is_string());
    return payload;
}

// A usage or configuration error: exit 2, one error on stderr, nothing on stdout, nothing run.
void check_usage_error(const ProcessResult& r) {
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("lambda-local: error: ", 0) == 0);
    CHECK(r.err.find("START RequestId:") == std::string::npos);
}

std::string message_of(const json& payload) {
    return payload["errorMessage"].get<std::string>();
}

} // namespace

TEST_SUITE_BEGIN("e2e::bad_input");

TEST_CASE("a missing library is an invalid entrypoint") {
    const json payload = load_failure(lambda_local({"invoke", "-l", "/nonexistent/libx.so"}));
    CHECK(payload["errorType"] == "Runtime.InvalidEntrypoint");
    CHECK(message_of(payload).find("No such file") != std::string::npos);
}

// docs/handler-abi.md: a library that cannot be loaded is reported "with the dlopen/dlsym
// message", which names the library ("/nonexistent/libx.so: cannot open shared object file").
TEST_CASE("a missing library is reported with the loader's message naming it") {
    const json payload = load_failure(lambda_local({"invoke", "-l", "/nonexistent/libx.so"}));
    CHECK(payload["errorType"] == "Runtime.InvalidEntrypoint");
    CHECK(message_of(payload).find("/nonexistent/libx.so") != std::string::npos);
    CHECK(message_of(payload).find("No such file") != std::string::npos);
}

TEST_CASE("a file that is not a shared object is an invalid entrypoint") {
    TempDir dir;
    const std::string library = dir.write("libtext.so", "this is not an ELF file\n");
    const json payload = load_failure(lambda_local({"invoke", "-l", library}));
    CHECK(payload["errorType"] == "Runtime.InvalidEntrypoint");
    CHECK(message_of(payload).find("libtext.so") != std::string::npos);
}

TEST_CASE("a missing handler symbol is Runtime.HandlerNotFound") {
    const json payload =
        load_failure(lambda_local({"invoke", "-l", sample_library("libhello_c.so"), "-H", "nope"}));
    CHECK(payload["errorType"] == "Runtime.HandlerNotFound");
    CHECK(payload["errorMessage"] == "Handler 'nope' missing on module 'libhello_c.so'");
}

TEST_CASE("a library that cannot be linked is Runtime.ImportModuleError") {
    SUBCASE("an undefined symbol") {
        const json payload =
            load_failure(lambda_local({"invoke", "-l", sample_library("libundefined_symbol.so")}));
        CHECK(payload["errorType"] == "Runtime.ImportModuleError");
        CHECK(message_of(payload).find("undefined symbol: ll_this_symbol_does_not_exist") !=
              std::string::npos);
    }
    SUBCASE("a missing dependency") {
        const json payload =
            load_failure(lambda_local({"invoke", "-l", sample_library("libmissing_dep.so")}));
        CHECK(payload["errorType"] == "Runtime.ImportModuleError");
        CHECK(message_of(payload).find("libll_gone.so") != std::string::npos);
    }
}

TEST_CASE("a failing native init gives the invocation its typed error") {
    const ProcessResult r = lambda_local({"invoke", "-l", sample_library("libinit_fails.so")});
    const json payload = load_failure(r);
    CHECK(payload["errorType"] == "ConfigError");
    CHECK(payload["errorMessage"] == "missing DATABASE_URL");
}

TEST_CASE("a bad event is a usage error and nothing runs") {
    TempDir dir;
    const std::string library = sample_library("libhello_c.so");
    RunOptions options;
    std::vector<std::string> args{"invoke", "-l", library};

    SUBCASE("invalid JSON file") {
        args.insert(args.end(), {"-e", dir.write("bad.json", R"({"a": )")});
    }
    SUBCASE("invalid YAML file") {
        args.insert(args.end(), {"-e", dir.write("bad.yaml", "a: [1, 2\nb: {\n")});
    }
    SUBCASE("missing event file") {
        args.insert(args.end(), {"-e", dir.path() + "/missing.json"});
    }
    SUBCASE("an event one byte over 6291456 bytes") {
        args.insert(
            args.end(),
            {"-e", dir.write("big.json", R"({"x":")" + std::string(6291457 - 8, 'a') + R"("})")});
    }
    SUBCASE("invalid JSON on standard input") {
        options.stdin_data = "{nope";
        args.insert(args.end(), {"-e", "-"});
    }
    SUBCASE("empty standard input") {
        options.stdin_data = "";
        args.insert(args.end(), {"-e", "-"});
    }
    SUBCASE("invalid inline JSON") {
        args.insert(args.end(), {"-d", "{'a':1}"});
    }
    SUBCASE("both -e and -d") {
        args.insert(args.end(), {"-e", dir.write("ok.json", "{}"), "-d", "{}"});
    }
    const ProcessResult r = lambda_local(args, options);
    check_usage_error(r);
    CHECK(r.err.find("event: ") == std::string::npos);
}

TEST_CASE("settings outside Lambda's limits and bad options are usage errors") {
    const std::string library = sample_library("libhello_c.so");
    std::vector<std::string> args{"invoke", "-l", library};
    SUBCASE("-t 0") {
        args.insert(args.end(), {"-t", "0"});
    }
    SUBCASE("-t 901") {
        args.insert(args.end(), {"-t", "901"});
    }
    SUBCASE("-m 64") {
        args.insert(args.end(), {"-m", "64"});
    }
    SUBCASE("-m 20000") {
        args.insert(args.end(), {"-m", "20000"});
    }
    SUBCASE("--tmp-size 100") {
        args.insert(args.end(), {"--tmp-size", "100"});
    }
    SUBCASE("--tmp-size 20000") {
        args.insert(args.end(), {"--tmp-size", "20000"});
    }
    SUBCASE("--abi bogus") {
        args.insert(args.end(), {"--abi", "bogus"});
    }
    SUBCASE("an unknown option") {
        args.push_back("--bogus");
    }
    SUBCASE("no library") {
        args = {"invoke", "-d", "{}"};
    }
    SUBCASE("no subcommand") {
        args = {};
    }
    SUBCASE("an invalid function name") {
        args.insert(args.end(), {"--function-name", "bad name!"});
    }
    SUBCASE("a missing env file") {
        args.insert(args.end(), {"--env-file", "/nonexistent/vars.env"});
    }
    SUBCASE("a missing env-vars file") {
        args.insert(args.end(), {"--env-vars", "/nonexistent/vars.json"});
    }
    const ProcessResult r = lambda_local(args);
    check_usage_error(r);
}

TEST_CASE("variables Lambda would refuse are usage errors") {
    const std::string library = sample_library("libhello_c.so");
    std::vector<std::string> args{"invoke", "-l", library};
    std::string mention;
    SUBCASE("a reserved name") {
        args.insert(args.end(), {"--env", "AWS_REGION=x"});
        mention = "AWS_REGION";
    }
    SUBCASE("another reserved name") {
        args.insert(args.end(), {"--env", "_HANDLER=x"});
        mention = "_HANDLER";
    }
    SUBCASE("a name starting with a digit") {
        args.insert(args.end(), {"--env", "1BAD=x"});
        mention = "1BAD";
    }
    SUBCASE("a one-character name") {
        args.insert(args.end(), {"--env", "A=x"});
        mention = "A";
    }
    SUBCASE("no '='") {
        args.insert(args.end(), {"--env", "NOVALUE"});
        mention = "NOVALUE";
    }
    SUBCASE("more than 4 KB in all") {
        args.insert(args.end(), {"--env", "BIG=" + std::string(4100, 'v')});
        mention = "4 KB";
    }
    const ProcessResult r = lambda_local(args);
    check_usage_error(r);
    CHECK(r.err.find(mention) != std::string::npos);
}

TEST_CASE("settings at Lambda's limits are accepted") {
    const ProcessResult r = lambda_local({"invoke", "-l", sample_library("libhello_c.so"), "-t",
                                          "900", "-m", "10240", "--tmp-size", "10240"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const auto lines = split_lines(r.err);
    const auto report = find_line_starting(lines, "REPORT RequestId: ");
    REQUIRE(report.has_value());
    CHECK(lines[*report].find("\tMemory Size: 10240 MB\t") != std::string::npos);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
