// Tests of `package --layer`: the zip of a folder (read back by our own reader), the checks of
// every ELF file in it, links, and the printed publish lines.
#include "runtime/deploy/layer_package.hpp"

#include "runtime/layers/zip_archive.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/deploy/deploy_test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <map>

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace lambda_local::runtime::deploy::layer_package_tests {
namespace {

namespace fs = std::filesystem;

std::string sample(const std::string& file) {
    return std::string(LL_SAMPLES_DIR) + "/" + file;
}

// A layer folder <dir>/layer with a library in lib/ (and its usual link), a script in bin/.
std::string make_layer(const testing::TempDir& dir) {
    const std::string root = dir.path() + "/layer";
    fs::create_directories(root + "/lib");
    fs::create_directories(root + "/bin");
    fs::copy_file(sample("layers/base/lib/libgreeting.so"), root + "/lib/libgreeting.so.1");
    fs::create_symlink("libgreeting.so.1", root + "/lib/libgreeting.so");
    dir.write("layer/bin/tool", "#!/bin/sh\necho tool\n");
    fs::permissions(root + "/bin/tool", fs::perms(0755));
    return root;
}

LayerPackageOptions options_for(const std::string& folder, const std::string& output) {
    LayerPackageOptions options;
    options.folder = folder;
    options.output = output;
    options.layer_name = "greeting";
    return options;
}

// Each entry of the zip: name → (type, mode, content).
std::map<std::string, std::string> entries_of(const std::string& zip) {
    layers::ZipArchive archive(zip);
    std::map<std::string, std::string> entries;
    for (const layers::ZipEntry& entry : archive.entries()) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(entry.mode));
        std::string type = entry.type == layers::ZipEntryType::Directory ? "dir"
                           : entry.type == layers::ZipEntryType::Symlink ? "link"
                                                                         : "file";
        std::string text = type + " " + mode;
        if (entry.type == layers::ZipEntryType::Symlink) {
            text += " -> " + archive.read_small(entry, 4096);
        }
        entries[entry.name] = text;
    }
    return entries;
}

} // namespace

TEST_SUITE("runtime::deploy::LayerPackage") {

    TEST_CASE("a folder becomes a layer zip with its modes and links, its ELF files checked") {
        testing::TempDir dir;
        const std::string zip = dir.path() + "/layer.zip";
        LayerPackageOptions options = options_for(make_layer(dir), zip);
        LayerPackageResult result = build_layer_package(options);
        CHECK(result.problems.empty());
        CHECK(result.warnings.empty());
        CHECK(result.arch == "x86_64");
        REQUIRE(result.elf_files.size() == 1);
        CHECK(result.elf_files.front().name == "lib/libgreeting.so.1");
        CHECK(entries_of(zip) == std::map<std::string, std::string>{
                                     {"bin/", "dir 0755"},
                                     {"bin/tool", "file 0755"},
                                     {"lib/", "dir 0755"},
                                     {"lib/libgreeting.so", "link 0777 -> libgreeting.so.1"},
                                     {"lib/libgreeting.so.1", "file 0755"}});
        const std::string text = format_layer_package(options, result);
        CHECK(text.starts_with("check: 1 ELF file(s), x86_64, "));
        CHECK(text.find("aws lambda publish-layer-version --layer-name greeting") !=
              std::string::npos);
        CHECK(text.find("      --compatible-runtimes provided.al2023 --compatible-architectures "
                        "x86_64 \\\n") != std::string::npos);
        CHECK(text.find("    GreetingLayer:\n      Type: AWS::Serverless::LayerVersion\n") !=
              std::string::npos);
    }

    TEST_CASE("a library too new for the target is refused unless forced") {
        testing::TempDir dir;
        const std::string root = make_layer(dir);
        fs::copy_file(sample("libtoo_new_glibc.so"), root + "/lib/libtoo_new_glibc.so");
        const std::string zip = dir.path() + "/layer.zip";
        LayerPackageOptions options = options_for(root, zip);
        std::string message;
        try {
            build_layer_package(options);
        } catch (const Error& e) {
            message = e.what();
        }
        CHECK(message.starts_with("layer " + root +
                                  " would not load on provided.al2023 (x86_64):\n"
                                  "  lib/libtoo_new_glibc.so: arc4random@GLIBC_2.36"));
        CHECK(message.ends_with("\n(--force packages it anyway)"));
        CHECK_FALSE(fs::exists(zip));
        options.force = true;
        LayerPackageResult result = build_layer_package(options);
        CHECK(result.problems ==
              std::vector<std::string>{"lib/libtoo_new_glibc.so: arc4random@GLIBC_2.36 needs "
                                       "glibc 2.36, provided.al2023 has 2.34",
                                       "lib/libtoo_new_glibc.so: arc4random_uniform@GLIBC_2.36 "
                                       "needs glibc 2.36, provided.al2023 has 2.34"});
        CHECK(fs::exists(zip));
    }

    TEST_CASE("a link out of the folder is a problem and a missing dependency a warning") {
        testing::TempDir dir;
        const std::string root = make_layer(dir);
        fs::create_symlink("/etc/passwd", root + "/passwd");
        fs::copy_file(sample("libmissing_dep.so"), root + "/lib/libmissing_dep.so");
        LayerPackageOptions options = options_for(root, dir.path() + "/layer.zip");
        options.force = true;
        LayerPackageResult result = build_layer_package(options);
        CHECK(result.problems ==
              std::vector<std::string>{"passwd is a symbolic link to '/etc/passwd', outside the "
                                       "layer: it would dangle on Lambda"});
        REQUIRE(result.warnings.size() == 2);
        CHECK(result.warnings[0] ==
              "lib/libmissing_dep.so needs libll_gone.so, which neither provided.al2023 nor the "
              "layer's lib/ has: the function or another layer must bring it");
        CHECK(entries_of(dir.path() + "/layer.zip").count("passwd") == 0);
    }

    TEST_CASE("a folder that is not there is an error") {
        testing::TempDir dir;
        LayerPackageOptions options = options_for(dir.path() + "/nowhere", dir.path() + "/l.zip");
        CHECK_THROWS_WITH_AS(build_layer_package(options),
                             ("layer folder " + dir.path() + "/nowhere does not exist").c_str(),
                             Error);
    }
}

} // namespace lambda_local::runtime::deploy::layer_package_tests
