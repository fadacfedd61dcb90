// Tests of extracting zip layers: what lands where, and hostile archives that must land nowhere
// outside their directory.
#include "runtime/layers/zip_extract.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/config/support.hpp"
#include "tests/runtime/layers/zip_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

namespace lambda_local::runtime::layers {
namespace {

namespace fs = std::filesystem;
using config::testing::ConfigDir;
using config::testing::error_of;
using testing::directory_entry;
using testing::file_entry;
using testing::raw_zip;
using testing::RawEntry;
using testing::symlink_entry;
using testing::write_bytes;

// An archive of `entries` in <dir>/layer.zip, and <dir>/out/ (empty) to extract it into.
struct Fixture {
    ConfigDir dir;
    std::string zip;
    std::string out;

    explicit Fixture(const std::vector<RawEntry>& entries) {
        zip = write_bytes(dir.path() + "/layer.zip", raw_zip(entries));
        out = dir.path() + "/out";
        fs::create_directory(out);
    }
    // The error of extracting, with the zip's path taken out.
    std::string error(std::uint64_t max_bytes = 1 << 20) const {
        ZipArchive archive(zip);
        std::string message = error_of([&] { extract_zip(archive, out, max_bytes); });
        return message.starts_with(zip + ": ") ? message.substr(zip.size() + 2) : message;
    }
    // What the directory around `out` holds besides layer.zip and out/.
    std::vector<std::string> outside() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir.path())) {
            std::string name = entry.path().filename().string();
            if (name != "layer.zip" && name != "out") {
                names.push_back(name);
            }
        }
        return names;
    }
};

mode_t mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    return info.st_mode;
}

} // namespace

TEST_SUITE_BEGIN("runtime::layers::extract_zip");

TEST_CASE("files, folders and links inside land in the directory with their modes") {
    RawEntry deflated = file_entry("bin/tool", "#!/bin/sh\necho hi\n", 0755);
    deflated.deflate = true;
    Fixture f({directory_entry("lib/"), file_entry("lib/libfoo.so.1", "elf", 0644),
               symlink_entry("lib/libfoo.so", "libfoo.so.1"), deflated,
               symlink_entry("bin/opt-tool", "/opt/bin/tool"), file_entry("deep/a/b/c.txt", "c")});
    ZipArchive archive(f.zip);
    extract_zip(archive, f.out, 1 << 20);
    CHECK(mode_of(f.out + "/bin/tool") == (S_IFREG | 0755));
    CHECK(mode_of(f.out + "/lib/libfoo.so.1") == (S_IFREG | 0644));
    CHECK(fs::read_symlink(f.out + "/lib/libfoo.so") == "libfoo.so.1");
    CHECK(fs::read_symlink(f.out + "/bin/opt-tool") == "/opt/bin/tool");
    CHECK(fs::file_size(f.out + "/bin/tool") == 18);
    CHECK(fs::is_regular_file(f.out + "/deep/a/b/c.txt"));
}

TEST_CASE("a path with '..' is refused and nothing lands outside") {
    Fixture f({file_entry("ok.txt", "fine"), file_entry("../escaped.txt", "bad")});
    CHECK(f.error() ==
          "entry '../escaped.txt': '..' in the path (refused: it could land outside the layer)");
    CHECK(f.outside().empty());
}

TEST_CASE("a path hidden in the middle ('lib/../../x') is refused") {
    Fixture f({file_entry("lib/../../x", "bad")});
    CHECK(f.error() ==
          "entry 'lib/../../x': '..' in the path (refused: it could land outside the layer)");
    CHECK(f.outside().empty());
}

TEST_CASE("an absolute path is refused") {
    Fixture f({file_entry("/tmp/ll-absolute-escape", "bad")});
    CHECK(f.error() == "entry '/tmp/ll-absolute-escape': an absolute path (refused: it would "
                       "land outside the layer)");
    CHECK_FALSE(fs::exists("/tmp/ll-absolute-escape"));
}

