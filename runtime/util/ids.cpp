// Random identifiers from the kernel's random source.
#include "runtime/util/ids.hpp"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <random>

namespace lambda_local {
namespace {

void fill_random(void* buffer, std::size_t size) {
    auto* bytes = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::getrandom(bytes + done, size - done, 0);
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (done < size) { // getrandom unavailable: fall back to the library generator
        std::random_device device;
        for (; done < size; ++done) {
            bytes[done] = static_cast<unsigned char>(device());
        }
    }
}

const char k_hex[] = "0123456789abcdef";

} // namespace

std::string random_hex(std::size_t count) {
    std::string bytes((count + 1) / 2, '\0');
    fill_random(bytes.data(), bytes.size());
    std::string out;
    out.reserve(count);
    for (unsigned char byte : bytes) {
        out += k_hex[byte >> 4];
        out += k_hex[byte & 0xf];
    }
    out.resize(count);
    return out;
}

std::string new_request_id() {
    std::array<unsigned char, 16> b{};
    fill_random(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40); // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80); // RFC 4122 variant
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += k_hex[b[i] >> 4];
        out += k_hex[b[i] & 0xf];
    }
    return out;
}

} // namespace lambda_local
