// Reading a ZIP archive: its central directory, and each entry's bytes, within limits.
#pragma once

#include "runtime/util/fd.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::layers {

// What an entry of an archive is.
enum class ZipEntryType { File, Directory, Symlink };

// One entry, as the central directory describes it.
struct ZipEntry {
    std::string name; // as stored: "lib/libfoo.so", "lib/"
    ZipEntryType type = ZipEntryType::File;
    std::uint32_t mode = 0644; // permission bits; 0644 (0755 for a directory) when not stored
    std::uint16_t method = 0;  // 0 stored, 8 deflated
    std::uint32_t crc = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t size = 0; // uncompressed, as declared
    std::uint64_t local_header_offset = 0;
};

// The most entries an archive may have: more is refused before anything is extracted (a
// million empty files would stay under any size limit).
inline constexpr std::size_t k_max_zip_entries = 100000;

// A ZIP archive open for reading: stored and deflated entries, ZIP64 sizes, Unix modes and
// symbolic links. Nothing is trusted: every offset and size is checked against the file, and
// an entry never yields more bytes than it declares.
class ZipArchive {
  public:
    // Opens `path` and reads its central directory. Throws lambda_local::Error
    // "<path>: <why>": not a zip archive, truncated, encrypted, split over several disks, or
    // more than k_max_zip_entries entries.
    explicit ZipArchive(const std::string& path);

    const std::string& path() const { return m_path; }
    const std::vector<ZipEntry>& entries() const { return m_entries; }
    // The sum of the entries' declared uncompressed sizes.
    std::uint64_t unzipped_size() const { return m_unzipped_size; }

    // Streams the bytes of `entry` to `sink`, in pieces. Throws lambda_local::Error
    // "<path>: entry '<name>': <why>" when it would inflate past its declared size (stopping
    // there), is shorter, is corrupt, fails its CRC-32, or uses another compression method.
    void read(const ZipEntry& entry, const std::function<void(std::string_view)>& sink) const;
    // The whole content of a small entry (a symbolic link's target), at most `limit` bytes.
    std::string read_small(const ZipEntry& entry, std::size_t limit) const;

  private:
    void read_central_directory();
    void read_at(std::uint64_t offset, void* into, std::size_t size) const;
    std::uint64_t data_offset(const ZipEntry& entry) const;

    std::string m_path;
    Fd m_fd;
    std::uint64_t m_file_size = 0;
    std::vector<ZipEntry> m_entries;
    std::uint64_t m_unzipped_size = 0;
};

} // namespace lambda_local::runtime::layers
