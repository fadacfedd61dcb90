// End-to-end tests of `lambda-local package` and `doctor --library`: the zip's contents and
// modes, refusals, bad inputs, and the packaged round trip: a packaged function, unzipped and
// run with `invoke --bootstrap`, answers as the bare .so does with `invoke -l`.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// Runs `lambda-local package` for a sample library into <dir>/function.zip.
ProcessResult package(const TempDir& dir, const std::string& library,
                      std::vector<std::string> extra = {}, const RunOptions& options = {}) {
    std::vector<std::string> args{"package", "-l", library, "-o", dir.path() + "/function.zip"};
    args.insert(args.end(), extra.begin(), extra.end());
    return lambda_local(args, options);
}

// Packages `library` and unzips it (with unzip, which restores the modes) into <dir>/code.
std::string package_and_unzip(const TempDir& dir, const std::string& library,
                              std::vector<std::string> extra = {}, const RunOptions& options = {}) {
    const ProcessResult r = package(dir, library, std::move(extra), options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const std::string code = dir.path() + "/code";
    const ProcessResult unzipped =
        run_process({"/usr/bin/unzip", "-q", dir.path() + "/function.zip", "-d", code});
    INFO(describe(unzipped));
    REQUIRE(unzipped.exit_code == 0);
    return code;
}

// The permission bits of a file.
unsigned mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

// `invoke -l <library> -H <symbol>` and `invoke --bootstrap <code> -H <library file>:<symbol>`
// with the same event and function name.
std::pair<ProcessResult, ProcessResult> invoke_both(const std::string& library,
                                                    const std::string& code,
                                                    const std::string& symbol,
                                                    const std::string& event) {
    const std::string file = library.substr(library.rfind('/') + 1);
    ProcessResult bare =
        lambda_local({"invoke", "-l", library, "-H", symbol, "--function-name", "fn", "-d", event});
    ProcessResult packaged = lambda_local({"invoke", "--bootstrap", code, "-H", file + ":" + symbol,
                                           "--function-name", "fn", "-d", event});
    return {std::move(bare), std::move(packaged)};
}

} // namespace

TEST_SUITE_BEGIN("e2e::package");

TEST_CASE("package writes bootstrap and the library, executable, and prints how to deploy") {
    TempDir dir;
    const std::string code = package_and_unzip(dir, sample_library("libhello_c.so"));
    CHECK(mode_of(code + "/bootstrap") == 0755);
    CHECK(mode_of(code + "/libhello_c.so") == 0755);
    CHECK(file_text(code + "/libhello_c.so") == file_text(sample_library("libhello_c.so")));
    CHECK(file_text(code + "/bootstrap") ==
          file_text(std::string(LL_BUILD_DIR) + "/lambda-local-bootstrap"));

    const ProcessResult listed =
        run_process({"/usr/bin/unzip", "-l", dir.path() + "/function.zip"});
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find(" bootstrap\n") != std::string::npos);

    const ProcessResult r = package(dir, sample_library("libhello_c.so"));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("check: libhello_c.so loads on provided.al2023 (x86_64, classic ABI)", 0) ==
          0);
    CHECK(r.out.find("aws lambda create-function --function-name hello_c \\\n"
                     "      --runtime provided.al2023 --architectures x86_64 \\\n"
                     "      --handler libhello_c.so:handle \\\n") != std::string::npos);
    CHECK(r.out.find("        Handler: libhello_c.so:handle\n"
                     "        Runtime: provided.al2023\n") != std::string::npos);
}

TEST_CASE("package bundles a dependency from LD_LIBRARY_PATH under lib/") {
    TempDir dir;
    RunOptions options;
    options.extra_env = {{"LD_LIBRARY_PATH", std::string(LL_BUILD_DIR) + "/samples-private"}};
    const std::string code =
        package_and_unzip(dir, sample_library("libmissing_dep.so"), {}, options);
    CHECK(mode_of(code + "/lib") == 0755);
    CHECK(mode_of(code + "/lib/libll_gone.so") == 0755);
    CHECK(mode_of(code + "/libmissing_dep.so") == 0755);

    // Without the search path, the dependency cannot be found, so it is refused.
    const ProcessResult refused = package(dir, sample_library("libmissing_dep.so"));
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("libll_gone.so (needed by libmissing_dep.so) is not on this machine's "
                           "library search path") != std::string::npos);
}

