// Tests of reading zip archives: entries, types and modes, ZIP64, and archives that lie.
#include "runtime/layers/zip_archive.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/config/support.hpp"
#include "tests/runtime/layers/zip_fixture.hpp"

#include <doctest/doctest.h>

namespace lambda_local::runtime::layers {
namespace {

using config::testing::ConfigDir;
using config::testing::error_of;
using testing::directory_entry;
using testing::file_entry;
using testing::raw_zip;
using testing::RawEntry;
using testing::symlink_entry;
using testing::write_bytes;

std::string content(const ZipArchive& archive, const ZipEntry& entry) {
    std::string text;
    archive.read(entry, [&](std::string_view piece) { text.append(piece); });
    return text;
}

} // namespace

TEST_SUITE_BEGIN("runtime::layers::ZipArchive");

TEST_CASE("stored and deflated entries read back with their types and modes") {
    ConfigDir dir;
    RawEntry deflated = file_entry("bin/tool", std::string(100000, 'x'), 0755);
    deflated.deflate = true;
    std::string path = write_bytes(
        dir.path() + "/a.zip",
        raw_zip({directory_entry("bin/"), deflated, file_entry("lib/readme.txt", "hello\n"),
                 symlink_entry("lib/libfoo.so", "libfoo.so.1")}));
    ZipArchive archive(path);
    REQUIRE(archive.entries().size() == 4);
    const auto& entries = archive.entries();
    CHECK(entries[0].type == ZipEntryType::Directory);
    CHECK(entries[1].type == ZipEntryType::File);
    CHECK(entries[1].mode == 0755);
    CHECK(entries[1].method == 8);
    CHECK(content(archive, entries[1]) == std::string(100000, 'x'));
    CHECK(entries[2].mode == 0644);
    CHECK(content(archive, entries[2]) == "hello\n");
    CHECK(entries[3].type == ZipEntryType::Symlink);
    CHECK(archive.read_small(entries[3], 4096) == "libfoo.so.1");
    CHECK(archive.unzipped_size() == 100000 + 6 + 11);
}

TEST_CASE("an entry without Unix attributes is a 0644 file, or a 0755 folder by its slash") {
    ConfigDir dir;
    RawEntry file = file_entry("a.txt", "a");
    file.unix_mode = 0;
    RawEntry folder = directory_entry("d/");
    folder.unix_mode = 0;
    ZipArchive archive(write_bytes(dir.path() + "/dos.zip", raw_zip({file, folder})));
    CHECK(archive.entries()[0].mode == 0644);
    CHECK(archive.entries()[0].type == ZipEntryType::File);
    CHECK(archive.entries()[1].type == ZipEntryType::Directory);
    CHECK(archive.entries()[1].mode == 0755);
}

TEST_CASE("ZIP64 sizes and offsets in the extra field are read") {
    ConfigDir dir;
    RawEntry entry = file_entry("big.bin", "zip64 content");
    entry.zip64 = true;
    ZipArchive archive(write_bytes(dir.path() + "/64.zip", raw_zip({entry})));
    REQUIRE(archive.entries().size() == 1);
    CHECK(archive.entries()[0].size == 13);
    CHECK(content(archive, archive.entries()[0]) == "zip64 content");
}

TEST_CASE("declared sizes that add up past 2^64 bytes are refused, not wrapped around") {
    // Wrapped around, 2^63 + 2^63 would be 0 bytes, under any layer's limit.
    ConfigDir dir;
    RawEntry a = file_entry("a", "x");
    a.zip64 = true;
    a.declared_size = std::uint64_t{1} << 63;
    RawEntry b = a;
    b.name = "b";
    std::string path = write_bytes(dir.path() + "/wraps.zip", raw_zip({a, b}));
    CHECK(error_of([&] { ZipArchive archive(path); }) ==
          path + ": corrupt zip archive (entry 'b' takes the declared sizes past 2^64 bytes)");
}

TEST_CASE("an entry that inflates past its declared size stops there with an error") {
    ConfigDir dir;
    RawEntry bomb = file_entry("bomb", std::string(20 << 20, '\0'));
    bomb.deflate = true;
    bomb.declared_size = 1000;
    ZipArchive archive(write_bytes(dir.path() + "/bomb.zip", raw_zip({bomb})));
    CHECK(archive.unzipped_size() == 1000);
    std::size_t received = 0;
    std::string message = error_of([&] {
        archive.read(archive.entries()[0],
                     [&](std::string_view piece) { received += piece.size(); });
    });
    CHECK(message == dir.path() +
                         "/bomb.zip: entry 'bomb': inflates past its declared size of 1000 bytes "
                         "(stopped there)");
    CHECK(received <= 1000);
}

TEST_CASE("a wrong CRC-32, a short entry and an unknown method are errors") {
    ConfigDir dir;
    SUBCASE("CRC") {
        RawEntry entry = file_entry("f", "data");
        entry.crc = 12345;
        ZipArchive archive(write_bytes(dir.path() + "/z.zip", raw_zip({entry})));
        CHECK(error_of([&] {
                  content(archive, archive.entries()[0]);
              }).ends_with("entry 'f': CRC-32 mismatch (the archive is corrupt)"));
    }
    SUBCASE("shorter than declared") {
        RawEntry entry = file_entry("f", "data");
        entry.deflate = true;
        entry.declared_size = 10;
        ZipArchive archive(write_bytes(dir.path() + "/z.zip", raw_zip({entry})));
        CHECK(error_of([&] {
                  content(archive, archive.entries()[0]);
              }).ends_with("entry 'f': shorter than its declared size of 10 bytes"));
    }
    SUBCASE("method") {
        std::string bytes = raw_zip({file_entry("f", "data")});
        bytes[8] = 12; // bzip2, in the local header
        std::size_t central = bytes.find("PK\x01\x02");
        bytes[central + 10] = 12;
        ZipArchive archive(write_bytes(dir.path() + "/z.zip", bytes));
        CHECK(error_of([&] { content(archive, archive.entries()[0]); })
                  .ends_with("entry 'f': compression method 12 (lambda-local reads stored and "
                             "deflated entries)"));
    }
}

TEST_CASE("what is not a whole zip archive is refused with its reason") {
    ConfigDir dir;
    SUBCASE("not a zip") {
        std::string path = write_bytes(dir.path() + "/text.zip", "just some text, no archive");
        CHECK(error_of([&] { ZipArchive archive(path); }) ==
              path + ": not a zip archive (no end of central directory record)");
    }
    SUBCASE("truncated") {
        std::string bytes = raw_zip({file_entry("f", std::string(1000, 'a'))});
        std::string path = write_bytes(dir.path() + "/cut.zip", bytes.substr(600));
        CHECK(error_of([&] { ZipArchive archive(path); }).starts_with(path + ": "));
    }
    SUBCASE("encrypted") {
        std::string bytes = raw_zip({file_entry("secret", "x")});
        std::size_t central = bytes.find("PK\x01\x02");
        bytes[central + 8] = 1;
        std::string path = write_bytes(dir.path() + "/enc.zip", bytes);
        CHECK(error_of([&] { ZipArchive archive(path); }) ==
              path + ": entry 'secret' is encrypted");
    }
    SUBCASE("too many entries") {
        // 200000 entries, in a ZIP64 end record: refused on the count alone, before the
        // central directory is read.
        std::string bytes = raw_zip({file_entry("f", "x")});
        std::string path = dir.path() + "/many.zip";
        std::size_t end = bytes.rfind("PK\x05\x06");
        std::string record;
        testing::put32(record, 0x06064b50);
        testing::put64(record, 44);
        testing::put16(record, 45);
        testing::put16(record, 45);
        testing::put32(record, 0);
        testing::put32(record, 0);
        testing::put64(record, 200000);
        testing::put64(record, 200000);
        testing::put64(record, 100);
        testing::put64(record, 0);
        std::string locator;
        testing::put32(locator, 0x07064b50);
        testing::put32(locator, 0);
        testing::put64(locator, end);
        testing::put32(locator, 1);
        std::string tail;
        testing::put32(tail, 0x06054b50);
        testing::put16(tail, 0);
        testing::put16(tail, 0);
        testing::put16(tail, 0xffff);
        testing::put16(tail, 0xffff);
        testing::put32(tail, 0xffffffff);
        testing::put32(tail, 0xffffffff);
        testing::put16(tail, 0);
        write_bytes(path, bytes.substr(0, end) + record + locator + tail);
        CHECK(error_of([&] { ZipArchive archive(path); }) ==
              path + ": 200000 entries, more than the 100000 lambda-local extracts");
    }
    SUBCASE("a folder") {
        CHECK(error_of([&] { ZipArchive archive(dir.path()); }) ==
              dir.path() + ": not a regular file");
    }
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::layers
