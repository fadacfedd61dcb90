// Writing a ZIP archive with Unix permissions: stored entries (no compression), CRC-32,
// symbolic links.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::deploy {

// The CRC-32 of ZIP (and zlib, PNG): polynomial 0xEDB88320, initial and final XOR ~0.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

// A ZIP archive built in memory. Entries are stored uncompressed with their CRC-32, "made
// by Unix" with the mode in the external attributes (what unzip and Lambda read to set
// permissions), and a fixed timestamp (1980-01-01 00:00), so that the same files always
// make the same bytes.
class ZipWriter {
  public:
    // A directory entry ("lib/"; the '/' is added when missing).
    void add_directory(std::string name, std::uint32_t mode = 0755);
    // A regular file. Throws lambda_local::Error for an unsafe name (absolute, "..",
    // empty), a duplicate, or a size past the classic format's 4 GiB.
    void add_file(std::string name, std::string data, std::uint32_t mode);
    // A symbolic link to `target` (stored as its data, mode 0777 with the link type, as
    // Info-ZIP writes one). Throws lambda_local::Error as add_file().
    void add_symlink(std::string name, std::string target);
    // The archive's bytes. Throws lambda_local::Error past 65535 entries or 4 GiB.
    std::string finish() const;

  private:
    struct Entry {
        std::string name;
        std::string data;
        std::uint32_t mode = 0; // with the file type bits (S_IFREG, S_IFDIR or S_IFLNK)
        std::uint32_t crc = 0;
    };
    void check_name(const std::string& name) const;

    std::vector<Entry> m_entries;
};

} // namespace lambda_local::runtime::deploy