TEST_CASE("package refuses a library with too-new symbols, naming them, unless --force") {
    TempDir dir;
    const ProcessResult r = package(dir, sample_library("libtoo_new_glibc.so"));
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "lambda-local: error: libtoo_new_glibc.so would not load on provided.al2023 (x86_64):\n"
          "  arc4random@GLIBC_2.36 needs glibc 2.36, provided.al2023 has 2.34\n"
          "  arc4random_uniform@GLIBC_2.36 needs glibc 2.36, provided.al2023 has 2.34\n"
          "(--force packages it anyway)\n");
    CHECK(::access((dir.path() + "/function.zip").c_str(), F_OK) != 0);

    const ProcessResult forced = package(dir, sample_library("libtoo_new_glibc.so"), {"--force"});
    CHECK(forced.exit_code == 0);
    CHECK(forced.out.find("warning: packaged despite 2 problem(s) (--force)") != std::string::npos);
}

TEST_CASE("package rejects bad inputs with a clear error") {
    TempDir dir;
    SUBCASE("a missing file") {
        const ProcessResult r = package(dir, dir.path() + "/libnope.so");
        CHECK(r.exit_code == 2);
        CHECK(r.err == "lambda-local: error: " + dir.path() +
                           "/libnope.so: cannot open: No such file or directory\n");
    }
    SUBCASE("not an ELF file") {
        const std::string text = dir.write("libtext.so", "just text\n");
        const ProcessResult r = package(dir, text);
        CHECK(r.exit_code == 2);
        CHECK(r.err == "lambda-local: error: " + text + ": not an ELF file\n");
    }
    SUBCASE("the wrong architecture") {
        const ProcessResult r = package(dir, sample_library("libhello_c.so"), {"--arch", "arm64"});
        CHECK(r.exit_code == 2);
        CHECK(
            r.err.find("  libhello_c.so is x86_64 code, but the target architecture is arm64\n") !=
            std::string::npos);
        CHECK(r.err.find("  bootstrap: bootstrap is x86_64 code, but the target architecture is "
                         "arm64\n") != std::string::npos);
    }
    SUBCASE("a handler symbol the library does not export") {
        const ProcessResult r = package(dir, sample_library("libhello_c.so"), {"-H", "nope"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("Handler 'nope' missing on module 'libhello_c.so'") != std::string::npos);
    }
    SUBCASE("an unknown target") {
        const ProcessResult r =
            package(dir, sample_library("libhello_c.so"), {"--target", "provided.al1"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("provided.al1 not in {provided.al2023,provided.al2}") !=
              std::string::npos);
    }
}

TEST_CASE("doctor --library says whether a library loads, symbol by symbol") {
    SUBCASE("a library that loads") {
        const ProcessResult r =
            lambda_local({"doctor", "--library", sample_library("libhello_c.so")});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("target        provided.al2023 (Amazon Linux 2023): x86_64, glibc 2.34") !=
              std::string::npos);
        CHECK(r.out.find("libc.so.6               base system") != std::string::npos);
        CHECK(r.out.find("printf@GLIBC_2.2.5                      ok") != std::string::npos);
        CHECK(r.out.find("result        loads on provided.al2023 (x86_64)\n") != std::string::npos);
    }
    SUBCASE("too-new symbols") {
        const ProcessResult r =
            lambda_local({"doctor", "--library", sample_library("libtoo_new_glibc.so")});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("arc4random@GLIBC_2.36                   needs glibc 2.36, "
                         "provided.al2023 has 2.34") != std::string::npos);
        CHECK(r.out.find("result        would not load on provided.al2023 (x86_64):\n") !=
              std::string::npos);
    }
    SUBCASE("a Rust library built here needs glibc 2.28 and newer, past provided.al2's") {
        const ProcessResult r =
            lambda_local({"doctor", "--library", rust_sample_library("librust_classic.so"),
                          "--target", "provided.al2"});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("needs glibc 2.28, provided.al2 has 2.26") != std::string::npos);
        CHECK(lambda_local({"doctor", "--library", rust_sample_library("librust_classic.so")})
                  .exit_code == 0);
    }
    SUBCASE("the wrong architecture") {
        const ProcessResult r = lambda_local(
            {"doctor", "--library", sample_library("libhello_c.so"), "--arch", "arm64"});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("libhello_c.so is x86_64 code, but the target architecture is arm64") !=
              std::string::npos);
    }
    SUBCASE("a missing file and a file that is not ELF") {
        TempDir dir;
        const ProcessResult missing =
            lambda_local({"doctor", "--library", dir.path() + "/libnope.so"});
        CHECK(missing.exit_code == 2);
        CHECK(missing.err == "lambda-local: error: " + dir.path() +
                                 "/libnope.so: cannot open: No such file or directory\n");
        const std::string text = dir.write("notes.txt", "not a library");
        const ProcessResult garbage = lambda_local({"doctor", "--library", text});
        CHECK(garbage.exit_code == 2);
        CHECK(garbage.err == "lambda-local: error: " + text + ": not an ELF file\n");
    }
}

