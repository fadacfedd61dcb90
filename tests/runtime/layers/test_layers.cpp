// Tests of preparing a function's layers: order, ARNs, zips through the cache, Lambda's limits.
#include "runtime/layers/layers.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/config/support.hpp"
#include "tests/runtime/layers/zip_fixture.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace lambda_local::runtime::layers {
namespace {

namespace fs = std::filesystem;
using config::testing::ConfigDir;
using config::testing::error_of;
using testing::file_entry;
using testing::raw_zip;
using testing::RawEntry;
using testing::write_bytes;

// A sparse file of `size` bytes: counted whole, costing no disk.
void sparse_file(const std::string& path, off_t size) {
    fs::create_directories(fs::path(path).parent_path());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, size) == 0);
    ::close(fd);
}

// A function whose code is <dir>/code, with these layers.
FunctionSpec function(const ConfigDir& dir, std::vector<std::string> layers) {
    FunctionSpec spec;
    spec.name = "fn";
    spec.code_dir = dir.path() + "/code";
    fs::create_directories(spec.code_dir);
    spec.layers = std::move(layers);
    return spec;
}

LayerOptions with_cache(const ConfigDir& dir) {
    LayerOptions options;
    options.cache_dir = dir.path() + "/cache";
    return options;
}

} // namespace

TEST_SUITE_BEGIN("runtime::layers::prepare_layers");

TEST_CASE("folders stay in their order and a zip becomes its extracted folder") {
    ConfigDir dir;
    dir.write("one/lib/a", "a");
    std::string zip = write_bytes(dir.path() + "/two.zip", raw_zip({file_entry("bin/b", "b")}));
    dir.write("three/etc/c", "c");
    FunctionSpec spec = function(dir, {dir.path() + "/one", zip, dir.path() + "/three"});
    prepare_layers(spec, with_cache(dir));
    REQUIRE(spec.layers.size() == 3);
    CHECK(spec.layers[0] == dir.path() + "/one");
    CHECK(spec.layers[1].starts_with(dir.path() + "/cache/layers/"));
    CHECK(fs::is_regular_file(spec.layers[1] + "/bin/b"));
    CHECK(spec.layers[2] == dir.path() + "/three");
}

TEST_CASE("a layer ARN is found through the map, with or without its version") {
    ConfigDir dir;
    dir.write("local/lib/x", "x");
    LayerOptions options = with_cache(dir);
    const std::string arn = "arn:aws:lambda:us-east-1:123456789012:layer:shared:7";
    SUBCASE("the exact version") {
        add_layer_mapping(options, arn + "=" + dir.path() + "/local");
    }
    SUBCASE("every version") {
        add_layer_mapping(
            options, "arn:aws:lambda:us-east-1:123456789012:layer:shared=" + dir.path() + "/local");
    }
    FunctionSpec spec = function(dir, {arn});
    prepare_layers(spec, options);
    CHECK(spec.layers == std::vector<std::string>{dir.path() + "/local"});
}

TEST_CASE("an unmapped layer ARN says that it cannot be downloaded and how to map it") {
    ConfigDir dir;
    FunctionSpec spec = function(dir, {"arn:aws:lambda:eu-west-1:111122223333:layer:sdk:3"});
    CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
          "function 'fn': layer arn:aws:lambda:eu-west-1:111122223333:layer:sdk:3 is a "
          "published layer, which lambda-local cannot download: map it to a local copy of its "
          "content with --layer-map 'arn:aws:lambda:eu-west-1:111122223333:layer:sdk:3=DIR' (a "
          "folder or a .zip)");
}

TEST_CASE("a --layer-map that is not ARN=PATH is refused") {
    LayerOptions options;
    CHECK(error_of([&] {
              add_layer_mapping(options, "no-equals");
          }).starts_with("--layer-map 'no-equals': write ARN=PATH"));
    CHECK(error_of([&] { add_layer_mapping(options, "arn:aws:s3:::bucket=/x"); }) ==
          "--layer-map 'arn:aws:s3:::bucket=/x': 'arn:aws:s3:::bucket' is not a layer ARN "
          "(arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)");
}

