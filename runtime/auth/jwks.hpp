// JSON Web Key Sets (RFC 7517): the RSA signing keys an issuer publishes at its `jwks_uri`.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace lambda_local::runtime::auth {

// The signature algorithms a JWT authorizer of an HTTP API verifies: RSA with SHA-2
// (AWS's "Controlling access to HTTP APIs with JWT authorizers": RSA-based algorithms only).
enum class JwsAlgorithm { RS256, RS384, RS512 };

// "RS256" for RS256; nothing for every other name ("none", "HS256", "ES256", "PS256", ...).
std::optional<JwsAlgorithm> jws_algorithm(std::string_view name);
std::string_view jws_algorithm_name(JwsAlgorithm algorithm);

// Bounds on what an issuer (or a key file) may hand us. A real set holds a few keys of a few
// hundred bytes each; the bounds are orders of magnitude above that and keep a hostile answer
// from costing more than a moment.
inline constexpr std::size_t k_max_jwks_bytes = 1024 * 1024;
inline constexpr std::size_t k_max_jwks_keys = 100;
// RSA moduli accepted: RFC 7518 §3.3 asks for 2048 bits at least; above 8192 bits each
// verification gets slow for no key anyone issues.
inline constexpr int k_min_rsa_bits = 2048;
inline constexpr int k_max_rsa_bits = 8192;

// One RSA public key of a set.
struct Jwk {
    std::string kid;                       // "" when the key has none
    std::optional<JwsAlgorithm> algorithm; // the key's `alg`, when it names one
    std::shared_ptr<EVP_PKEY> key;         // the public key, built from `n` and `e`
};

// The usable keys of one JWKS. Keys that cannot sign JWTs we verify (`kty` other than RSA,
// `use` other than "sig", an `alg` that is not RS256/384/512, a modulus out of bounds) are
// left out and counted, so that a set with an EC key beside its RSA keys still works.
struct JsonWebKeySet {
    std::vector<Jwk> keys;
    std::size_t skipped = 0;

    // The key whose `kid` is `kid` (the first one, when an issuer repeats a kid), or nullptr.
    const Jwk* find(std::string_view kid) const;
};

// The keys of a JWKS document, or why it is not one: not JSON, not an object with a `keys`
// array, over k_max_jwks_bytes or k_max_jwks_keys, or an RSA key whose `n`/`e` are not
// canonical base64url.
std::variant<JsonWebKeySet, std::string> parse_jwks(std::string_view text);

// An RSA public key from its big-endian modulus and exponent (a JWK's decoded `n` and `e`),
// through OpenSSL 3's EVP_PKEY_fromdata; or why not.
std::variant<std::shared_ptr<EVP_PKEY>, std::string> rsa_public_key(std::string_view modulus,
                                                                    std::string_view exponent);

} // namespace lambda_local::runtime::auth
