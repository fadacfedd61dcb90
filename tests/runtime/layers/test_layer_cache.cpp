// Tests of the layer cache: one extraction per content, keys remembered, failures leave nothing.
#include "runtime/layers/layer_cache.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/sha256.hpp"
#include "tests/runtime/config/support.hpp"
#include "tests/runtime/layers/zip_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lambda_local::runtime::layers {
namespace {

namespace fs = std::filesystem;
using config::testing::ConfigDir;
using config::testing::error_of;
using testing::file_entry;
using testing::raw_zip;
using testing::write_bytes;

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST_SUITE_BEGIN("runtime::layers::LayerCache");

TEST_CASE("a zip is extracted once, under the SHA-256 of its bytes") {
    ConfigDir dir;
    std::string bytes = raw_zip({file_entry("etc/v.txt", "one")});
    std::string zip = write_bytes(dir.path() + "/layer.zip", bytes);
    LayerCache cache(dir.path() + "/cache");
    std::string first = cache.extracted(ZipArchive(zip), 1 << 20);
    CHECK(first == dir.path() + "/cache/layers/" + sha256_hex(bytes));
    CHECK(read_text(first + "/etc/v.txt") == "one");
    // A file added to the extraction stays: the second run does not extract again.
    write_bytes(first + "/marker", "kept");
    std::string second = cache.extracted(ZipArchive(zip), 1 << 20);
    CHECK(second == first);
    CHECK(fs::exists(first + "/marker"));
}

TEST_CASE("a changed zip gets another key and is extracted again") {
    ConfigDir dir;
    std::string zip = write_bytes(dir.path() + "/layer.zip", raw_zip({file_entry("v", "one")}));
    LayerCache cache(dir.path() + "/cache");
    std::string first = cache.extracted(ZipArchive(zip), 1 << 20);
    write_bytes(zip, raw_zip({file_entry("v", "two")}));
    std::string second = cache.extracted(ZipArchive(zip), 1 << 20);
    CHECK(second != first);
    CHECK(read_text(second + "/v") == "two");
    CHECK(read_text(first + "/v") == "one");
}

TEST_CASE("an unchanged zip's key is remembered, not computed again") {
    ConfigDir dir;
    std::string bytes = raw_zip({file_entry("v", "one")});
    std::string zip = write_bytes(dir.path() + "/layer.zip", bytes);
    LayerCache cache(dir.path() + "/cache");
    CHECK(cache.content_key(zip) == sha256_hex(bytes));
    // The memo names the key beside the file's identity; a forged key with the same identity
    // is what the next call answers, which proves that the file was not read again.
    std::vector<std::string> memos = names_in(dir.path() + "/cache/keys");
    REQUIRE(memos.size() == 1);
    std::string memo = dir.path() + "/cache/keys/" + memos.front();
    std::string line = read_text(memo);
    std::string forged = std::string(64, 'f') + line.substr(64);
    write_bytes(memo, forged);
    CHECK(cache.content_key(zip) == std::string(64, 'f'));
    // Touching the file changes its identity: the key is computed again.
    ::usleep(10000);
    write_bytes(zip, bytes);
    CHECK(cache.content_key(zip) == sha256_hex(bytes));
}

TEST_CASE("a refused zip leaves the cache as it was") {
    ConfigDir dir;
    std::string good = write_bytes(dir.path() + "/good.zip", raw_zip({file_entry("v", "ok")}));
    std::string bad = write_bytes(dir.path() + "/bad.zip",
                                  raw_zip({file_entry("a", "fine"), file_entry("../b", "bad")}));
    LayerCache cache(dir.path() + "/cache");
    std::string kept = cache.extracted(ZipArchive(good), 1 << 20);
    std::vector<std::string> before = names_in(dir.path() + "/cache/layers");
    CHECK(error_of([&] { cache.extracted(ZipArchive(bad), 1 << 20); }) ==
          bad + ": entry '../b': '..' in the path (refused: it could land outside the layer)");
    CHECK(names_in(dir.path() + "/cache/layers") == before);
    CHECK(read_text(kept + "/v") == "ok");
    CHECK_FALSE(fs::exists(dir.path() + "/b"));
}

TEST_CASE("the cache's place comes from LAMBDA_LOCAL_CACHE_DIR, XDG_CACHE_HOME, then HOME") {
    struct Saved {
        const char* name;
        std::optional<std::string> value;
    };
    std::vector<Saved> saved;
    for (const char* name : {"LAMBDA_LOCAL_CACHE_DIR", "XDG_CACHE_HOME", "HOME"}) {
        const char* value = std::getenv(name);
        saved.push_back({name, value ? std::optional<std::string>(value) : std::nullopt});
        ::unsetenv(name);
    }
    CHECK(error_of([] {
              LayerCache::default_root();
          }).starts_with("no directory to extract zip layers into"));
    ::setenv("HOME", "/home/someone", 1);
    CHECK(LayerCache::default_root() == "/home/someone/.cache/lambda-local");
    ::setenv("XDG_CACHE_HOME", "/var/cache/u", 1);
    CHECK(LayerCache::default_root() == "/var/cache/u/lambda-local");
    ::setenv("LAMBDA_LOCAL_CACHE_DIR", "/srv/ll-cache", 1);
    CHECK(LayerCache::default_root() == "/srv/ll-cache");
    for (const Saved& s : saved) {
        if (s.value) {
            ::setenv(s.name, s.value->c_str(), 1);
        } else {
            ::unsetenv(s.name);
        }
    }
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::layers
