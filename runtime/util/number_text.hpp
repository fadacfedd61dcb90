// Numbers as text without printf's format parsing: the REPORT line, the access log, trace ids
// and API Gateway's request time are written for every request `serve` answers.
#pragma once

#include <charconv>
#include <cstddef>
#include <string>
#include <system_error>

namespace lambda_local {

// `value` with `decimals` digits after the point, rounded as printf's "%.*f" rounds it (both
// give the correctly rounded decimal of the binary value).
inline std::string fixed_text(double value, int decimals) {
    char buffer[512]; // a double's integral part has at most 309 digits
    auto [end, error] =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
    if (error != std::errc()) {
        return std::to_string(value);
    }
    return std::string(buffer, end);
}

// Appends `value` in base `base` (lowercase letters), with leading zeros up to `width` digits:
// printf's "%0*llu" for base 10, "%0*llx" for base 16.
inline void append_padded(std::string& out, unsigned long long value, std::size_t width,
                          int base = 10) {
    char digits[64];
    auto [end, error] = std::to_chars(digits, digits + sizeof digits, value, base);
    (void)error; // 64 digits hold any unsigned long long in any base from 2
    auto count = static_cast<std::size_t>(end - digits);
    if (count < width) {
        out.append(width - count, '0');
    }
    out.append(digits, count);
}

// `value` in lowercase hexadecimal, at least `width` digits ("%0*llx").
inline std::string hex_text(unsigned long long value, std::size_t width) {
    std::string out;
    append_padded(out, value, width, 16);
    return out;
}

} // namespace lambda_local
