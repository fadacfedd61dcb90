// ZIP archives written byte by byte for the tests, holding what a hostile one may: any name,
// symbolic links anywhere, sizes that lie, wrong CRCs.
#pragma once

#include <sys/stat.h>

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::layers::testing {

// One entry as the fixture writes it.
struct RawEntry {
    std::string name;
    std::string data;                           // the content (a symbolic link's target)
    std::uint32_t unix_mode = S_IFREG | 0644;   // 0: no Unix attributes (made by MS-DOS)
    bool deflate = false;                       // else stored
    std::optional<std::uint64_t> declared_size; // a lie about the uncompressed size
    std::optional<std::uint32_t> crc;           // a lie about the CRC-32
    bool zip64 = false;                         // sizes and offset in a ZIP64 extra field
};

inline RawEntry file_entry(std::string name, std::string data, std::uint32_t mode = 0644) {
    RawEntry entry;
    entry.name = std::move(name);
    entry.data = std::move(data);
    entry.unix_mode = S_IFREG | mode;
    return entry;
}

inline RawEntry directory_entry(std::string name) {
    RawEntry entry;
    entry.name = std::move(name);
    entry.unix_mode = S_IFDIR | 0755;
    return entry;
}

inline RawEntry symlink_entry(std::string name, std::string target) {
    RawEntry entry;
    entry.name = std::move(name);
    entry.data = std::move(target);
    entry.unix_mode = S_IFLNK | 0777;
    return entry;
}

inline void put16(std::string& out, std::uint32_t value) {
    out += static_cast<char>(value & 0xff);
    out += static_cast<char>((value >> 8) & 0xff);
}

inline void put32(std::string& out, std::uint32_t value) {
    put16(out, value & 0xffff);
    put16(out, value >> 16);
}

inline void put64(std::string& out, std::uint64_t value) {
    put32(out, static_cast<std::uint32_t>(value));
    put32(out, static_cast<std::uint32_t>(value >> 32));
}

// Raw deflate (no zlib header), as ZIP stores it.
inline std::string raw_deflate(const std::string& data) {
    z_stream stream{};
    deflateInit2(&stream, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&stream, data.size()) + 16, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// The bytes of a ZIP archive of `entries`.
inline std::string raw_zip(const std::vector<RawEntry>& entries) {
    std::string out;
    std::string central;
    for (const RawEntry& entry : entries) {
        std::string stored = entry.deflate ? raw_deflate(entry.data) : entry.data;
        std::uint32_t crc = entry.crc.value_or(
            static_cast<std::uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(entry.data.data()),
                                               static_cast<uInt>(entry.data.size()))));
        std::uint64_t size = entry.declared_size.value_or(entry.data.size());
        std::uint64_t offset = out.size();
        std::string extra;
        if (entry.zip64) {
            put16(extra, 0x0001);
            put16(extra, 24);
            put64(extra, size);
            put64(extra, stored.size());
            put64(extra, offset);
        }
        auto fields = [&](std::string& to) {
            put16(to, 20);                    // version needed
            put16(to, 0);                     // flags
            put16(to, entry.deflate ? 8 : 0); // method
            put16(to, 0);                     // time
            put16(to, 0x21);                  // date: 1980-01-01
            put32(to, crc);
            put32(to, entry.zip64 ? 0xffffffff : static_cast<std::uint32_t>(stored.size()));
            put32(to, entry.zip64 ? 0xffffffff : static_cast<std::uint32_t>(size));
            put16(to, static_cast<std::uint32_t>(entry.name.size()));
            put16(to, static_cast<std::uint32_t>(extra.size()));
        };
        put32(out, 0x04034b50);
        fields(out);
        out += entry.name;
        out += extra;
        out += stored;
        put32(central, 0x02014b50);
        put16(central, entry.unix_mode != 0 ? (3 << 8) | 20 : 20); // made by Unix or MS-DOS
        fields(central);
        put16(central, 0); // comment
        put16(central, 0); // disk
        put16(central, 0); // internal attributes
        put32(central, entry.unix_mode << 16);
        put32(central, entry.zip64 ? 0xffffffff : static_cast<std::uint32_t>(offset));
        central += entry.name;
        central += extra;
    }
    std::uint64_t central_offset = out.size();
    out += central;
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<std::uint32_t>(entries.size()));
    put16(out, static_cast<std::uint32_t>(entries.size()));
    put32(out, static_cast<std::uint32_t>(central.size()));
    put32(out, static_cast<std::uint32_t>(central_offset));
    put16(out, 0);
    return out;
}

// Writes `bytes` to `path`; returns the path.
inline std::string write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return path;
}

} // namespace lambda_local::runtime::layers::testing
