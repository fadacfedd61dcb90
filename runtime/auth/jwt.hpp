// JSON Web Tokens as API Gateway's JWT authorizers check them: a compact JWS signed with RSA,
// its issuer, audience and times (AWS's "Controlling access to HTTP APIs with JWT authorizers").
#pragma once

#include "runtime/auth/jwks.hpp"
#include "runtime/util/clock.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lambda_local::runtime::auth {

// The longest token read. API Gateway takes at most 10,240 bytes of request line and headers
// together (its quotas page), so no token it would pass is refused; the bound keeps the
// decoding and the JSON parsing of a hostile header small.
inline constexpr std::size_t k_max_token_bytes = 16 * 1024;

// A compact JWS split and decoded, before any check of its signature or claims.
struct DecodedToken {
    nlohmann::json header;     // a JSON object
    nlohmann::json claims;     // a JSON object
    JwsAlgorithm algorithm{};  // the header's `alg`
    std::string kid;           // the header's `kid`, "" when absent
    std::string signing_input; // "<header>.<payload>" as sent: what the signature covers
    std::string signature;     // decoded
};

// The token's parts, or why it is not a token we verify: not three base64url parts within
// k_max_token_bytes, a header or payload that is not a JSON object, an `alg` that is not
// RS256/RS384/RS512 (`none`, HS256 and the other families are refused here), a `crit` header.
std::variant<DecodedToken, std::string> decode_token(std::string_view token);

// What a token must satisfy beyond its signature.
struct TokenRequirements {
    std::string issuer; // `iss` must equal it
    // `aud` (or, when the token has no `aud`, `client_id`) must hold one of them. Empty: no
    // audience check (a Cognito user pool authorizer of a REST API accepts any of the pool's
    // app clients).
    std::vector<std::string> audiences;
    // Allowance for clocks that disagree, applied to `exp`, `nbf` and `iat`. AWS documents
    // none; 0 checks the times exactly as its page words them.
    std::chrono::seconds clock_skew{0};
};

// A token that passed every check.
struct VerifiedToken {
    nlohmann::json claims;           // the payload, as sent
    std::vector<std::string> scopes; // from `scope` (space-separated) or else `scp`
    bool has_scope_claim = false;    // whether the token carries `scope` or `scp` at all
};

// The checks of AWS's workflow on a decoded token: `kid` names a key of `keys` (whose `alg`,
// when it has one, is the token's), the signature verifies with it, `iss` is the issuer,
// `aud`/`client_id` holds an audience, `exp` (required) is after `now`, `nbf` and `iat`
// (when present) are not after it. The failure is a reason for the log, never for the client.
std::variant<VerifiedToken, std::string> verify_token(const DecodedToken& token,
                                                      const JsonWebKeySet& keys,
                                                      const TokenRequirements& requirements,
                                                      WallClock::time_point now);

// The token in an identity source's value: the value itself, or what follows "Bearer "
// (the scheme in any case, as HTTP auth schemes are). Nothing when no token is left.
std::optional<std::string_view> token_from_identity(std::string_view value);

// Whether `granted` holds at least one of `required` (a route's `authorizationScopes`);
// true when `required` is empty.
bool has_any_scope(const std::vector<std::string>& granted,
                   const std::vector<std::string>& required);

} // namespace lambda_local::runtime::auth
