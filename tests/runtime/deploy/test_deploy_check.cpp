// Tests of the deployment check: the samples and crafted files against provided.al2023 and
// provided.al2, architectures, handler symbols, dependencies and the bootstrap itself.
#include "runtime/deploy/deploy_check.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/deploy/deploy_test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::deploy::deploy_check_tests {
namespace {

std::string sample(const std::string& file) {
    return std::string(LL_SAMPLES_DIR) + "/" + file;
}

CheckOptions options_for(const std::string& target, const std::string& arch = "") {
    CheckOptions options;
    options.target = target;
    options.arch = arch;
    options.search = LibrarySearch::from_host();
    options.search->ld_library_path.clear(); // the tests' own search paths only
    return options;
}

bool has_problem(const DeploymentCheck& check, const std::string& text) {
    return std::find(check.problems.begin(), check.problems.end(), text) != check.problems.end();
}

std::string problems_of(const DeploymentCheck& check) {
    std::string all;
    for (const auto& problem : check.problems) {
        all += problem + "\n";
    }
    return all;
}

} // namespace

TEST_SUITE("runtime::deploy::DeploymentCheck") {

    TEST_CASE("the classic C sample loads on provided.al2023 and on provided.al2") {
        for (const char* target : {"provided.al2023", "provided.al2"}) {
            CAPTURE(target);
            const DeploymentCheck check =
                check_library(sample("libhello_c.so"), options_for(target));
            INFO(problems_of(check));
            CHECK(check.loads());
            CHECK(check.arch == "x86_64");
            CHECK(check.abi == "classic");
            REQUIRE(check.dependencies.size() == 1);
            CHECK(check.dependencies[0].name == "libc.so.6");
            CHECK(check.dependencies[0].base_system);
            CHECK(check.bundled.empty());
            const std::string report = format_check(check);
            CHECK(report.find("printf@GLIBC_2.2.5") != std::string::npos);
            CHECK(report.find("result        loads on " + std::string(target) + " (x86_64)") !=
                  std::string::npos);
        }
    }

    TEST_CASE("the C++ native sample's libstdc++ versions are within both targets") {
        const DeploymentCheck check =
            check_library(sample("libecho_cpp.so"), options_for("provided.al2"));
        INFO(problems_of(check));
        CHECK(check.loads());
        CHECK(check.abi == "native");
        auto libstdcxx =
            std::find_if(check.library.requirements.begin(), check.library.requirements.end(),
                         [](const auto& r) {
                             return r.file == "libstdc++.so.6" && r.version == "GLIBCXX_3.4.21";
                         });
        REQUIRE(libstdcxx != check.library.requirements.end());
        CHECK(libstdcxx->ok);
        CHECK_FALSE(libstdcxx->symbols.empty());
    }

    TEST_CASE("a library needing GLIBC_2.36 would not load on provided.al2023, symbol by symbol") {
        const DeploymentCheck check =
            check_library(sample("libtoo_new_glibc.so"), options_for("provided.al2023"));
        CHECK_FALSE(check.loads());
        CHECK(has_problem(check, "arc4random@GLIBC_2.36 needs glibc 2.36, provided.al2023 has "
                                 "2.34"));
        CHECK(has_problem(check, "arc4random_uniform@GLIBC_2.36 needs glibc 2.36, "
                                 "provided.al2023 has 2.34"));
        CHECK(check.problems.size() == 2);
        const std::string report = format_check(check);
        CHECK(report.find("would not load on provided.al2023 (x86_64):") != std::string::npos);
        CHECK(report.find("printf@GLIBC_2.2.5") != std::string::npos);
        CHECK(summarize_check(check).find("2 too new") != std::string::npos);
    }

    TEST_CASE("a crafted library: memcpy@GLIBC_2.14 is fine, fcntl64@GLIBC_2.28 is too new for "
              "provided.al2") {
        testing::TempDir dir;
        const std::string path = dir.write("libcrafted.so", testing::tiny_elf({}));
        const DeploymentCheck al2 = check_library(path, options_for("provided.al2"));
        CHECK(al2.problems == std::vector<std::string>{
                                  "fcntl64@GLIBC_2.28 needs glibc 2.28, provided.al2 has 2.26"});
        const std::string report = format_check(al2);
        CHECK(report.find("memcpy@GLIBC_2.14") != std::string::npos);
        CHECK(report.find("fcntl64@GLIBC_2.28                      needs glibc 2.28, "
                          "provided.al2 has 2.26") != std::string::npos);
        CHECK(check_library(path, options_for("provided.al2023")).loads());
    }

    TEST_CASE("the architecture defaults to the library's and must match the one asked for") {
        testing::TempDir dir;
        testing::TinyElf spec;
        spec.machine = EM_AARCH64;
        const std::string arm = dir.write("libarm.so", testing::tiny_elf(spec));
        const DeploymentCheck native_arch = check_library(arm, options_for("provided.al2023"));
        CHECK(native_arch.arch == "arm64");
        CHECK(native_arch.loads());
        const DeploymentCheck x86 = check_library(arm, options_for("provided.al2023", "x86_64"));
        CHECK(x86.problems ==
              std::vector<std::string>{
                  "libarm.so is arm64 code, but the target architecture is x86_64"});
        CHECK_FALSE(check_library(sample("libhello_c.so"), options_for("provided.al2023", "arm64"))
                        .loads());

        spec.machine = EM_RISCV;
        const std::string riscv = dir.write("libriscv.so", testing::tiny_elf(spec));
        CHECK(check_library(riscv, options_for("provided.al2023")).problems ==
              std::vector<std::string>{
                  "libriscv.so is riscv code: Lambda runs x86_64 and arm64 only"});
        CHECK_THROWS_WITH_AS(check_library(riscv, options_for("provided.al2023", "sparc")),
                             "unknown architecture 'sparc': expected x86_64 or arm64", Error);
    }

    TEST_CASE("object files and executables are not shared libraries") {
        testing::TempDir dir;
        testing::TinyElf spec;
        spec.type = ET_REL;
        const std::string object = dir.write("handler.o", testing::tiny_elf(spec));
        CHECK(check_library(object, options_for("provided.al2023")).problems ==
              std::vector<std::string>{"handler.o is a relocatable object file, not a shared "
                                       "library: link it with -shared"});
        spec.type = ET_EXEC;
        const std::string program = dir.write("handler", testing::tiny_elf(spec));
        CHECK(check_library(program, options_for("provided.al2023")).problems ==
              std::vector<std::string>{"handler is an executable, not a shared library: dlopen "
                                       "cannot load it; link it with -shared"});
    }

    TEST_CASE("a handler symbol the library does not export is Lambda's HandlerNotFound") {
        CheckOptions options = options_for("provided.al2023");
        options.handler = "handel";
        const DeploymentCheck check = check_library(sample("libhello_c.so"), options);
        CHECK(check.problems ==
              std::vector<std::string>{"Handler 'handel' missing on module 'libhello_c.so'"});
        options.handler = "handle";
        CHECK(check_library(sample("libhello_c.so"), options).loads());
    }

    TEST_CASE("a dependency off the search path is a problem, on LD_LIBRARY_PATH it is bundled") {
        const std::string library = sample("libmissing_dep.so");
        CheckOptions options = options_for("provided.al2023");
        const DeploymentCheck missing = check_library(library, options);
        CHECK(has_problem(missing, "libll_gone.so (needed by libmissing_dep.so) is not on this "
                                   "machine's library search path, so it cannot be bundled: set "
                                   "LD_LIBRARY_PATH to its directory"));

        const std::string private_dir = std::string(LL_BUILD_DIR) + "/samples-private";
        options.search->ld_library_path = {private_dir};
        const DeploymentCheck found = check_library(library, options);
        INFO(problems_of(found));
        CHECK(found.loads());
        REQUIRE(found.bundled.size() == 1);
        CHECK(found.bundled[0].name == "lib/libll_gone.so");
        CHECK(found.bundled[0].path == private_dir + "/libll_gone.so");
        CHECK(format_check(found).find("bundled as lib/libll_gone.so from " + private_dir) !=
              std::string::npos);
    }

    TEST_CASE("dependencies are found as the loader finds them: $ORIGIN, RUNPATH for direct "
              "dependencies only, RPATH inherited, other machines' files skipped") {
        testing::TempDir dir;
        REQUIRE(::mkdir((dir.path() + "/deps").c_str(), 0755) == 0);
        REQUIRE(::mkdir((dir.path() + "/wrong").c_str(), 0755) == 0);
        testing::TinyElf foo;
        foo.needed = {"libc.so.6", "libbar.so.2"};
        foo.exports = {"foo"};
        dir.write("deps/libfoo.so.1", testing::tiny_elf(foo));
        testing::TinyElf bar;
        bar.exports = {"bar"};
        bar.imports = {{"stat", "GLIBC_2.33"}};
        dir.write("deps/libbar.so.2", testing::tiny_elf(bar));
        testing::TinyElf arm = foo;
        arm.machine = EM_AARCH64;
        dir.write("wrong/libfoo.so.1", testing::tiny_elf(arm)); // on LD_LIBRARY_PATH: skipped

        CheckOptions options = options_for("provided.al2");
        options.search->ld_library_path = {dir.path() + "/wrong"};
        const std::string fcntl = "fcntl64@GLIBC_2.28 needs glibc 2.28, provided.al2 has 2.26";

        SUBCASE("DT_RUNPATH finds the handler's own dependency, not that dependency's") {
            testing::TinyElf handler;
            handler.needed = {"libc.so.6", "libfoo.so.1"};
            handler.runpath = "$ORIGIN/deps";
            const std::string path = dir.write("libhandler.so", testing::tiny_elf(handler));
            const DeploymentCheck check = check_library(path, options);
            REQUIRE(check.bundled.size() == 1);
            CHECK(check.bundled[0].name == "lib/libfoo.so.1");
            CHECK(check.bundled[0].path == dir.path() + "/deps/libfoo.so.1");
            CHECK(check.problems ==
                  std::vector<std::string>{
                      fcntl, "lib/libfoo.so.1: " + fcntl,
                      "libbar.so.2 (needed by libfoo.so.1) is not on this machine's library "
                      "search path, so it cannot be bundled: set LD_LIBRARY_PATH to its "
                      "directory"});
        }
        SUBCASE("DT_RPATH is searched for the dependencies of dependencies too") {
            testing::TinyElf handler;
            handler.needed = {"libc.so.6", "libfoo.so.1"};
            handler.rpath = "${ORIGIN}/deps";
            const std::string path = dir.write("libhandler.so", testing::tiny_elf(handler));
            const DeploymentCheck check = check_library(path, options);
            REQUIRE(check.bundled.size() == 2);
            CHECK(check.bundled[0].path == dir.path() + "/deps/libfoo.so.1");
            CHECK(check.bundled[1].name == "lib/libbar.so.2");
            CHECK(check.bundled[1].path == dir.path() + "/deps/libbar.so.2");
            CHECK(check.problems ==
                  std::vector<std::string>{
                      fcntl, "lib/libfoo.so.1: " + fcntl,
                      "lib/libbar.so.2: stat@GLIBC_2.33 needs glibc 2.33, provided.al2 has 2.26"});
        }
    }

    TEST_CASE("the built bootstrap needs nothing newer than provided.al2023's glibc 2.34") {
        const std::string bootstrap = std::string(LL_BUILD_DIR) + "/lambda-local-bootstrap";
        std::vector<std::string> problems;
        const FileCheck al2023 =
            check_bootstrap(bootstrap, target_runtime("provided.al2023"), "x86_64", problems);
        INFO((problems.empty() ? std::string() : problems.front()));
        CHECK(problems.empty());
        CHECK(al2023.elf.kind == ElfKind::PieExecutable);
        for (const auto& needed : al2023.elf.needed) {
            CAPTURE(needed);
            CHECK(is_base_system_library(needed));
        }
        // On provided.al2 (glibc 2.26) it cannot run: built here, it needs glibc 2.34.
        check_bootstrap(bootstrap, target_runtime("provided.al2"), "x86_64", problems);
        CHECK(std::find(problems.begin(), problems.end(),
                        "bootstrap: __libc_start_main@GLIBC_2.34 needs glibc 2.34, provided.al2 "
                        "has 2.26") != problems.end());
        problems.clear();
        check_bootstrap(bootstrap, target_runtime("provided.al2023"), "arm64", problems);
        CHECK(std::find(problems.begin(), problems.end(),
                        "bootstrap: bootstrap is x86_64 code, but the target architecture is "
                        "arm64") != problems.end());
    }
}

} // namespace lambda_local::runtime::deploy::deploy_check_tests
