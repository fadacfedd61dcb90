// The ZIP format as APPNOTE.TXT (PKWARE) describes it, read defensively.
#include "runtime/layers/zip_archive.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lambda_local::runtime::layers {
namespace {

constexpr std::uint32_t k_end_signature = 0x06054b50;
constexpr std::uint32_t k_zip64_locator_signature = 0x07064b50;
constexpr std::uint32_t k_zip64_end_signature = 0x06064b50;
constexpr std::uint32_t k_central_signature = 0x02014b50;
constexpr std::uint32_t k_local_signature = 0x04034b50;
constexpr std::size_t k_end_size = 22;
constexpr std::size_t k_central_size = 46;
constexpr std::size_t k_local_size = 30;
constexpr std::size_t k_max_comment = 65535;
// The central directory is read whole: bounded by what k_max_zip_entries entries with
// long names can take.
constexpr std::uint64_t k_max_central_directory = 64ull << 20;
constexpr std::size_t k_chunk = 64 * 1024;

std::uint16_t get16(const unsigned char* p) {
    return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

std::uint32_t get32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}

std::uint64_t get64(const unsigned char* p) {
    return std::uint64_t(get32(p)) | std::uint64_t(get32(p + 4)) << 32;
}

// The Unix file type and permissions a "made by Unix" entry keeps in its external attributes.
constexpr unsigned k_made_by_unix = 3;
constexpr std::uint32_t k_dos_directory = 0x10;

} // namespace

