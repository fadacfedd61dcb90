// SHA-256 (FIPS 180-4): the content keys of the layer cache.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lambda_local {

// An incremental SHA-256: feed bytes with update(), then take the digest once.
class Sha256 {
  public:
    Sha256();
    // Adds `data` to the message.
    void update(std::string_view data);
    // The digest of everything added, as 64 lowercase hex digits. Ends the hash.
    std::string hex_digest();

  private:
    void compress(const unsigned char* block);

    std::array<std::uint32_t, 8> m_state;
    std::array<unsigned char, 64> m_block{};
    std::size_t m_block_used = 0;
    std::uint64_t m_length = 0; // bytes added so far
};

// The SHA-256 of `data`, in hex.
std::string sha256_hex(std::string_view data);

} // namespace lambda_local
