// Tests of the ZIP writer: CRC-32, and archives read back by python3's zipfile and unzip,
// permissions included.
#include "runtime/deploy/zip_writer.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/deploy/deploy_test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::deploy {
namespace {

// What python3's zipfile reads from `zip`: per entry its name, Unix mode, size, CRC check,
// and the content in hex; `testzip` is null when every CRC matches.
nlohmann::json read_with_python(const std::string& zip) {
    const std::string script =
        "import json, sys, zipfile\n"
        "z = zipfile.ZipFile(sys.argv[1])\n"
        "entries = [{'name': i.filename, 'mode': i.external_attr >> 16, 'size': i.file_size,\n"
        "            'compress_type': i.compress_type, 'create_system': i.create_system,\n"
        "            'hex': z.read(i.filename).hex()} for i in z.infolist()]\n"
        "print(json.dumps({'testzip': z.testzip(), 'entries': entries}))\n";
    testing::TempDir dir;
    const std::string path = dir.write("read.py", script);
    auto [status, output] = testing::run_shell("python3 " + path + " " + zip);
    INFO(output);
    REQUIRE(status == 0);
    return nlohmann::json::parse(output);
}

std::string hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0xf];
    }
    return out;
}

} // namespace

TEST_SUITE("runtime::deploy::ZipWriter") {

    TEST_CASE("CRC-32 matches the standard check value") {
        CHECK(crc32("") == 0u);
        CHECK(crc32("123456789") == 0xCBF43926u);
        CHECK(crc32("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
        CHECK(crc32("456789", crc32("123")) == 0xCBF43926u); // incremental
    }

    TEST_CASE("python3's zipfile reads names, contents and Unix permissions back") {
        ZipWriter zip;
        const std::string binary("\x7f"
                                 "ELF\0\0\x01\xff binary",
                                 15);
        zip.add_file("bootstrap", "#!/bin/sh\necho hi\n", 0755);
        zip.add_file("libhandler.so", binary, 0755);
        zip.add_directory("lib");
        zip.add_file("lib/libfoo.so.1", std::string(100000, 'x'), 0644);
        zip.add_file("secret.txt", "", 0600);
        testing::TempDir dir;
        const std::string path = dir.write("function.zip", zip.finish());

        const nlohmann::json read = read_with_python(path);
        CHECK(read["testzip"].is_null());
        const auto& entries = read["entries"];
        REQUIRE(entries.size() == 5);
        CHECK(entries[0]["name"] == "bootstrap");
        CHECK(entries[0]["mode"] == 0100755);
        CHECK(entries[0]["create_system"] == 3); // Unix
        CHECK(entries[0]["compress_type"] == 0); // stored
        CHECK(entries[0]["hex"] == hex("#!/bin/sh\necho hi\n"));
        CHECK(entries[1]["name"] == "libhandler.so");
        CHECK(entries[1]["hex"] == hex(binary));
        CHECK(entries[2]["name"] == "lib/");
        CHECK(entries[2]["mode"] == 040755);
        CHECK(entries[3]["name"] == "lib/libfoo.so.1");
        CHECK(entries[3]["mode"] == 0100644);
        CHECK(entries[3]["size"] == 100000);
        CHECK(entries[4]["name"] == "secret.txt");
        CHECK(entries[4]["mode"] == 0100600);
        CHECK(entries[4]["size"] == 0);
    }

    TEST_CASE("unzip tests the archive and extracts the modes") {
        ZipWriter zip;
        zip.add_file("bootstrap", "#!/bin/sh\n", 0755);
        zip.add_directory("lib/");
        zip.add_file("lib/data", "data", 0640);
        testing::TempDir dir;
        const std::string path = dir.write("f.zip", zip.finish());
        auto [tested, test_output] = testing::run_shell("unzip -t " + path);
        INFO(test_output);
        CHECK(tested == 0);
        CHECK(test_output.find("No errors detected") != std::string::npos);
        auto [extracted, output] = testing::run_shell("cd " + dir.path() +
                                                      " && unzip -q f.zip -d out && stat -c "
                                                      "'%a %n' out/bootstrap out/lib out/lib/data");
        INFO(output);
        CHECK(extracted == 0);
        CHECK(output == "755 out/bootstrap\n755 out/lib\n640 out/lib/data\n");
    }

    TEST_CASE("the same files make the same bytes") {
        auto build = [] {
            ZipWriter zip;
            zip.add_file("a", "1", 0644);
            zip.add_file("b", "2", 0755);
            return zip.finish();
        };
        CHECK(build() == build());
    }

    TEST_CASE("an empty archive is valid") {
        testing::TempDir dir;
        const std::string path = dir.write("empty.zip", ZipWriter().finish());
        CHECK(read_with_python(path)["entries"].empty());
    }

    TEST_CASE("unsafe and duplicate names are refused") {
        ZipWriter zip;
        zip.add_file("ok", "", 0644);
        for (const char* name : {"", "/etc/passwd", "../up", "a/../b", "a//b", "./x", "a\\b"}) {
            CAPTURE(name);
            CHECK_THROWS_WITH_AS(zip.add_file(name, "", 0644),
                                 ("zip: invalid entry name '" + std::string(name) + "'").c_str(),
                                 Error);
        }
        CHECK_THROWS_WITH_AS(zip.add_file("ok", "", 0644), "zip: duplicate entry 'ok'", Error);
    }
}

} // namespace lambda_local::runtime::deploy
