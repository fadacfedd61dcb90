// Tests of SHA-256 against FIPS 180-4's examples.
#include "runtime/util/sha256.hpp"

#include <doctest/doctest.h>

namespace lambda_local {

TEST_SUITE_BEGIN("util::Sha256");

TEST_CASE("the digests of the standard's examples are its own") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("a message fed in pieces has the digest of the whole") {
    Sha256 pieces;
    std::string million(1000000, 'a');
    for (std::size_t at = 0; at < million.size(); at += 999) {
        pieces.update(std::string_view(million).substr(at, 999));
    }
    CHECK(pieces.hex_digest() ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_SUITE_END();

} // namespace lambda_local