TEST_CASE("a packaged function answers as the bare library does") {
    TempDir dir;
    SUBCASE("classic: payload 0, the handler's output in the log") {
        const std::string library = sample_library("libhello_c.so");
        const std::string code = package_and_unzip(dir, library);
        auto [bare, packaged] = invoke_both(library, code, "handle", R"({"k":"v"})");
        INFO(describe(bare));
        INFO(describe(packaged));
        CHECK(bare.exit_code == 0);
        CHECK(packaged.exit_code == 0);
        CHECK(packaged.out == bare.out);
        CHECK(packaged.out == "0");
        CHECK(packaged.err.find("event: {\"k\":\"v\"}\n") != std::string::npos);
        const std::string id = start_request_id(packaged);
        CHECK(packaged.err.find("\"aws_request_id\":\"" + id + "\"") != std::string::npos);
        CHECK(packaged.err.find("\"function_name\":\"fn\"") != std::string::npos);
    }
    SUBCASE("native: the event and the context") {
        const std::string library = sample_library("libecho_cpp.so");
        const std::string code = package_and_unzip(dir, library);
        auto [bare, packaged] = invoke_both(library, code, "handle", R"({"name":"world"})");
        INFO(describe(packaged));
        CHECK(packaged.exit_code == 0);
        const json from_bare = parse_json(bare.out);
        const json from_packaged = parse_json(packaged.out);
        CHECK(from_packaged["event"] == from_bare["event"]);
        CHECK(from_packaged["function_name"] == "fn");
        CHECK(from_packaged["function_name"] == from_bare["function_name"]);
        CHECK(from_packaged["request_id"] == start_request_id(packaged));
        CHECK(from_packaged["remaining_time_ms"].get<long>() > 0);
        CHECK(from_packaged["remaining_time_ms"].get<long>() <= 3000);
    }
    SUBCASE("native: the trace id reaches _X_AMZN_TRACE_ID") {
        const std::string library = sample_library("libecho_cpp.so");
        const std::string code = package_and_unzip(dir, library);
        auto [bare, packaged] = invoke_both(library, code, "env_dump", "{}");
        INFO(describe(packaged));
        CHECK(packaged.exit_code == 0);
        const json environment = parse_json(packaged.out);
        REQUIRE(environment.contains("_X_AMZN_TRACE_ID"));
        CHECK(environment["_X_AMZN_TRACE_ID"].get<std::string>().rfind("Root=1-", 0) == 0);
        CHECK(parse_json(bare.out)["_HANDLER"] == "libecho_cpp.so:env_dump");
        CHECK(environment["_HANDLER"] == "libecho_cpp.so:env_dump");
    }
    SUBCASE("function errors: a typed native error and a classic return value") {
        for (auto [file, symbol] :
             {std::pair<std::string, std::string>{"libecho_cpp.so", "fail_typed"},
              std::pair<std::string, std::string>{"libmisbehaving.so", "return_7"}}) {
            CAPTURE(symbol);
            TempDir each;
            const std::string library = sample_library(file);
            const std::string code = package_and_unzip(each, library, {"-H", symbol});
            auto [bare, packaged] = invoke_both(library, code, symbol, "{}");
            INFO(describe(packaged));
            CHECK(bare.exit_code == 1);
            CHECK(packaged.exit_code == 1);
            CHECK(packaged.out == bare.out);
        }
    }
    SUBCASE("an init error") {
        const std::string library = sample_library("libinit_fails.so");
        const std::string code = package_and_unzip(dir, library);
        auto [bare, packaged] = invoke_both(library, code, "handle", "{}");
        INFO(describe(packaged));
        CHECK(bare.exit_code == 1);
        CHECK(packaged.exit_code == 1);
        CHECK(packaged.out == bare.out);
        CHECK(parse_json(packaged.out) == json{{"errorMessage", "missing DATABASE_URL"},
                                               {"errorType", "ConfigError"},
                                               {"stackTrace", json::array()}});
    }
    SUBCASE("a bundled dependency loads from lib/, where the bare library finds nothing") {
        RunOptions options;
        options.extra_env = {{"LD_LIBRARY_PATH", std::string(LL_BUILD_DIR) + "/samples-private"}};
        const std::string library = sample_library("libmissing_dep.so");
        const std::string code = package_and_unzip(dir, library, {}, options);
        auto [bare, packaged] = invoke_both(library, code, "handle", "{}");
        INFO(describe(packaged));
        CHECK(bare.exit_code == 1);
        CHECK(parse_json(bare.out)["errorType"] == "Runtime.ImportModuleError");
        CHECK(packaged.exit_code == 0);
        CHECK(packaged.out == "0");
        CHECK(packaged.err.find("answer: 42\n") != std::string::npos);
    }
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
