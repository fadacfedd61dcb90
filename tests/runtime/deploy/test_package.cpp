// Tests of packaging: the zip's entries and modes, bundled dependencies, refusals with the
// exact symbols, --force, and the printed deploy lines.
#include "runtime/deploy/package.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/deploy/deploy_test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <map>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::deploy::package_tests {
namespace {

std::string sample(const std::string& file) {
    return std::string(LL_SAMPLES_DIR) + "/" + file;
}

PackageOptions options_for(const std::string& library, const std::string& output) {
    PackageOptions options;
    options.library = library;
    options.output = output;
    options.bootstrap = std::string(LL_BUILD_DIR) + "/lambda-local-bootstrap";
    options.function_name = "hello";
    options.search = LibrarySearch::from_host();
    options.search->ld_library_path.clear();
    return options;
}

// name → Unix mode of each entry, as python3's zipfile reads them.
std::map<std::string, int> zip_modes(const std::string& zip) {
    auto [status, output] = testing::run_shell(
        "python3 -c 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); "
        "assert z.testzip() is None; "
        "print(json.dumps({i.filename: i.external_attr >> 16 for i in z.infolist()}))' " +
        zip);
    INFO(output);
    REQUIRE(status == 0);
    return nlohmann::json::parse(output).get<std::map<std::string, int>>();
}

} // namespace

TEST_SUITE("runtime::deploy::Package") {

    TEST_CASE("a classic library is packaged with the bootstrap, both executable") {
        testing::TempDir dir;
        const std::string zip = dir.path() + "/function.zip";
        PackageOptions options = options_for(sample("libhello_c.so"), zip);
        const PackageResult result = build_package(options);
        CHECK(result.problems.empty());
        CHECK(result.warnings.empty());
        CHECK(zip_modes(zip) ==
              std::map<std::string, int>{{"bootstrap", 0100755}, {"libhello_c.so", 0100755}});
        struct stat info {};
        REQUIRE(::stat(zip.c_str(), &info) == 0);
        CHECK(static_cast<std::uint64_t>(info.st_size) == result.zip_size);

        const std::string text = format_package(options, result);
        CHECK(text.find("check: libhello_c.so loads on provided.al2023 (x86_64, classic ABI)") ==
              0);
        CHECK(text.find("  aws lambda create-function --function-name hello \\\n"
                        "      --runtime provided.al2023 --architectures x86_64 \\\n"
                        "      --handler libhello_c.so:handle \\\n"
                        "      --zip-file fileb://" +
                        zip + " \\\n") != std::string::npos);
        CHECK(text.find("    HelloFunction:\n"
                        "      Type: AWS::Serverless::Function\n"
                        "      Properties:\n"
                        "        CodeUri: " +
                        zip +
                        "\n"
                        "        Handler: libhello_c.so:handle\n"
                        "        Runtime: provided.al2023\n"
                        "        Architectures: [x86_64]\n") != std::string::npos);
    }

    TEST_CASE("a dependency found on the search path goes to lib/") {
        testing::TempDir dir;
        const std::string zip = dir.path() + "/function.zip";
        PackageOptions options = options_for(sample("libmissing_dep.so"), zip);
        options.search->ld_library_path = {std::string(LL_BUILD_DIR) + "/samples-private"};
        build_package(options);
        CHECK(zip_modes(zip) == std::map<std::string, int>{{"bootstrap", 0100755},
                                                           {"libmissing_dep.so", 0100755},
                                                           {"lib/", 040755},
                                                           {"lib/libll_gone.so", 0100755}});
    }

    TEST_CASE("a library that would not load is refused with its symbols, unless forced") {
        testing::TempDir dir;
        const std::string zip = dir.path() + "/function.zip";
        PackageOptions options = options_for(sample("libtoo_new_glibc.so"), zip);
        CHECK_THROWS_WITH_AS(
            build_package(options),
            "libtoo_new_glibc.so would not load on provided.al2023 (x86_64):\n"
            "  arc4random@GLIBC_2.36 needs glibc 2.36, provided.al2023 has 2.34\n"
            "  arc4random_uniform@GLIBC_2.36 needs glibc 2.36, provided.al2023 has 2.34\n"
            "(--force packages it anyway)",
            Error);
        CHECK(::access(zip.c_str(), F_OK) != 0);

        options.force = true;
        const PackageResult result = build_package(options);
        CHECK(result.problems.size() == 2);
        REQUIRE(result.warnings.size() == 1);
        CHECK(result.warnings[0].find("packaged despite 2 problem(s) (--force)") == 0);
        CHECK(zip_modes(zip).count("libtoo_new_glibc.so") == 1);
    }

    TEST_CASE("the bootstrap is checked too: built here it cannot run on provided.al2") {
        testing::TempDir dir;
        PackageOptions options = options_for(sample("libhello_c.so"), dir.path() + "/f.zip");
        options.target = "provided.al2";
        CHECK_THROWS_WITH_AS(build_package(options),
                             doctest::Contains("bootstrap: __libc_start_main@GLIBC_2.34 needs "
                                               "glibc 2.34, provided.al2 has 2.26"),
                             Error);
    }

    TEST_CASE("a missing library, a missing bootstrap and an unwritable output are errors") {
        testing::TempDir dir;
        PackageOptions options = options_for(dir.path() + "/libnope.so", dir.path() + "/f.zip");
        CHECK_THROWS_WITH_AS(
            build_package(options),
            (dir.path() + "/libnope.so: cannot open: No such file or directory").c_str(), Error);
        options = options_for(sample("libhello_c.so"), dir.path() + "/f.zip");
        options.bootstrap = dir.path() + "/no-bootstrap";
        CHECK_THROWS_WITH_AS(
            build_package(options),
            (dir.path() + "/no-bootstrap: cannot open: No such file or directory").c_str(), Error);
        options = options_for(sample("libhello_c.so"), dir.path() + "/no/such/dir/f.zip");
        CHECK_THROWS_WITH_AS(build_package(options),
                             (dir.path() + "/no/such/dir/f.zip: cannot create: No such file or "
                                           "directory")
                                 .c_str(),
                             Error);
    }
}

} // namespace lambda_local::runtime::deploy::package_tests
