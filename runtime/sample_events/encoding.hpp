// Encodings that AWS events carry: base64 payloads, MD5 digests, percent-encoding.
#pragma once

#include <string>
#include <string_view>

namespace lambda_local::runtime::events {

// The MD5 digest (RFC 1321) of `bytes` as 32 lowercase hex digits, as SQS's md5OfBody.
std::string md5_hex(std::string_view bytes);
// An object key as S3 writes it in event notifications: form-encoded, ' ' as '+', '/' kept.
std::string s3_event_key(std::string_view key);
// Whether `text` is well-formed UTF-8 (JSON strings must be).
bool is_valid_utf8(std::string_view text);

} // namespace lambda_local::runtime::events
