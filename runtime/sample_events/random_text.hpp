// Random strings in the alphabets AWS uses for its identifiers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lambda_local::runtime::events {

inline constexpr std::string_view k_digits = "0123456789";
inline constexpr std::string_view k_upper_hex = "0123456789ABCDEF";
inline constexpr std::string_view k_lower_alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view k_upper_alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
// The characters of API Gateway's short request ids ("LV7fzho-PHcEJPw=").
inline constexpr std::string_view k_base64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// `count` characters drawn uniformly from `alphabet` (at most 256 characters).
std::string random_chars(std::string_view alphabet, std::size_t count);
// `count` random bytes.
std::string random_bytes(std::size_t count);

} // namespace lambda_local::runtime::events
