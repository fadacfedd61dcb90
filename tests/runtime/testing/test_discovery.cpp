// Tests of finding test files in folders.
#include "runtime/testing/discovery.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/testing/scratch.hpp"

#include <doctest/doctest.h>

using namespace lambda_local;
using namespace lambda_local::runtime::testing;
using lambda_local::runtime::testing::test_support::Scratch;

TEST_SUITE("runtime::testing::Discovery") {

    TEST_CASE("folders are searched recursively for test files, sorted, hidden folders skipped") {
        Scratch dir;
        const std::string& d = dir.path();
        dir.write("b.test.yaml", "");
        dir.write("a/z.test.json", "");
        dir.write("a/y.test.yml", "");
        dir.write("a/notes.yaml", "");
        dir.write("a/x.test.yaml.bak", "");
        dir.write(".hidden/h.test.yaml", "");
        dir.write("c/deep/er/d.test.yaml", "");
        CHECK(find_test_files({d}) ==
              std::vector<std::string>{d + "/a/y.test.yml", d + "/a/z.test.json",
                                       d + "/b.test.yaml", d + "/c/deep/er/d.test.yaml"});
    }

    TEST_CASE("a file given by name is taken whatever its name, and once") {
        Scratch dir;
        const std::string named = dir.write("cases.yaml", "");
        const std::string test = dir.write("x.test.yaml", "");
        CHECK(find_test_files({named, dir.path(), test}) == std::vector<std::string>{named, test});
    }

    TEST_CASE("a missing path and a folder without test files are errors") {
        Scratch dir;
        CHECK_THROWS_WITH_AS(find_test_files({dir.path() + "/nope"}),
                             (dir.path() + "/nope: no such file or folder").c_str(), Error);
        dir.write("readme.md", "");
        CHECK_THROWS_WITH_AS(
            find_test_files({dir.path()}),
            ("no test files (*.test.yaml, *.test.yml, *.test.json) in " + dir.path()).c_str(),
            Error);
    }

    TEST_CASE("test file names end in .test.yaml, .test.yml or .test.json") {
        CHECK(is_test_file_name("a.test.yaml"));
        CHECK(is_test_file_name("a.test.yml"));
        CHECK(is_test_file_name("a.test.json"));
        CHECK_FALSE(is_test_file_name("a.yaml"));
        CHECK_FALSE(is_test_file_name(".test.yaml"));
        CHECK_FALSE(is_test_file_name("a.snap.json"));
    }

} // TEST_SUITE
