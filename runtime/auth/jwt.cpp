// JSON Web Tokens: decoding a compact JWS, verifying its RSA signature and its claims.
#include "runtime/auth/jwt.hpp"

#include "runtime/auth/base64url.hpp"
#include "runtime/util/json_depth.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace lambda_local::runtime::auth {

namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

const EVP_MD* digest(JwsAlgorithm algorithm) {
    switch (algorithm) {
    case JwsAlgorithm::RS256:
        return EVP_sha256();
    case JwsAlgorithm::RS384:
        return EVP_sha384();
    case JwsAlgorithm::RS512:
        return EVP_sha512();
    }
    return nullptr;
}

// The JSON object a part decodes to, or nothing.
std::optional<nlohmann::json> json_object(std::string_view part) {
    std::optional<std::string> bytes = base64url_decode(part);
    if (!bytes) {
        return std::nullopt;
    }
    nlohmann::json value = parse_json_bounded<nlohmann::json>(*bytes);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    return value;
}

bool verify_signature(const DecodedToken& token, EVP_PKEY* key) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
    if (!context ||
        EVP_DigestVerifyInit(context.get(), nullptr, digest(token.algorithm), nullptr, key) != 1) {
        return false;
    }
    return EVP_DigestVerify(context.get(),
                            reinterpret_cast<const unsigned char*>(token.signature.data()),
                            token.signature.size(),
                            reinterpret_cast<const unsigned char*>(token.signing_input.data()),
                            token.signing_input.size()) == 1;
}

// A NumericDate claim (RFC 7519 §2: seconds since the epoch, fractions allowed): nothing when
// absent, an error when present but not a number.
std::variant<std::optional<double>, std::string> numeric_date(const nlohmann::json& claims,
                                                              const char* name) {
    auto found = claims.find(name);
    if (found == claims.end()) {
        return std::optional<double>{};
    }
    if (!found->is_number()) {
        return std::string("the token's \"") + name + "\" is not a number";
    }
    double value = found->get<double>();
    if (!std::isfinite(value)) {
        return std::string("the token's \"") + name + "\" is not a finite number";
    }
    return std::optional<double>{value};
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::string audience_check(const nlohmann::json& claims, const std::vector<std::string>& wanted) {
    if (wanted.empty()) {
        return "";
    }
    // The troubleshooting page of HTTP API JWT authorizers: `client_id` counts only when the
    // token has no `aud`.
    auto aud = claims.find("aud");
    if (aud != claims.end()) {
        if (aud->is_string()) {
            if (contains(wanted, aud->get<std::string>())) {
                return "";
            }
        } else if (aud->is_array()) {
            for (const nlohmann::json& entry : *aud) {
                if (entry.is_string() && contains(wanted, entry.get<std::string>())) {
                    return "";
                }
            }
        } else {
            return "the token's \"aud\" is neither a string nor an array";
        }
        return "the token does not have a valid audience";
    }
    auto client_id = claims.find("client_id");
    if (client_id == claims.end()) {
        return "the token has neither \"aud\" nor \"client_id\"";
    }
    if (client_id->is_string() && contains(wanted, client_id->get<std::string>())) {
        return "";
    }
    return "the token does not have a valid audience";
}

void add_scopes(const nlohmann::json& claim, std::vector<std::string>& scopes) {
    auto add_words = [&](const std::string& text) {
        std::size_t at = 0;
        while (at < text.size()) {
            std::size_t end = text.find(' ', at);
            if (end == std::string::npos) {
                end = text.size();
            }
            if (end > at) {
                scopes.push_back(text.substr(at, end - at));
            }
            at = end + 1;
        }
    };
    if (claim.is_string()) {
        add_words(claim.get<std::string>());
    } else if (claim.is_array()) {
        for (const nlohmann::json& entry : claim) {
            if (entry.is_string()) {
                scopes.push_back(entry.get<std::string>());
            }
        }
    }
}

} // namespace

