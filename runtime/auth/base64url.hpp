// Base64url as JSON Web Signatures write it (RFC 7515 §2): the URL alphabet, no padding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::auth {

// The bytes of `text`, or nothing unless it is canonical unpadded base64url: only
// `A-Z a-z 0-9 - _`, no '=', no whitespace, a length that is not 1 mod 4, and zero bits
// after the last byte (so that one byte string has exactly one spelling).
std::optional<std::string> base64url_decode(std::string_view text);

// `bytes` in unpadded base64url.
std::string base64url_encode(std::string_view bytes);

} // namespace lambda_local::runtime::auth
