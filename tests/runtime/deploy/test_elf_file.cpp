// Tests of the ELF reader: the built samples, this machine's binaries, a crafted file, and
// garbage (truncated, random and mutated bytes give an Error, never a crash).
#include "runtime/deploy/elf_file.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "tests/runtime/deploy/deploy_test_support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <random>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::deploy::elf_file_tests {
namespace {

std::string sample(const std::string& file) {
    return std::string(LL_SAMPLES_DIR) + "/" + file;
}

bool has_need(const ElfFile& elf, const std::string& file, const std::string& version) {
    return std::any_of(elf.version_needs.begin(), elf.version_needs.end(), [&](const auto& need) {
        return need.file == file && need.version == version;
    });
}

bool has_import(const ElfFile& elf, const std::string& symbol, const std::string& version) {
    return std::any_of(elf.imports.begin(), elf.imports.end(), [&](const auto& import) {
        return import.symbol == symbol && import.version == version && import.file == "libc.so.6";
    });
}

// Parses `bytes`: it must either succeed or throw lambda_local::Error.
void parse_or_clean_error(std::string_view bytes) {
    try {
        (void)parse_elf(bytes);
    } catch (const Error& e) {
        CHECK(std::string(e.what()).size() > 0);
    }
}

} // namespace

TEST_SUITE("runtime::deploy::ElfFile") {

    TEST_CASE(
        "a classic C sample is an x86_64 shared library needing libc with versioned imports") {
        const ElfFile elf = read_elf(sample("libhello_c.so"));
        CHECK(elf.machine == k_machine_x86_64);
        CHECK(machine_name(elf.machine) == "x86_64");
        CHECK(elf.kind == ElfKind::SharedObject);
        CHECK(elf.has_dynamic_section);
        CHECK(elf.needed == std::vector<std::string>{"libc.so.6"});
        CHECK(has_need(elf, "libc.so.6", "GLIBC_2.2.5"));
        CHECK(has_import(elf, "printf", "GLIBC_2.2.5"));
        CHECK(elf.exports_symbol("handle"));
        CHECK_FALSE(elf.exports_symbol("lambda_local_abi_version"));
    }

    TEST_CASE("the C++ native sample needs libstdc++ with GLIBCXX versions and exports the ABI "
              "marker") {
        const ElfFile elf = read_elf(sample("libecho_cpp.so"));
        CHECK(std::find(elf.needed.begin(), elf.needed.end(), "libstdc++.so.6") !=
              elf.needed.end());
        CHECK(has_need(elf, "libstdc++.so.6", "GLIBCXX_3.4.21"));
        CHECK(elf.exports_symbol("lambda_local_abi_version"));
        CHECK(elf.exports_symbol("whoami"));
        CHECK(std::is_sorted(elf.exports.begin(), elf.exports.end()));
    }

    TEST_CASE("the too-new sample imports arc4random at GLIBC_2.36") {
        const ElfFile elf = read_elf(sample("libtoo_new_glibc.so"));
        CHECK(has_import(elf, "arc4random", "GLIBC_2.36"));
        CHECK(has_import(elf, "arc4random_uniform", "GLIBC_2.36"));
        CHECK(has_need(elf, "libc.so.6", "GLIBC_2.36"));
    }

    TEST_CASE("libmissing_dep.so names its dependency in DT_NEEDED") {
        const ElfFile elf = read_elf(sample("libmissing_dep.so"));
        CHECK(std::find(elf.needed.begin(), elf.needed.end(), "libll_gone.so") != elf.needed.end());
    }

    TEST_CASE("a file that never ends is refused at 1 GiB, not read to the end") {
        // package and doctor --library read a library whole: /dev/zero filled the memory.
        CHECK_THROWS_WITH_AS(read_elf("/dev/zero"), "/dev/zero is over 1073741824 bytes", Error);
    }

    TEST_CASE("this test executable is a position-independent executable of this machine") {
        const ElfFile elf = read_elf("/proc/self/exe");
        CHECK(elf.kind == ElfKind::PieExecutable);
        CHECK(elf.machine == k_machine_x86_64);
        CHECK(has_need(elf, "libc.so.6", "GLIBC_2.34")); // __libc_start_main since 2.34
        CHECK(has_import(elf, "__libc_start_main", "GLIBC_2.34"));
    }

    TEST_CASE("this machine's libc has a soname and needs the dynamic loader") {
        std::string libc;
        for (const char* candidate :
             {"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib64/libc.so.6"}) {
            if (::access(candidate, R_OK) == 0) {
                libc = candidate;
                break;
            }
        }
        REQUIRE_FALSE(libc.empty());
        const ElfFile elf = read_elf(libc);
        CHECK(elf.soname == "libc.so.6");
        CHECK(elf.kind == ElfKind::SharedObject);
        CHECK(elf.exports_symbol("memcpy"));
        CHECK(std::any_of(elf.needed.begin(), elf.needed.end(),
                          [](const auto& name) { return name.rfind("ld-linux", 0) == 0; }));
    }

    TEST_CASE("a crafted file gives exactly its needed libraries, versions and imports") {
        testing::TinyElf spec;
        spec.needed = {"libc.so.6", "libfoo.so.1"};
        spec.runpath = "$ORIGIN/lib";
        const ElfFile elf = parse_elf(testing::tiny_elf(spec));
        CHECK(elf.needed == std::vector<std::string>{"libc.so.6", "libfoo.so.1"});
        CHECK(elf.runpath == "$ORIGIN/lib");
        REQUIRE(elf.version_needs.size() == 2);
        CHECK(elf.version_needs[0].version == "GLIBC_2.14");
        CHECK(elf.version_needs[1].version == "GLIBC_2.28");
        REQUIRE(elf.imports.size() == 2);
        CHECK(elf.imports[0].symbol == "memcpy");
        CHECK(elf.imports[0].version == "GLIBC_2.14");
        CHECK(elf.imports[1].symbol == "fcntl64");
        CHECK(elf.imports[1].version == "GLIBC_2.28");
        CHECK(elf.exports == std::vector<std::string>{"handle"});
    }

    TEST_CASE("other machines, classes and encodings are named") {
        testing::TinyElf spec;
        spec.machine = EM_AARCH64;
        CHECK(machine_name(parse_elf(testing::tiny_elf(spec)).machine) == "aarch64");
        spec.machine = EM_RISCV;
        CHECK(machine_name(parse_elf(testing::tiny_elf(spec)).machine) == "riscv");
        CHECK(machine_name(4321) == "machine 4321");

        std::string bytes = testing::tiny_elf({});
        bytes[EI_CLASS] = ELFCLASS32;
        bytes[18] = EM_386; // e_machine, at the same offset in both classes
        bytes[19] = 0;
        CHECK_THROWS_WITH_AS(parse_elf(bytes),
                             "a 32-bit ELF file (i386): Lambda runs 64-bit x86_64 and arm64 code",
                             Error);
        bytes = testing::tiny_elf({});
        bytes[EI_DATA] = ELFDATA2MSB;
        CHECK_THROWS_WITH_AS(
            parse_elf(bytes),
            "a big-endian ELF file: Lambda runs little-endian x86_64 and arm64 code", Error);
    }

    TEST_CASE("a file that is not ELF, or is cut short, gives a clear error") {
        CHECK_THROWS_WITH_AS(parse_elf(""), "not an ELF file", Error);
        CHECK_THROWS_WITH_AS(parse_elf("PK\x03\x04 a zip, not a library"), "not an ELF file",
                             Error);
        CHECK_THROWS_WITH_AS(parse_elf("\x7f"
                                       "ELF"),
                             "not an ELF file", Error);
        std::string bytes = testing::tiny_elf({});
        CHECK_THROWS_WITH_AS(parse_elf(std::string_view(bytes).substr(0, 40)),
                             "truncated: the file needs 64 bytes at offset 0 but has 40", Error);
        CHECK_THROWS_WITH_AS(parse_elf(std::string_view(bytes).substr(0, bytes.size() - 1)),
                             doctest::Contains("truncated: 6 section headers"), Error);
    }

    TEST_CASE("a missing file names the path") {
        CHECK_THROWS_WITH_AS(read_elf("/nonexistent/libx.so"),
                             "/nonexistent/libx.so: cannot open: No such file or directory", Error);
        CHECK_THROWS_WITH_AS(read_elf("/etc/hostname"), "/etc/hostname: not an ELF file", Error);
    }

    TEST_CASE("every truncation of a real library and of the crafted file is an error, not a "
              "crash") {
        const std::string tiny = testing::tiny_elf({});
        for (std::size_t length = 0; length < tiny.size(); ++length) {
            CHECK_THROWS_AS(parse_elf(std::string_view(tiny).substr(0, length)), Error);
        }
        const std::string real = read_file(sample("libecho_cpp.so"), "sample");
        // Every length up to the headers, then a spread over the whole file.
        for (std::size_t length = 0; length < real.size();
             length += length < 4096 ? 1 : real.size() / 500 + 1) {
            parse_or_clean_error(std::string_view(real).substr(0, length));
        }
    }

    TEST_CASE("random bytes and random mutations of valid files are errors or parses, never "
              "crashes") {
        std::mt19937 random(20240605); // fixed: a failure reproduces
        const std::string tiny = testing::tiny_elf({});
        const std::string real = read_file(sample("libhello_c.so"), "sample");
        for (int round = 0; round < 3000; ++round) {
            std::string bytes;
            switch (round % 3) {
            case 0: { // an ELF magic then noise
                bytes = std::string("\x7f"
                                    "ELF\x02\x01\x01",
                                    7);
                std::size_t length = random() % 512;
                for (std::size_t i = 0; i < length; ++i) {
                    bytes += static_cast<char>(random());
                }
                break;
            }
            case 1: // the crafted file with a few bytes changed
                bytes = tiny;
                for (int i = 0; i < 4; ++i) {
                    bytes[random() % bytes.size()] = static_cast<char>(random());
                }
                break;
            default: // a real library with bytes of its headers and tables changed
                bytes = real;
                for (int i = 0; i < 8; ++i) {
                    std::size_t at = i % 2 == 0 ? random() % 64 : random() % bytes.size();
                    bytes[at] = static_cast<char>(random());
                }
                break;
            }
            parse_or_clean_error(bytes);
        }
    }
}

} // namespace lambda_local::runtime::deploy::elf_file_tests