TEST_CASE("a missing folder, and what is neither a folder nor a zip, are errors") {
    ConfigDir dir;
    SUBCASE("missing") {
        FunctionSpec spec = function(dir, {dir.path() + "/nowhere"});
        CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
              "function 'fn': layer 1 (" + dir.path() + "/nowhere): " + dir.path() +
                  "/nowhere does not exist");
    }
    SUBCASE("not a zip") {
        std::string text =
            dir.write("notes.txt", "just some notes, longer than a zip's end record");
        FunctionSpec spec = function(dir, {text});
        CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
              "function 'fn': layer 1 (" + text + "): " + text +
                  ": not a zip archive (no end of central directory record)");
    }
}

TEST_CASE("six layers are one more than Lambda allows") {
    ConfigDir dir;
    std::vector<std::string> layers;
    for (int i = 0; i < 6; ++i) {
        layers.push_back(dir.write("l" + std::to_string(i) + "/f", "x"));
    }
    FunctionSpec spec = function(dir, layers);
    CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
          "function 'fn' has 6 layers: Lambda allows at most 5");
    CHECK(error_of([&] { validate(spec); }) ==
          "function 'fn' has 6 layers: Lambda allows at most 5");
}

TEST_CASE("code and folder layers over 250 MB together are refused") {
    ConfigDir dir;
    sparse_file(dir.path() + "/code/big.bin", 150ll << 20);
    sparse_file(dir.path() + "/layer/lib/huge.so", 120ll << 20);
    FunctionSpec spec = function(dir, {dir.path() + "/layer"});
    CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
          "function 'fn': the code and its layers are over Lambda's limit of 250 MB (262144000 "
          "bytes) unzipped: code 150.0 MB, layer 1 (" +
              dir.path() + "/layer) at least 120.0 MB");
}

TEST_CASE("a zip whose declared size passes the limit is refused before it is extracted") {
    ConfigDir dir;
    sparse_file(dir.path() + "/code/big.bin", 200ll << 20);
    // A small archive that declares 100 MB (a bomb, or just too big): never extracted.
    RawEntry entry = file_entry("lib/blob", "tiny");
    entry.declared_size = 100ull << 20;
    std::string zip = write_bytes(dir.path() + "/bomb.zip", raw_zip({entry}));
    FunctionSpec spec = function(dir, {zip});
    CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
          "function 'fn': the code and its layers are over Lambda's limit of 250 MB (262144000 "
          "bytes) unzipped: code 200.0 MB, layer 1 (" +
              zip + ") 100.0 MB (nothing extracted)");
    CHECK_FALSE(fs::exists(dir.path() + "/cache/layers"));
}

TEST_CASE("a hostile zip layer is refused with the layer named and the cache untouched") {
    ConfigDir dir;
    std::string zip =
        write_bytes(dir.path() + "/evil.zip", raw_zip({testing::symlink_entry("x", "/etc")}));
    FunctionSpec spec = function(dir, {zip});
    CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
          "function 'fn': layer 1 (" + zip + "): " + zip +
              ": entry 'x' is a symbolic link to '/etc', outside the layer (refused)");
    CHECK(fs::is_empty(dir.path() + "/cache/layers"));
}

TEST_CASE("a folder layer nested deeper than 256 levels is refused, not walked") {
    ConfigDir dir;
    std::string path = dir.path() + "/deep";
    fs::create_directories(path);
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    for (int level = 0; level < 300; ++level) {
        REQUIRE(::mkdirat(fd, "d", 0755) == 0);
        int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ::close(fd);
        REQUIRE(next >= 0);
        fd = next;
    }
    ::close(fd);
    FunctionSpec spec = function(dir, {path});
    CHECK(error_of([&] { prepare_layers(spec, with_cache(dir)); }) ==
          "function 'fn': layer 1 (" + path + "): " + path + ": folders nested more than 256 deep");
}

TEST_CASE("a function without layers is left as it is") {
    FunctionSpec spec;
    spec.name = "fn";
    spec.code_dir = "/nonexistent";
    prepare_layers(spec, {});
    CHECK(spec.layers.empty());
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::layers
