// Fuzzes the JWT authorizers' parsers (runtime/auth/): compact JWS tokens, identity header
// values, JSON Web Key Sets, and the claims handed to integrations.
#include "runtime/auth/base64url.hpp"
#include "runtime/auth/claims.hpp"
#include "runtime/auth/jwks.hpp"
#include "runtime/auth/jwt.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <openssl/evp.h>

using namespace lambda_local;
using namespace lambda_local::runtime::auth;

namespace {

// The public key the seeds of corpus/jwt/ were signed with (its private key was not kept).
constexpr std::string_view k_seed_keys =
    R"json({"keys":[{"kty":"RSA","kid":"fuzz","use":"sig","alg":"RS256","n":"qSAUVTtwt6vly7urj1AlnXDhUrMa-piGzePo1pEmpb4nnH8wMwTtSu1j7Q_HNqbfcqoLKu1cP794ESoPZ8oXvedQmuXmfgk6LiT2q48Pjp0Aii-LG4IVGq9JmzLixwtC5BfItM1bnReYlLzaXJ6vMV651i_Bb1ozE8pfvKzha3aobrnXwzRkZYA1p5H8qqaBoBfqoLpStk8EqIjbCy8J48EK5jDD3X66jGM3hRaEMieudOLeADPj96-PnDir3AMDebUY7t0vjSYtxzQw_2b-6f-XNVc8W5U8-z3a4-dIEJkPp-IN_JC3pHcFZOD3nzQ5Zn3CfBKiWq2oaCue58xufw","e":"AQAB"}]})json";
constexpr long long k_seed_now = 1'800'000'000;

const JsonWebKeySet& seed_keys() {
    static const JsonWebKeySet keys = std::get<JsonWebKeySet>(parse_jwks(k_seed_keys));
    return keys;
}

void check_claims(const nlohmann::json& claims) {
    // Every claim reaches the integration, as a string.
    for (const nlohmann::json& passed : {http_api_claims(claims), rest_api_claims(claims)}) {
        FUZZ_CHECK(passed.is_object() && passed.size() == claims.size());
        for (const auto& [name, value] : passed.items()) {
            FUZZ_CHECK(claims.contains(name) && value.is_string());
        }
    }
}

void check_token(std::string_view token) {
    auto decoded = decode_token(token);
    if (std::holds_alternative<std::string>(decoded)) {
        FUZZ_CHECK(!std::get<std::string>(decoded).empty());
        return;
    }
    const DecodedToken& parts = std::get<DecodedToken>(decoded);
    // Accepted: within the bound, two JSON objects, an RSA algorithm, and the parts are the
    // token's own canonical base64url (re-encoding gives the token back).
    FUZZ_CHECK(token.size() <= k_max_token_bytes);
    FUZZ_CHECK(parts.header.is_object() && parts.claims.is_object());
    FUZZ_CHECK(jws_algorithm(jws_algorithm_name(parts.algorithm)) == parts.algorithm);
    FUZZ_CHECK(parts.header["alg"] == jws_algorithm_name(parts.algorithm));
    FUZZ_CHECK(std::string(parts.signing_input) + "." + base64url_encode(parts.signature) == token);
    check_claims(parts.claims);

    TokenRequirements wanted;
    wanted.issuer = "https://issuer.example";
    wanted.audiences = {"api"};
    WallClock::time_point now{std::chrono::seconds(k_seed_now)};
    auto verified = verify_token(parts, seed_keys(), wanted, now);
    if (auto* valid = std::get_if<VerifiedToken>(&verified)) {
        // Only a token signed with the seeds' key passes, and then its claims hold.
        FUZZ_CHECK(parts.kid == "fuzz");
        FUZZ_CHECK(valid->claims["iss"] == wanted.issuer);
        FUZZ_CHECK(valid->claims["exp"].is_number() &&
                   valid->claims["exp"].get<double>() > static_cast<double>(k_seed_now));
        for (const std::string& scope : valid->scopes) {
            FUZZ_CHECK(!scope.empty());
        }
    } else {
        FUZZ_CHECK(!std::get<std::string>(verified).empty());
    }
}

void check_key_set(std::string_view text) {
    auto parsed = parse_jwks(text);
    if (std::holds_alternative<std::string>(parsed)) {
        return;
    }
    const JsonWebKeySet& set = std::get<JsonWebKeySet>(parsed);
    nlohmann::json document = nlohmann::json::parse(text);
    FUZZ_CHECK(set.keys.size() + set.skipped == document["keys"].size());
    FUZZ_CHECK(set.keys.size() <= k_max_jwks_keys);
    for (const Jwk& jwk : set.keys) {
        FUZZ_CHECK(jwk.key != nullptr);
        int bits = EVP_PKEY_get_bits(jwk.key.get());
        FUZZ_CHECK(bits >= k_min_rsa_bits && bits <= k_max_rsa_bits);
    }
}

} // namespace

// The first byte chooses: 0 a token, 1 a key set, 2 an identity header value; the rest is it.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    std::string_view text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        check_token(text);
        break;
    case 1:
        check_key_set(text);
        break;
    default:
        if (auto token = token_from_identity(text)) {
            FUZZ_CHECK(!token->empty() && token->front() != ' ' && token->back() != ' ');
            check_token(*token);
        }
        // Canonical base64url: whatever decodes encodes back to the same text.
        if (auto bytes = base64url_decode(text)) {
            FUZZ_CHECK(base64url_encode(*bytes) == text);
        }
    }
    return 0;
}
