// Random strings for generated events (through random_hex).
#include "runtime/sample_events/random_text.hpp"

#include "runtime/util/ids.hpp"

namespace lambda_local::runtime::events {

std::string random_bytes(std::size_t count) {
    const std::string hex = random_hex(count * 2);
    std::string out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        out += static_cast<char>(std::stoi(hex.substr(i * 2, 2), nullptr, 16));
    }
    return out;
}

std::string random_chars(std::string_view alphabet, std::size_t count) {
    // Rejection sampling keeps the draw uniform for alphabets that do not divide 256.
    const unsigned limit = 256 - 256 % static_cast<unsigned>(alphabet.size());
    std::string out;
    out.reserve(count);
    while (out.size() < count) {
        for (char byte : random_bytes(count - out.size())) {
            const unsigned value = static_cast<unsigned char>(byte);
            if (value < limit) {
                out += alphabet[value % alphabet.size()];
            }
        }
    }
    return out;
}

} // namespace lambda_local::runtime::events
