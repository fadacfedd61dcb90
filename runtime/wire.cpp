// Encoding and decoding of worker protocol frames.
#include "runtime/wire.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lambda_local::wire {
namespace {

struct Header {
    std::uint32_t magic;
    std::uint32_t type;
    std::uint32_t meta_size;
    std::uint32_t body_size;
};
static_assert(sizeof(Header) == k_header_size);

Header parse_header(const char* data) {
    Header header{};
    std::memcpy(&header, data, sizeof header);
    if (header.magic != k_magic) {
        throw std::runtime_error("worker protocol: bad frame magic");
    }
    if (header.type < static_cast<std::uint32_t>(MessageType::Config) ||
        header.type > static_cast<std::uint32_t>(MessageType::Exited)) {
        throw std::runtime_error("worker protocol: unknown frame type " +
                                 std::to_string(header.type));
    }
    if (header.meta_size > k_max_meta || header.body_size > k_max_body) {
        throw std::runtime_error("worker protocol: frame too large");
    }
    return header;
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Reads exactly `size` bytes; false on end of stream or error.
bool read_all(int fd, char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

std::string encode(const Frame& frame) {
    Header header{k_magic, static_cast<std::uint32_t>(frame.type),
                  static_cast<std::uint32_t>(frame.meta.size()),
                  static_cast<std::uint32_t>(frame.body.size())};
    std::string out;
    out.reserve(sizeof header + frame.meta.size() + frame.body.size());
    out.append(reinterpret_cast<const char*>(&header), sizeof header);
    out += frame.meta;
    out += frame.body;
    return out;
}

void FrameDecoder::feed(const char* data, std::size_t size) {
    if (m_offset > 0 && m_offset == m_buffer.size()) {
        m_buffer.clear();
        m_offset = 0;
    }
    m_buffer.append(data, size);
}

std::optional<Frame> FrameDecoder::next() {
    if (buffered() < k_header_size) {
        return std::nullopt;
    }
    Header header = parse_header(m_buffer.data() + m_offset);
    std::size_t total = k_header_size + header.meta_size + header.body_size;
    if (buffered() < total) {
        return std::nullopt;
    }
    Frame frame;
    frame.type = static_cast<MessageType>(header.type);
    const char* at = m_buffer.data() + m_offset + k_header_size;
    frame.meta.assign(at, header.meta_size);
    frame.body.assign(at + header.meta_size, header.body_size);
    m_offset += total;
    if (m_offset == m_buffer.size()) {
        m_buffer.clear();
        m_offset = 0;
    }
    return frame;
}

bool write_frame(int fd, const Frame& frame) {
    Header header{k_magic, static_cast<std::uint32_t>(frame.type),
                  static_cast<std::uint32_t>(frame.meta.size()),
                  static_cast<std::uint32_t>(frame.body.size())};
    if (frame.body.size() < 4096) {
        std::string bytes = encode(frame);
        return write_all(fd, bytes.data(), bytes.size());
    }
    // Large bodies are written in place rather than copied into one buffer.
    return write_all(fd, reinterpret_cast<const char*>(&header), sizeof header) &&
           write_all(fd, frame.meta.data(), frame.meta.size()) &&
           write_all(fd, frame.body.data(), frame.body.size());
}

std::optional<Frame> read_frame(int fd) {
    char raw[k_header_size];
    if (!read_all(fd, raw, sizeof raw)) {
        return std::nullopt;
    }
    Header header = parse_header(raw);
    Frame frame;
    frame.type = static_cast<MessageType>(header.type);
    frame.meta.resize(header.meta_size);
    frame.body.resize(header.body_size);
    if (!read_all(fd, frame.meta.data(), frame.meta.size()) ||
        !read_all(fd, frame.body.data(), frame.body.size())) {
        return std::nullopt;
    }
    return frame;
}

} // namespace lambda_local::wire