ZipArchive::ZipArchive(const std::string& path) : m_path(path) {
    m_fd = Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!m_fd) {
        throw Error(path + ": cannot open: " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(m_fd.get(), &info) != 0) {
        throw Error(path + ": cannot read: " + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
        throw Error(path + ": not a regular file");
    }
    m_file_size = static_cast<std::uint64_t>(info.st_size);
    read_central_directory();
}

void ZipArchive::read_at(std::uint64_t offset, void* into, std::size_t size) const {
    if (offset > m_file_size || size > m_file_size - offset) {
        throw Error(m_path + ": truncated zip archive (a record lies past the end of the file)");
    }
    auto* out = static_cast<char*>(into);
    while (size > 0) {
        ssize_t n = ::pread(m_fd.get(), out, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw Error(m_path + ": cannot read: " +
                        (n < 0 ? std::strerror(errno) : "the file shrank while it was read"));
        }
        out += n;
        offset += static_cast<std::uint64_t>(n);
        size -= static_cast<std::size_t>(n);
    }
}

void ZipArchive::read_central_directory() {
    // The end record is in the last 22 bytes plus at most a 64 KiB comment.
    if (m_file_size < k_end_size) {
        throw Error(m_path + ": not a zip archive (too short)");
    }
    std::size_t tail_size =
        static_cast<std::size_t>(std::min<std::uint64_t>(m_file_size, k_end_size + k_max_comment));
    std::vector<unsigned char> tail(tail_size);
    read_at(m_file_size - tail_size, tail.data(), tail_size);
    std::size_t end = std::string::npos;
    for (std::size_t i = tail_size - k_end_size + 1; i-- > 0;) {
        if (get32(&tail[i]) == k_end_signature) {
            end = i;
            break;
        }
    }
    if (end == std::string::npos) {
        throw Error(m_path + ": not a zip archive (no end of central directory record)");
    }
    const unsigned char* record = &tail[end];
    std::uint64_t end_offset = m_file_size - tail_size + end;
    std::uint64_t disk = get16(record + 4);
    std::uint64_t cd_disk = get16(record + 6);
    std::uint64_t count_on_disk = get16(record + 8);
    std::uint64_t count = get16(record + 10);
    std::uint64_t cd_size = get32(record + 12);
    std::uint64_t cd_offset = get32(record + 16);
    bool zip64 = count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff;
    if (zip64) {
        unsigned char locator[20];
        if (end_offset < sizeof locator) {
            throw Error(m_path + ": truncated zip archive (no ZIP64 locator)");
        }
        read_at(end_offset - sizeof locator, locator, sizeof locator);
        if (get32(locator) != k_zip64_locator_signature) {
            throw Error(m_path + ": corrupt zip archive (no ZIP64 locator)");
        }
        unsigned char end64[56];
        read_at(get64(locator + 8), end64, sizeof end64);
        if (get32(end64) != k_zip64_end_signature) {
            throw Error(m_path + ": corrupt zip archive (no ZIP64 end record)");
        }
        disk = get32(end64 + 16);
        cd_disk = get32(end64 + 20);
        count_on_disk = get64(end64 + 24);
        count = get64(end64 + 32);
        cd_size = get64(end64 + 40);
        cd_offset = get64(end64 + 48);
    }
    if (disk != 0 || cd_disk != 0 || count_on_disk != count) {
        throw Error(m_path + ": a zip archive split over several disks is not supported");
    }
    if (count > k_max_zip_entries) {
        throw Error(m_path + ": " + std::to_string(count) + " entries, more than the " +
                    std::to_string(k_max_zip_entries) + " lambda-local extracts");
    }
    if (cd_size > k_max_central_directory || cd_offset > m_file_size ||
        cd_size > m_file_size - cd_offset) {
        throw Error(m_path + ": corrupt zip archive (the central directory lies outside it)");
    }
    std::vector<unsigned char> cd(static_cast<std::size_t>(cd_size));
    read_at(cd_offset, cd.data(), cd.size());
    std::size_t at = 0;
    m_entries.reserve(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count; ++i) {
        if (cd.size() - at < k_central_size || get32(&cd[at]) != k_central_signature) {
            throw Error(m_path + ": corrupt zip archive (central directory entry " +
                        std::to_string(i + 1) + ")");
        }
        const unsigned char* p = &cd[at];
        std::size_t name_length = get16(p + 28);
        std::size_t extra_length = get16(p + 30);
        std::size_t comment_length = get16(p + 32);
        if (cd.size() - at - k_central_size < name_length + extra_length + comment_length) {
            throw Error(m_path + ": corrupt zip archive (central directory entry " +
                        std::to_string(i + 1) + " is truncated)");
        }
        ZipEntry entry;
        entry.name.assign(reinterpret_cast<const char*>(p + k_central_size), name_length);
        std::uint16_t flags = get16(p + 8);
        if (flags & 0x1) {
            throw Error(m_path + ": entry '" + entry.name + "' is encrypted");
        }
        entry.method = get16(p + 10);
        entry.crc = get32(p + 16);
        entry.compressed_size = get32(p + 20);
        entry.size = get32(p + 24);
        entry.local_header_offset = get32(p + 42);
        // ZIP64: the 64-bit values of the fields set to all ones, in this order.
        const unsigned char* extra = p + k_central_size + name_length;
        for (std::size_t e = 0; e + 4 <= extra_length;) {
            std::uint16_t id = get16(extra + e);
            std::size_t length = get16(extra + e + 2);
            if (e + 4 + length > extra_length) {
                break;
            }
            if (id == 0x0001) {
                const unsigned char* field = extra + e + 4;
                std::size_t left = length;
                for (std::uint64_t* value :
                     {&entry.size, &entry.compressed_size, &entry.local_header_offset}) {
                    if (*value == 0xffffffff && left >= 8) {
                        *value = get64(field);
                        field += 8;
                        left -= 8;
                    }
                }
            }
            e += 4 + length;
        }
        unsigned made_by = get16(p + 4) >> 8;
        std::uint32_t external = get32(p + 38);
        std::uint32_t unix_mode = made_by == k_made_by_unix ? external >> 16 : 0;
        bool slash = !entry.name.empty() && entry.name.back() == '/';
        if (S_ISLNK(unix_mode)) {
            entry.type = ZipEntryType::Symlink;
        } else if (S_ISDIR(unix_mode) || slash || (external & k_dos_directory)) {
            entry.type = ZipEntryType::Directory;
        }
        std::uint32_t permissions = unix_mode & 0777;
        if (entry.type == ZipEntryType::Directory) {
            entry.mode = permissions != 0 ? permissions : 0755;
        } else if (entry.type == ZipEntryType::Symlink) {
            entry.mode = 0777;
        } else {
            entry.mode = unix_mode != 0 ? permissions : 0644;
        }
        // ZIP64 sizes are 64 bits each: added up, they could wrap around to a total under the
        // layer's limit while an entry still declares (and may inflate to) exabytes.
        if (__builtin_add_overflow(m_unzipped_size, entry.size, &m_unzipped_size)) {
            throw Error(m_path + ": corrupt zip archive (entry '" + entry.name +
                        "' takes the declared sizes past 2^64 bytes)");
        }
        m_entries.push_back(std::move(entry));
        at += k_central_size + name_length + extra_length + comment_length;
    }
}

std::uint64_t ZipArchive::data_offset(const ZipEntry& entry) const {
    unsigned char local[k_local_size];
    read_at(entry.local_header_offset, local, sizeof local);
    if (get32(local) != k_local_signature) {
        throw Error(m_path + ": entry '" + entry.name + "': corrupt (no local header)");
    }
    std::uint64_t offset =
        entry.local_header_offset + k_local_size + get16(local + 26) + get16(local + 28);
    if (offset > m_file_size || entry.compressed_size > m_file_size - offset) {
        throw Error(m_path + ": entry '" + entry.name + "': truncated");
    }
    return offset;
}

void ZipArchive::read(const ZipEntry& entry,
                      const std::function<void(std::string_view)>& sink) const {
    auto fail = [&](const std::string& why) {
        return Error(m_path + ": entry '" + entry.name + "': " + why);
    };
    if (entry.method != 0 && entry.method != 8) {
        throw fail("compression method " + std::to_string(entry.method) +
                   " (lambda-local reads stored and deflated entries)");
    }
    std::uint64_t offset = data_offset(entry);
    std::uint64_t in_left = entry.compressed_size;
    std::uint64_t produced = 0;
    uLong crc = ::crc32(0, nullptr, 0);
    std::vector<char> input(k_chunk);
    auto emit = [&](const char* data, std::size_t size) {
        if (size > entry.size - produced) {
            throw fail("inflates past its declared size of " + std::to_string(entry.size) +
                       " bytes (stopped there)");
        }
        produced += size;
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size));
        sink(std::string_view(data, size));
    };
    if (entry.method == 0) {
        if (entry.compressed_size != entry.size) {
            throw fail("a stored entry whose sizes differ");
        }
        while (in_left > 0) {
            std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(in_left, k_chunk));
            read_at(offset, input.data(), n);
            offset += n;
            in_left -= n;
            emit(input.data(), n);
        }
    } else {
        z_stream stream{};
        if (::inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
            throw fail("cannot start inflating");
        }
        struct End {
            z_stream* s;
            ~End() { ::inflateEnd(s); }
        } end{&stream};
        std::vector<char> output(k_chunk);
        int status = Z_OK;
        while (status != Z_STREAM_END) {
            if (stream.avail_in == 0) {
                if (in_left == 0) {
                    throw fail("corrupt (the compressed data ends early)");
                }
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(in_left, k_chunk));
                read_at(offset, input.data(), n);
                offset += n;
                in_left -= n;
                stream.next_in = reinterpret_cast<Bytef*>(input.data());
                stream.avail_in = static_cast<uInt>(n);
            }
            stream.next_out = reinterpret_cast<Bytef*>(output.data());
            stream.avail_out = static_cast<uInt>(output.size());
            status = ::inflate(&stream, Z_NO_FLUSH);
            if (status != Z_OK && status != Z_STREAM_END) {
                throw fail(std::string("corrupt deflate data (") +
                           (stream.msg != nullptr ? stream.msg : "zlib error") + ")");
            }
            emit(output.data(), output.size() - stream.avail_out);
        }
    }
    if (produced != entry.size) {
        throw fail("shorter than its declared size of " + std::to_string(entry.size) + " bytes");
    }
    if (static_cast<std::uint32_t>(crc) != entry.crc) {
        throw fail("CRC-32 mismatch (the archive is corrupt)");
    }
}

std::string ZipArchive::read_small(const ZipEntry& entry, std::size_t limit) const {
    if (entry.size > limit) {
        throw Error(m_path + ": entry '" + entry.name + "': " + std::to_string(entry.size) +
                    " bytes, more than the " + std::to_string(limit) + " expected");
    }
    std::string content;
    read(entry, [&](std::string_view piece) { content.append(piece); });
    return content;
}

} // namespace lambda_local::runtime::layers
