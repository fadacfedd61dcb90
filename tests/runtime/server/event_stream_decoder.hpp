// An event-stream decoder written from AWS's description of the encoding, independent of
// runtime/server/event_stream.cpp (its own CRC32), to check what that encoder writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::testing {

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit.
inline std::uint32_t slow_crc32(std::string_view bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
    }
    return ~crc;
}

inline std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
    return (std::uint32_t(static_cast<unsigned char>(bytes[at])) << 24) |
           (std::uint32_t(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (std::uint32_t(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           std::uint32_t(static_cast<unsigned char>(bytes[at + 3]));
}

// One decoded message.
struct DecodedEvent {
    std::map<std::string, std::string> headers; // string headers only
    std::string payload;
};

// The messages of `bytes`, in order; nullopt (with `why`) at the first that does not check
// out: a length, a CRC, a header type other than string, or bytes left over.
inline std::optional<std::vector<DecodedEvent>> decode_event_stream(std::string_view bytes,
                                                                    std::string* why = nullptr) {
    std::vector<DecodedEvent> events;
    auto fail = [why](const std::string& reason) {
        if (why != nullptr) {
            *why = reason;
        }
        return std::nullopt;
    };
    while (!bytes.empty()) {
        if (bytes.size() < 16) {
            return fail("a message shorter than its prelude and CRC");
        }
        const std::uint32_t total = read_u32(bytes, 0);
        const std::uint32_t headers_length = read_u32(bytes, 4);
        if (read_u32(bytes, 8) != slow_crc32(bytes.substr(0, 8))) {
            return fail("prelude CRC");
        }
        if (total < 16 + headers_length || total > bytes.size()) {
            return fail("lengths");
        }
        std::string_view message = bytes.substr(0, total);
        if (read_u32(message, total - 4) != slow_crc32(message.substr(0, total - 4))) {
            return fail("message CRC");
        }
        DecodedEvent event;
        std::string_view headers = message.substr(12, headers_length);
        while (!headers.empty()) {
            const std::size_t name_length = static_cast<unsigned char>(headers[0]);
            if (headers.size() < 1 + name_length + 3) {
                return fail("a header");
            }
            std::string name(headers.substr(1, name_length));
            if (headers[1 + name_length] != 7) {
                return fail("a header that is not a string");
            }
            const std::size_t value_length =
                (std::size_t(static_cast<unsigned char>(headers[2 + name_length])) << 8) |
                std::size_t(static_cast<unsigned char>(headers[3 + name_length]));
            if (headers.size() < 4 + name_length + value_length) {
                return fail("a header's value");
            }
            event.headers[name] = std::string(headers.substr(4 + name_length, value_length));
            headers.remove_prefix(4 + name_length + value_length);
        }
        event.payload =
            std::string(message.substr(12 + headers_length, total - 16 - headers_length));
        events.push_back(std::move(event));
        bytes.remove_prefix(total);
    }
    return events;
}

} // namespace lambda_local::testing
