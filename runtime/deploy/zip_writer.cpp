// The ZIP format (APPNOTE.TXT 4.3): local headers and data, the central directory, its end.
#include "runtime/deploy/zip_writer.hpp"

#include "runtime/util/error.hpp"

#include <sys/stat.h>

#include <array>
#include <limits>

namespace lambda_local::runtime::deploy {
namespace {

constexpr std::uint32_t k_local_header = 0x04034b50;
constexpr std::uint32_t k_central_header = 0x02014b50;
constexpr std::uint32_t k_end_of_central_directory = 0x06054b50;
constexpr std::uint16_t k_version_needed = 10;             // 1.0: stored entries
constexpr std::uint16_t k_version_made_by = (3 << 8) | 30; // Unix, APPNOTE 3.0
constexpr std::uint16_t k_flag_utf8_name = 1 << 11;
constexpr std::uint16_t k_dos_time = 0;                       // 00:00:00
constexpr std::uint16_t k_dos_date = (0 << 9) | (1 << 5) | 1; // 1980-01-01
constexpr std::uint32_t k_msdos_directory = 0x10;
constexpr std::uint64_t k_max_classic = std::numeric_limits<std::uint32_t>::max();

std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    return table;
}

void put16(std::string& out, std::uint16_t value) {
    out += static_cast<char>(value & 0xff);
    out += static_cast<char>(value >> 8);
}

void put32(std::string& out, std::uint32_t value) {
    put16(out, static_cast<std::uint16_t>(value & 0xffff));
    put16(out, static_cast<std::uint16_t>(value >> 16));
}

std::uint16_t name_flags(const std::string& name) {
    for (unsigned char c : name) {
        if (c >= 0x80) {
            return k_flag_utf8_name;
        }
    }
    return 0;
}

// The fields the local and the central header of an entry share: flags, method (stored), time,
// date, CRC-32, and the compressed and uncompressed sizes (equal: nothing is compressed).
void put_entry_fields(std::string& out, const std::string& name, std::uint32_t crc,
                      std::size_t size) {
    put16(out, name_flags(name));
    put16(out, 0); // stored
    put16(out, k_dos_time);
    put16(out, k_dos_date);
    put32(out, crc);
    put32(out, static_cast<std::uint32_t>(size));
    put32(out, static_cast<std::uint32_t>(size));
}

} // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
    static const std::array<std::uint32_t, 256> table = make_crc_table();
    crc = ~crc;
    for (unsigned char byte : data) {
        crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

void ZipWriter::check_name(const std::string& name) const {
    if (name.empty() || name == "/" || name.front() == '/' || name.size() > 0xffff ||
        name.find('\\') != std::string::npos || name.find('\0') != std::string::npos) {
        throw Error("zip: invalid entry name '" + name + "'");
    }
    std::size_t start = 0;
    while (start < name.size()) {
        auto end = name.find('/', start);
        if (end == std::string::npos) {
            end = name.size();
        }
        std::string_view part(name.data() + start, end - start);
        if (part == ".." || part == "." || (part.empty() && end != name.size())) {
            throw Error("zip: invalid entry name '" + name + "'");
        }
        start = end + 1;
    }
    for (const auto& entry : m_entries) {
        if (entry.name == name) {
            throw Error("zip: duplicate entry '" + name + "'");
        }
    }
}

void ZipWriter::add_directory(std::string name, std::uint32_t mode) {
    if (name.empty() || name.back() != '/') {
        name += '/';
    }
    check_name(name);
    m_entries.push_back({std::move(name), {}, S_IFDIR | (mode & 07777), 0});
}

void ZipWriter::add_file(std::string name, std::string data, std::uint32_t mode) {
    check_name(name);
    if (name.back() == '/') {
        throw Error("zip: a file name may not end with '/': '" + name + "'");
    }
    if (data.size() >= k_max_classic) {
        throw Error("zip: " + name + " is 4 GiB or more, which needs ZIP64");
    }
    std::uint32_t crc = crc32(data);
    m_entries.push_back({std::move(name), std::move(data), S_IFREG | (mode & 07777), crc});
}

void ZipWriter::add_symlink(std::string name, std::string target) {
    check_name(name);
    if (name.back() == '/' || target.empty() || target.find('\0') != std::string::npos) {
        throw Error("zip: invalid symbolic link '" + name + "' -> '" + target + "'");
    }
    std::uint32_t crc = crc32(target);
    m_entries.push_back({std::move(name), std::move(target), S_IFLNK | 0777, crc});
}

std::string ZipWriter::finish() const {
    if (m_entries.size() > 0xffff) {
        throw Error("zip: more than 65535 entries need ZIP64");
    }
    std::string out;
    std::vector<std::uint32_t> offsets;
    for (const auto& entry : m_entries) {
        if (out.size() >= k_max_classic) {
            throw Error("zip: the archive passes 4 GiB, which needs ZIP64");
        }
        offsets.push_back(static_cast<std::uint32_t>(out.size()));
        put32(out, k_local_header);
        put16(out, k_version_needed);
        put_entry_fields(out, entry.name, entry.crc, entry.data.size());
        put16(out, static_cast<std::uint16_t>(entry.name.size()));
        put16(out, 0); // no extra field
        out += entry.name;
        out += entry.data;
    }
    if (out.size() >= k_max_classic) {
        throw Error("zip: the archive passes 4 GiB, which needs ZIP64");
    }
    auto directory_offset = static_cast<std::uint32_t>(out.size());
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        const auto& entry = m_entries[i];
        bool directory = S_ISDIR(entry.mode);
        put32(out, k_central_header);
        put16(out, k_version_made_by);
        put16(out, k_version_needed);
        put_entry_fields(out, entry.name, entry.crc, entry.data.size());
        put16(out, static_cast<std::uint16_t>(entry.name.size()));
        put16(out, 0); // extra
        put16(out, 0); // comment
        put16(out, 0); // disk number
        put16(out, 0); // internal attributes
        put32(out, (entry.mode << 16) | (directory ? k_msdos_directory : 0));
        put32(out, offsets[i]);
        out += entry.name;
    }
    if (out.size() >= k_max_classic) {
        throw Error("zip: the archive passes 4 GiB, which needs ZIP64");
    }
    auto directory_size = static_cast<std::uint32_t>(out.size() - directory_offset);
    auto count = static_cast<std::uint16_t>(m_entries.size());
    put32(out, k_end_of_central_directory);
    put16(out, 0); // this disk
    put16(out, 0); // the disk with the directory
    put16(out, count);
    put16(out, count);
    put32(out, directory_size);
    put32(out, directory_offset);
    put16(out, 0); // comment
    return out;
}

} // namespace lambda_local::runtime::deploy