TEST_CASE("a symbolic link that points outside is refused") {
    SUBCASE("relative") {
        Fixture f({symlink_entry("lib/up", "../../etc")});
        CHECK(f.error() == "entry 'lib/up' is a symbolic link to '../../etc', outside the layer "
                           "(refused)");
    }
    SUBCASE("absolute") {
        Fixture f({symlink_entry("passwd", "/etc/passwd")});
        CHECK(f.error() ==
              "entry 'passwd' is a symbolic link to '/etc/passwd', outside the layer (refused)");
    }
}

TEST_CASE("an entry that goes through an earlier symbolic link is refused") {
    // Even to a target inside: writing through links is how archives escape.
    Fixture f(
        {directory_entry("real/"), symlink_entry("link", "real"), file_entry("link/file", "x")});
    CHECK(f.error() == "entry 'link/file' goes through the symbolic link 'link' (refused: it "
                       "could lead outside the layer)");
    CHECK_FALSE(fs::exists(f.out + "/real/file"));
}

TEST_CASE("a link to outside followed by a file through it writes nothing outside") {
    Fixture f({symlink_entry("evil", "../.."), file_entry("evil/pwned", "x")});
    CHECK(f.error().find("refused") != std::string::npos);
    CHECK(f.outside().empty());
}

TEST_CASE("a duplicate entry is refused rather than overwritten") {
    Fixture f({file_entry("a.txt", "first"), file_entry("a.txt", "second")});
    CHECK(f.error() == "entry 'a.txt': a duplicate entry");
}

TEST_CASE("a zip bomb is stopped before its first byte when it declares its size") {
    RawEntry bomb = file_entry("zeros", std::string(4 << 20, '\0'));
    bomb.deflate = true;
    Fixture f({bomb});
    CHECK(f.error(1 << 20) == "4194304 bytes unzipped, over the limit of 1048576 (nothing was "
                              "extracted)");
    CHECK(fs::is_empty(f.out));
}

TEST_CASE("a zip bomb that lies about its size is stopped at the size it declares") {
    RawEntry bomb = file_entry("zeros", std::string(8 << 20, '\0'));
    bomb.deflate = true;
    bomb.declared_size = 4096;
    Fixture f({bomb});
    CHECK(f.error() == "entry 'zeros': inflates past its declared size of 4096 bytes (stopped "
                       "there)");
    CHECK(fs::file_size(f.out + "/zeros") <= 4096);
}

TEST_CASE("entry names are split into safe components") {
    CHECK(entry_components("lib/libfoo.so") == std::vector<std::string>{"lib", "libfoo.so"});
    CHECK(entry_components("./a//b/") == std::vector<std::string>{"a", "b"});
    CHECK(error_of([] { entry_components("a\\b"); }) ==
          "entry 'a\\b': a backslash in the name (refused: write '/' between folders)");
    CHECK(error_of([] { entry_components(""); }) == "entry '': an empty name");
    CHECK(error_of([] { entry_components("./"); }) == "entry './': names no file");
}

TEST_CASE("a symbolic link stays inside when it never climbs above the root or goes to /opt") {
    CHECK(symlink_stays_inside({"lib", "libfoo.so"}, "libfoo.so.1"));
    CHECK(symlink_stays_inside({"lib", "x"}, "../bin/x"));
    CHECK(symlink_stays_inside({"bin", "tool"}, "/opt/lib/tool"));
    CHECK(symlink_stays_inside({"a", "b", "c"}, "../../d/../e"));
    CHECK_FALSE(symlink_stays_inside({"lib", "x"}, "../../x"));
    CHECK_FALSE(symlink_stays_inside({"x"}, ".."));
    CHECK_FALSE(symlink_stays_inside({"x"}, "/optional"));
    CHECK_FALSE(symlink_stays_inside({"x"}, "/etc/passwd"));
    CHECK_FALSE(symlink_stays_inside({"x"}, ""));
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::layers
