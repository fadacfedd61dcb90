// Tests of the target runtimes: version comparison and the verdict on each kind of version.
#include "runtime/deploy/target_runtime.hpp"
#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

namespace lambda_local::runtime::deploy {

TEST_SUITE("runtime::deploy::TargetRuntime") {

    TEST_CASE("dotted versions compare part by part, missing parts as zero") {
        CHECK(compare_versions("2.2.5", "2.14") < 0);
        CHECK(compare_versions("2.14", "2.2.5") > 0);
        CHECK(compare_versions("2.34", "2.34") == 0);
        CHECK(compare_versions("2.34", "2.34.0") == 0);
        CHECK(compare_versions("2.35", "2.34") > 0);
        CHECK(compare_versions("3.4.29", "3.4.30") < 0);
        CHECK(compare_versions("3.4", "3.4.21") < 0);
        CHECK(compare_versions("2a", "2") >= 0); // garbage does not loop
    }

    TEST_CASE("the two targets have their glibc and libstdc++ versions") {
        CHECK(target_runtime("provided.al2023").glibc == "2.34");
        CHECK(target_runtime("provided.al2023").glibcxx == "3.4.29");
        CHECK(target_runtime("provided.al2").glibc == "2.26");
        CHECK(target_runtime("provided.al2").glibcxx == "3.4.24");
        CHECK(target_runtime_names() ==
              std::vector<std::string>{"provided.al2023", "provided.al2"});
        CHECK_THROWS_WITH_AS(target_runtime("provided"),
                             "unknown target runtime 'provided': expected provided.al2023 or "
                             "provided.al2",
                             Error);
    }

    TEST_CASE("architectures take Lambda's names") {
        CHECK(lambda_architecture(std::uint16_t{62}) == "x86_64");
        CHECK(lambda_architecture(std::uint16_t{183}) == "arm64");
        CHECK_FALSE(lambda_architecture(std::uint16_t{3}).has_value());
        CHECK(lambda_architecture(std::string_view("aarch64")) == "arm64");
        CHECK(lambda_architecture(std::string_view("arm64")) == "arm64");
        CHECK(lambda_architecture(std::string_view("x86_64")) == "x86_64");
        CHECK_FALSE(lambda_architecture(std::string_view("i386")).has_value());
    }

    TEST_CASE("glibc's libraries, libgcc_s and libstdc++ are the base system, others are not") {
        for (const char* name :
             {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
              "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libgcc_s.so.1", "libstdc++.so.6"}) {
            CAPTURE(name);
            CHECK(is_base_system_library(name));
        }
        for (const char* name : {"libssl.so.3", "libz.so.1", "libfoo.so", "libcrypt.so.1"}) {
            CAPTURE(name);
            CHECK_FALSE(is_base_system_library(name));
        }
    }

    TEST_CASE("a glibc version newer than the target's is too new, with the exact wording") {
        const TargetRuntime& al2 = target_runtime("provided.al2");
        const TargetRuntime& al2023 = target_runtime("provided.al2023");
        CHECK(check_base_version(al2, "libc.so.6", "GLIBC_2.14")->ok);
        CHECK(check_base_version(al2, "libc.so.6", "GLIBC_2.26")->ok);
        auto too_new = check_base_version(al2, "libc.so.6", "GLIBC_2.28");
        REQUIRE(too_new.has_value());
        CHECK_FALSE(too_new->ok);
        CHECK(too_new->why == "needs glibc 2.28, provided.al2 has 2.26");
        CHECK(check_base_version(al2023, "libc.so.6", "GLIBC_2.34")->ok);
        CHECK(check_base_version(al2023, "libm.so.6", "GLIBC_2.36")->why ==
              "needs glibc 2.36, provided.al2023 has 2.34");
        CHECK(check_base_version(al2023, "libc.so.6", "GLIBC_ABI_DT_RELR")->why ==
              "needs glibc 2.36, provided.al2023 has 2.34");
        auto hidden = check_base_version(al2023, "ld-linux-x86-64.so.2", "GLIBC_PRIVATE");
        CHECK_FALSE(hidden->ok);
        CHECK(hidden->why.find("private glibc interface") != std::string::npos);
        CHECK_FALSE(check_base_version(al2023, "libc.so.6", "GLIBC_ABI_SOMETHING_NEW")->ok);
    }

    TEST_CASE("libstdc++ and libgcc_s versions compare with the target's GCC") {
        const TargetRuntime& al2023 = target_runtime("provided.al2023");
        const TargetRuntime& al2 = target_runtime("provided.al2");
        CHECK(check_base_version(al2023, "libstdc++.so.6", "GLIBCXX_3.4.21")->ok);
        CHECK(check_base_version(al2023, "libstdc++.so.6", "GLIBCXX_3.4.29")->ok);
        CHECK(check_base_version(al2023, "libstdc++.so.6", "CXXABI_1.3.13")->ok);
        CHECK(check_base_version(al2023, "libstdc++.so.6", "CXXABI_TM_1")->ok);
        auto glibcxx = check_base_version(al2023, "libstdc++.so.6", "GLIBCXX_3.4.30");
        CHECK_FALSE(glibcxx->ok);
        CHECK(glibcxx->why == "needs libstdc++ GLIBCXX_3.4.30, provided.al2023 has up to "
                              "GLIBCXX_3.4.29 (link libstdc++ statically: -static-libstdc++)");
        CHECK_FALSE(check_base_version(al2, "libstdc++.so.6", "GLIBCXX_3.4.26")->ok);
        CHECK_FALSE(check_base_version(al2, "libstdc++.so.6", "CXXABI_1.3.12")->ok);
        CHECK(check_base_version(al2, "libgcc_s.so.1", "GCC_7.0.0")->ok);
        CHECK(check_base_version(al2023, "libgcc_s.so.1", "GCC_4.2.0")->ok);
        CHECK_FALSE(check_base_version(al2023, "libgcc_s.so.1", "GCC_12.0.0")->ok);
    }

    TEST_CASE("versions of a library outside the base system are not judged") {
        const TargetRuntime& al2023 = target_runtime("provided.al2023");
        CHECK_FALSE(check_base_version(al2023, "libssl.so.3", "OPENSSL_3.0.0").has_value());
    }
}

} // namespace lambda_local::runtime::deploy
