// JSON Web Key Sets: RSA keys from `n` and `e`, with OpenSSL 3's EVP API.
#include "runtime/auth/jwks.hpp"

#include "runtime/auth/base64url.hpp"
#include "runtime/util/json_depth.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace lambda_local::runtime::auth {

namespace {

struct BnFree {
    void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

// Why a key is not used, or nothing when it is an RSA signing key we can read.
std::optional<std::string> usable(const nlohmann::json& jwk) {
    if (!jwk.is_object()) {
        return "a key that is not an object";
    }
    auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->is_string() || kty->get<std::string>() != "RSA") {
        return "not an RSA key";
    }
    if (auto use = jwk.find("use"); use != jwk.end() && *use != "sig") {
        return "not a signing key";
    }
    if (auto alg = jwk.find("alg");
        alg != jwk.end() && (!alg->is_string() || !jws_algorithm(alg->get<std::string>()))) {
        return "an algorithm other than RS256/RS384/RS512";
    }
    return std::nullopt;
}

} // namespace

std::optional<JwsAlgorithm> jws_algorithm(std::string_view name) {
    if (name == "RS256") {
        return JwsAlgorithm::RS256;
    }
    if (name == "RS384") {
        return JwsAlgorithm::RS384;
    }
    if (name == "RS512") {
        return JwsAlgorithm::RS512;
    }
    return std::nullopt;
}

std::string_view jws_algorithm_name(JwsAlgorithm algorithm) {
    switch (algorithm) {
    case JwsAlgorithm::RS256:
        return "RS256";
    case JwsAlgorithm::RS384:
        return "RS384";
    case JwsAlgorithm::RS512:
        return "RS512";
    }
    return "";
}

const Jwk* JsonWebKeySet::find(std::string_view kid) const {
    for (const Jwk& jwk : keys) {
        if (jwk.kid == kid) {
            return &jwk;
        }
    }
    return nullptr;
}

std::variant<std::shared_ptr<EVP_PKEY>, std::string> rsa_public_key(std::string_view modulus,
                                                                    std::string_view exponent) {
    // Leading zero bytes do not count towards the size (a JWK should not have them, some do).
    while (!modulus.empty() && modulus.front() == '\0') {
        modulus.remove_prefix(1);
    }
    while (!exponent.empty() && exponent.front() == '\0') {
        exponent.remove_prefix(1);
    }
    int bits = static_cast<int>(modulus.size() * 8);
    if (!modulus.empty()) {
        for (unsigned char top = static_cast<unsigned char>(modulus.front()); top < 0x80;
             top <<= 1) {
            --bits;
        }
    }
    if (bits < k_min_rsa_bits || bits > k_max_rsa_bits) {
        return "an RSA modulus of " + std::to_string(bits) +
               " bits (accepted: " + std::to_string(k_min_rsa_bits) + " to " +
               std::to_string(k_max_rsa_bits) + ")";
    }
    // e is odd and at least 3; OpenSSL takes at most 64 bits of it for a public key.
    if (exponent.empty() || exponent.size() > 8 || (exponent.back() & 1) == 0 ||
        (exponent.size() == 1 && static_cast<unsigned char>(exponent.front()) < 3)) {
        return "an RSA exponent that is not an odd number from 3 to 2^64";
    }
    std::unique_ptr<BIGNUM, BnFree> n(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(modulus.data()),
                  static_cast<int>(modulus.size()), nullptr));
    std::unique_ptr<BIGNUM, BnFree> e(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(exponent.data()),
                  static_cast<int>(exponent.size()), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> build(OSSL_PARAM_BLD_new());
    if (!n || !e || !build ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
        return "OpenSSL could not hold the RSA key's numbers";
    }
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build.get()));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> context(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) <= 0 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0 ||
        key == nullptr) {
        return "OpenSSL refused the RSA public key";
    }
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::variant<JsonWebKeySet, std::string> parse_jwks(std::string_view text) {
    if (text.size() > k_max_jwks_bytes) {
        return "the key set is " + std::to_string(text.size()) + " bytes, over the limit of " +
               std::to_string(k_max_jwks_bytes);
    }
    nlohmann::json document = parse_json_bounded<nlohmann::json>(text);
    if (document.is_discarded()) {
        return std::string("the key set is not JSON");
    }
    if (!document.is_object()) {
        return std::string("the key set is not a JSON object");
    }
    auto keys = document.find("keys");
    if (keys == document.end() || !keys->is_array()) {
        return std::string("the key set has no \"keys\" array");
    }
    if (keys->size() > k_max_jwks_keys) {
        return "the key set has " + std::to_string(keys->size()) + " keys, over the limit of " +
               std::to_string(k_max_jwks_keys);
    }
    JsonWebKeySet set;
    for (const nlohmann::json& entry : *keys) {
        if (usable(entry)) {
            ++set.skipped;
            continue;
        }
        std::string kid;
        if (auto found = entry.find("kid"); found != entry.end()) {
            if (!found->is_string()) {
                return std::string("an RSA key has a \"kid\" that is not a string");
            }
            kid = found->get<std::string>();
        }
        std::string label = kid.empty() ? "an RSA key" : "the RSA key \"" + kid + "\"";
        auto n = entry.find("n");
        auto e = entry.find("e");
        if (n == entry.end() || e == entry.end() || !n->is_string() || !e->is_string()) {
            return label + " has no \"n\" and \"e\" strings";
        }
        std::optional<std::string> modulus = base64url_decode(n->get<std::string>());
        std::optional<std::string> exponent = base64url_decode(e->get<std::string>());
        if (!modulus || !exponent) {
            return label + " has an \"n\" or \"e\" that is not base64url";
        }
        auto key = rsa_public_key(*modulus, *exponent);
        if (std::holds_alternative<std::string>(key)) {
            // A key of a size we do not verify with is skipped like a key of another type: the
            // rest of the set stays usable.
            ++set.skipped;
            continue;
        }
        Jwk jwk;
        jwk.kid = std::move(kid);
        if (auto alg = entry.find("alg"); alg != entry.end()) {
            jwk.algorithm = jws_algorithm(alg->get<std::string>());
        }
        jwk.key = std::get<std::shared_ptr<EVP_PKEY>>(std::move(key));
        set.keys.push_back(std::move(jwk));
    }
    return set;
}

} // namespace lambda_local::runtime::auth
