// Base64url as JSON Web Signatures write it: strict decoding, unpadded encoding.
#include "runtime/auth/base64url.hpp"

#include "runtime/util/encoding.hpp"

namespace lambda_local::runtime::auth {

namespace {

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

} // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    unsigned int buffer = 0;
    int bits = 0;
    for (char c : text) {
        int value = sextet(c);
        if (value < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<unsigned int>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    // The 2 or 4 bits left over must be zero: otherwise several texts decode alike.
    if ((buffer & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    std::string out = base64_encode(bytes, Base64Alphabet::Url);
    out.erase(out.find_last_not_of('=') + 1);
    return out;
}

} // namespace lambda_local::runtime::auth
