// Tokens minted in the tests: fresh RSA keys from libcrypto, JWS signatures, key sets.
#pragma once

#include "runtime/auth/base64url.hpp"
#include "runtime/util/clock.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <memory>
#include <string>

namespace lambda_local::tests::auth {

using runtime::auth::base64url_encode;

// An RSA key pair made for the test, with its JWK.
class TestKey {
  public:
    explicit TestKey(std::string kid, unsigned int bits = 2048) : m_kid(std::move(kid)) {
        EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
        REQUIRE(key != nullptr);
        m_key.reset(key, EVP_PKEY_free);
    }

    const std::string& kid() const { return m_kid; }
    EVP_PKEY* pkey() const { return m_key.get(); }

    // The JWK of the public key, as an issuer publishes it.
    nlohmann::json jwk(const std::string& alg = "RS256") const {
        nlohmann::json jwk = {{"kty", "RSA"},
                              {"kid", m_kid},
                              {"use", "sig"},
                              {"n", base64url_encode(number("n"))},
                              {"e", base64url_encode(number("e"))}};
        if (!alg.empty()) {
            jwk["alg"] = alg;
        }
        return jwk;
    }

    // The public key in PEM: what a key-confusion attack uses as an HMAC secret.
    std::string public_pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
        REQUIRE(PEM_write_bio_PUBKEY(bio.get(), m_key.get()) == 1);
        char* data = nullptr;
        long length = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(length));
    }

    // The RSA signature of `input` with `digest`.
    std::string sign(const std::string& input, const EVP_MD* digest) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
        REQUIRE(EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, m_key.get()) == 1);
        size_t length = 0;
        REQUIRE(EVP_DigestSign(context.get(), nullptr, &length,
                               reinterpret_cast<const unsigned char*>(input.data()),
                               input.size()) == 1);
        std::string signature(length, '\0');
        REQUIRE(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()),
                               &length, reinterpret_cast<const unsigned char*>(input.data()),
                               input.size()) == 1);
        signature.resize(length);
        return signature;
    }

  private:
    // A big-endian parameter of the key ("n" or "e").
    std::string number(const char* name) const {
        BIGNUM* value = nullptr;
        REQUIRE(EVP_PKEY_get_bn_param(m_key.get(), name, &value) == 1);
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(value)), '\0');
        BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(value);
        return bytes;
    }

    std::string m_kid;
    std::shared_ptr<EVP_PKEY> m_key;
};

// The same two keys for every test (a key takes a moment to make).
inline const TestKey& key_one() {
    static TestKey key("key-1");
    return key;
}
inline const TestKey& key_two() {
    static TestKey key("key-2");
    return key;
}

// A JWKS document of `keys`.
inline std::string jwks_of(std::initializer_list<const TestKey*> keys) {
    nlohmann::json set = {{"keys", nlohmann::json::array()}};
    for (const TestKey* key : keys) {
        set["keys"].push_back(key->jwk());
    }
    return set.dump();
}

// "<header>.<payload>" of the JSON texts.
inline std::string signing_input(const nlohmann::json& header, const nlohmann::json& claims) {
    return base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
}

// A compact JWS of `claims` signed by `key` with RS256 (or `digest`), `header` merged in.
inline std::string mint(const TestKey& key, const nlohmann::json& claims,
                        nlohmann::json header = nlohmann::json::object(),
                        const EVP_MD* digest = EVP_sha256(), const std::string& alg = "RS256") {
    nlohmann::json full = {{"alg", alg}, {"typ", "JWT"}, {"kid", key.kid()}};
    if (!header.is_null()) { // `{}` in a call is null, not an empty object
        full.update(header);
    }
    std::string input = signing_input(full, claims);
    return input + "." + base64url_encode(key.sign(input, digest));
}

// HS256 over `input` with `secret`.
inline std::string hmac_sha256(const std::string& secret, const std::string& input) {
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t length = 0;
    REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                      reinterpret_cast<const unsigned char*>(input.data()), input.size(), out,
                      sizeof out, &length) != nullptr);
    return std::string(reinterpret_cast<char*>(out), length);
}

// The tests' "now", in seconds since the epoch: fixed, so that expiry does not follow the clock.
inline constexpr long long k_now = 1'800'000'000;
inline const WallClock::time_point k_now_point{std::chrono::seconds(k_now)};

inline const std::string k_issuer = "https://issuer.example.com/realms/test";

// Claims a valid token carries at `now` (seconds since the epoch).
inline nlohmann::json claims_at(long long now) {
    return {{"iss", k_issuer}, {"aud", "my-api"},   {"sub", "user-1"},      {"iat", now - 10},
            {"nbf", now - 10}, {"exp", now + 3600}, {"scope", "read write"}};
}

} // namespace lambda_local::tests::auth
