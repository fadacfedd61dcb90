// Encoding and decoding of worker protocol frames.
#include "runtime/protocol/wire.hpp"
#include "runtime/util/fd.hpp"

#include <sys/socket.h>
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

bool known_type(std::uint32_t type) {
    switch (static_cast<MessageType>(type)) {
    case MessageType::Config:
    case MessageType::Ready:
    case MessageType::InitError:
    case MessageType::Invoke:
    case MessageType::Result:
    case MessageType::Exited:
    case MessageType::Sandbox:
    case MessageType::Network:
    case MessageType::Proceed:
    case MessageType::StreamStart:
    case MessageType::StreamChunk:
        return true;
    }
    return false;
}

Header parse_header(const char* data, Limits limits) {
    Header header{};
    std::memcpy(&header, data, sizeof header);
    if (header.magic != k_magic) {
        throw std::runtime_error("worker protocol: bad frame magic");
    }
    if (!known_type(header.type)) {
        throw std::runtime_error("worker protocol: unknown frame type " +
                                 std::to_string(header.type));
    }
    if (header.meta_size > limits.max_meta || header.body_size > limits.max_body) {
        throw std::runtime_error("worker protocol: frame too large");
    }
    return header;
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

// Packed meta fields, written and read in order.
class Packer {
  public:
    Packer& number(std::int64_t value) {
        m_out.append(reinterpret_cast<const char*>(&value), sizeof value);
        return *this;
    }
    Packer& text(std::string_view value) {
        auto size = static_cast<std::uint32_t>(value.size());
        m_out.append(reinterpret_cast<const char*>(&size), sizeof size);
        m_out += value;
        return *this;
    }
    std::string take() { return std::move(m_out); }

  private:
    std::string m_out;
};

class Unpacker {
  public:
    explicit Unpacker(std::string_view in) : m_in(in) {}
    std::int64_t number() {
        std::int64_t value = 0;
        std::memcpy(&value, bytes(sizeof value).data(), sizeof value);
        return value;
    }
    std::string text() {
        std::uint32_t size = 0;
        std::memcpy(&size, bytes(sizeof size).data(), sizeof size);
        return std::string(bytes(size));
    }
    void finish() const {
        if (!m_in.empty()) {
            throw std::runtime_error("worker protocol: unexpected bytes after the meta");
        }
    }

  private:
    std::string_view bytes(std::size_t size) {
        if (m_in.size() < size) {
            throw std::runtime_error("worker protocol: meta cut short");
        }
        std::string_view out = m_in.substr(0, size);
        m_in.remove_prefix(size);
        return out;
    }

    std::string_view m_in;
};

} // namespace

bool valid_stream_content_type(std::string_view content_type) {
    if (content_type.empty() || content_type.size() > k_max_stream_content_type) {
        return false;
    }
    for (char c : content_type) {
        if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

std::string pack(const InvokeMeta& meta) {
    return Packer()
        .text(meta.request_id)
        .number(meta.deadline_ms)
        .text(meta.trace_id)
        .number(meta.stream_max_bytes)
        .text(meta.invoked_function_arn)
        .text(meta.client_context)
        .take();
}

std::string pack(const ResultMeta& meta) {
    return Packer()
        .number(meta.ok ? 1 : 0)
        .number(meta.duration_us)
        .number(meta.peak_rss_kib)
        .text(meta.error_type)
        .text(meta.error_message)
        .take();
}

InvokeMeta unpack_invoke_meta(std::string_view meta) {
    Unpacker in(meta);
    InvokeMeta out;
    out.request_id = in.text();
    out.deadline_ms = in.number();
    out.trace_id = in.text();
    out.stream_max_bytes = in.number();
    out.invoked_function_arn = in.text();
    out.client_context = in.text();
    in.finish();
    return out;
}

ResultMeta unpack_result_meta(std::string_view meta) {
    Unpacker in(meta);
    ResultMeta out;
    out.ok = in.number() != 0;
    out.duration_us = in.number();
    out.peak_rss_kib = in.number();
    out.error_type = in.text();
    out.error_message = in.text();
    in.finish();
    return out;
}

namespace {

void append_head(std::string& out, MessageType type, std::string_view meta, std::size_t body_size) {
    Header header{k_magic, static_cast<std::uint32_t>(type),
                  static_cast<std::uint32_t>(meta.size()), static_cast<std::uint32_t>(body_size)};
    out.append(reinterpret_cast<const char*>(&header), sizeof header);
    out += meta;
}

} // namespace

std::string encode_head(MessageType type, std::string_view meta, std::size_t body_size) {
    std::string out;
    out.reserve(sizeof(Header) + meta.size());
    append_head(out, type, meta, body_size);
    return out;
}

std::string encode(const Frame& frame) {
    std::string out;
    out.reserve(sizeof(Header) + frame.meta.size() + frame.body.size());
    append_head(out, frame.type, frame.meta, frame.body.size());
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
    Header header = parse_header(m_buffer.data() + m_offset, m_limits);
    std::size_t total = k_header_size + header.meta_size + header.body_size;
    if (buffered() < total) {
        m_buffer.reserve(m_offset + total); // a large frame arrives in many pieces
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
        return write_all(fd, bytes);
    }
    // Large bodies are written in place rather than copied into one buffer.
    return write_all(fd, std::string_view(reinterpret_cast<const char*>(&header), sizeof header)) &&
           write_all(fd, frame.meta) && write_all(fd, frame.body);
}

bool write_frame_passing(int socket, const Frame& frame, int passed_fd) {
    std::string bytes = encode(frame);
    char control[CMSG_SPACE(sizeof(int))] = {};
    iovec first{bytes.data(), 1};
    msghdr message{};
    message.msg_iov = &first;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &passed_fd, sizeof(int));
    ssize_t n = 0;
    while ((n = ::sendmsg(socket, &message, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    return n == 1 && write_all(socket, std::string_view(bytes).substr(1));
}

long read_receiving(int socket, char* data, std::size_t size, std::vector<int>& received) {
    char control[CMSG_SPACE(4 * sizeof(int))] = {};
    iovec into{data, size};
    msghdr message{};
    message.msg_iov = &into;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); n >= 0 && header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
            std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
                received.push_back(fd);
            }
        }
    }
    return n;
}

std::optional<Frame> FrameReader::next() {
    char buffer[65536];
    for (;;) {
        if (auto frame = m_decoder.next()) {
            return frame;
        }
        ssize_t n = ::read(m_fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::nullopt;
        }
        m_decoder.feed(buffer, static_cast<std::size_t>(n));
    }
}

std::optional<Frame> read_frame(int fd, Limits limits) {
    char raw[k_header_size];
    if (!read_all(fd, raw, sizeof raw)) {
        return std::nullopt;
    }
    Header header = parse_header(raw, limits);
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
