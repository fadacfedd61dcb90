// AWS's event-stream encoding: messages with their prelude, headers, payload and CRCs.
#include "runtime/server/event_stream.hpp"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>

namespace lambda_local::runtime::server {
namespace {

constexpr std::uint8_t k_string_header = 7;
// Total length, headers length, prelude CRC; and the message CRC at the end.
constexpr std::size_t k_prelude_bytes = 12;
constexpr std::size_t k_crc_bytes = 4;

void put_u32(std::string& out, std::uint32_t value) {
    out += static_cast<char>((value >> 24) & 0xff);
    out += static_cast<char>((value >> 16) & 0xff);
    out += static_cast<char>((value >> 8) & 0xff);
    out += static_cast<char>(value & 0xff);
}

std::uint32_t crc32_of(std::string_view bytes) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    // zlib takes a uInt length: feed it in pieces.
    while (!bytes.empty()) {
        std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
        bytes.remove_prefix(n);
    }
    return static_cast<std::uint32_t>(crc);
}

std::string message_of(std::string_view event_type, std::string_view content_type,
                       std::string_view payload) {
    return event_stream_message({{":event-type", std::string(event_type)},
                                 {":content-type", std::string(content_type)},
                                 {":message-type", "event"}},
                                payload);
}

} // namespace

std::string event_stream_message(const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view payload) {
    std::string encoded_headers;
    for (const auto& [name, value] : headers) {
        std::string_view n = std::string_view(name).substr(0, 255);
        std::string_view v = std::string_view(value).substr(0, 65535);
        encoded_headers += static_cast<char>(n.size());
        encoded_headers += n;
        encoded_headers += static_cast<char>(k_string_header);
        encoded_headers += static_cast<char>((v.size() >> 8) & 0xff);
        encoded_headers += static_cast<char>(v.size() & 0xff);
        encoded_headers += v;
    }
    const std::size_t total =
        k_prelude_bytes + encoded_headers.size() + payload.size() + k_crc_bytes;
    std::string message;
    message.reserve(total);
    put_u32(message, static_cast<std::uint32_t>(total));
    put_u32(message, static_cast<std::uint32_t>(encoded_headers.size()));
    put_u32(message, crc32_of(std::string_view(message).substr(0, 8)));
    message += encoded_headers;
    message += payload;
    put_u32(message, crc32_of(message));
    return message;
}

std::string payload_chunk_events(std::string_view bytes) {
    std::string out;
    while (!bytes.empty()) {
        std::string_view piece = bytes.substr(0, k_max_chunk_payload);
        out += message_of("PayloadChunk", "application/octet-stream", piece);
        bytes.remove_prefix(piece.size());
    }
    return out;
}

std::string invoke_complete_event(std::string_view error_code, std::string_view error_details,
                                  std::string_view log_result) {
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    if (!error_code.empty()) {
        body["ErrorCode"] = error_code;
    }
    if (!error_details.empty()) {
        body["ErrorDetails"] = error_details;
    }
    if (!log_result.empty()) {
        body["LogResult"] = log_result;
    }
    // A function's error text need not be UTF-8.
    return message_of("InvokeComplete", "application/json",
                      body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

} // namespace lambda_local::runtime::server