std::variant<DecodedToken, std::string> decode_token(std::string_view token) {
    if (token.size() > k_max_token_bytes) {
        return "the token is " + std::to_string(token.size()) + " bytes, over the limit of " +
               std::to_string(k_max_token_bytes);
    }
    std::size_t first = token.find('.');
    std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return std::string("the token is not three parts separated by dots");
    }
    DecodedToken decoded;
    std::optional<nlohmann::json> header = json_object(token.substr(0, first));
    if (!header) {
        return std::string("the token's header is not a base64url JSON object");
    }
    std::optional<nlohmann::json> claims = json_object(token.substr(first + 1, second - first - 1));
    if (!claims) {
        return std::string("the token's payload is not a base64url JSON object");
    }
    auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string()) {
        return std::string("the token's header has no \"alg\"");
    }
    std::optional<JwsAlgorithm> algorithm = jws_algorithm(alg->get<std::string>());
    if (!algorithm) {
        return "the token's algorithm \"" + alg->get<std::string>() +
               "\" is not one of RS256, RS384, RS512";
    }
    std::optional<std::string> signature = base64url_decode(token.substr(second + 1));
    if (!signature || signature->empty()) {
        return std::string("the token's signature is missing or not base64url");
    }
    // RFC 7515 §4.1.11: extensions the recipient must understand; we understand none.
    if (header->contains("crit")) {
        return std::string("the token's header has \"crit\" extensions");
    }
    if (auto kid = header->find("kid"); kid != header->end()) {
        if (!kid->is_string()) {
            return std::string("the token's \"kid\" is not a string");
        }
        decoded.kid = kid->get<std::string>();
    }
    decoded.header = std::move(*header);
    decoded.claims = std::move(*claims);
    decoded.algorithm = *algorithm;
    decoded.signing_input = std::string(token.substr(0, second));
    decoded.signature = std::move(*signature);
    return decoded;
}

std::variant<VerifiedToken, std::string> verify_token(const DecodedToken& token,
                                                      const JsonWebKeySet& keys,
                                                      const TokenRequirements& requirements,
                                                      WallClock::time_point now) {
    const Jwk* jwk = keys.find(token.kid);
    if (jwk == nullptr) {
        return "no key of the issuer has the token's kid \"" + token.kid + "\"";
    }
    if (jwk->algorithm && *jwk->algorithm != token.algorithm) {
        return "the token's algorithm " + std::string(jws_algorithm_name(token.algorithm)) +
               " is not its key's " + std::string(jws_algorithm_name(*jwk->algorithm));
    }
    if (!verify_signature(token, jwk->key.get())) {
        return std::string("the token's signature does not verify");
    }
    const nlohmann::json& claims = token.claims;
    auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->is_string() ||
        iss->get<std::string>() != requirements.issuer) {
        return std::string("the token does not have a valid issuer");
    }
    if (std::string why = audience_check(claims, requirements.audiences); !why.empty()) {
        return why;
    }
    double seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
    double skew = static_cast<double>(requirements.clock_skew.count());
    auto exp = numeric_date(claims, "exp");
    auto nbf = numeric_date(claims, "nbf");
    auto iat = numeric_date(claims, "iat");
    for (auto* date : {&exp, &nbf, &iat}) {
        if (auto* why = std::get_if<std::string>(date)) {
            return *why;
        }
    }
    std::optional<double> expires = std::get<std::optional<double>>(exp);
    if (!expires) {
        return std::string("the token has no \"exp\"");
    }
    if (*expires + skew <= seconds) {
        return std::string("the token is expired");
    }
    if (auto not_before = std::get<std::optional<double>>(nbf);
        not_before && *not_before - skew > seconds) {
        return std::string("the token is not valid yet (\"nbf\")");
    }
    if (auto issued = std::get<std::optional<double>>(iat); issued && *issued - skew > seconds) {
        return std::string("the token was issued in the future (\"iat\")");
    }
    VerifiedToken verified;
    verified.claims = claims;
    if (auto scope = claims.find("scope"); scope != claims.end()) {
        verified.has_scope_claim = true;
        add_scopes(*scope, verified.scopes);
    } else if (auto scp = claims.find("scp"); scp != claims.end()) {
        verified.has_scope_claim = true;
        add_scopes(*scp, verified.scopes);
    }
    return verified;
}

std::optional<std::string_view> token_from_identity(std::string_view value) {
    auto trim = [](std::string_view text) {
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
            text.remove_prefix(1);
        }
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
            text.remove_suffix(1);
        }
        return text;
    };
    value = trim(value);
    // "Bearer" alone, or followed by blanks: the scheme without a token.
    constexpr std::string_view k_bearer = "bearer";
    if (value.size() >= k_bearer.size() &&
        (value.size() == k_bearer.size() || value[k_bearer.size()] == ' ' ||
         value[k_bearer.size()] == '\t')) {
        bool bearer = true;
        for (std::size_t i = 0; i < k_bearer.size(); ++i) {
            char c = value[i];
            if (c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c - 'A' + 'a');
            }
            bearer = bearer && c == k_bearer[i];
        }
        if (bearer) {
            value = trim(value.substr(k_bearer.size()));
        }
    }
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

bool has_any_scope(const std::vector<std::string>& granted,
                   const std::vector<std::string>& required) {
    if (required.empty()) {
        return true;
    }
    for (const std::string& scope : required) {
        if (contains(granted, scope)) {
            return true;
        }
    }
    return false;
}

} // namespace lambda_local::runtime::auth
