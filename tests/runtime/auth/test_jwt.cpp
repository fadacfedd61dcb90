// Tests of runtime/auth/jwt.hpp and base64url.hpp: decoding and verifying tokens.
#include "runtime/auth/jwt.hpp"

#include "runtime/auth/base64url.hpp"
#include "tests/runtime/auth/token_fixture.hpp"

#include <doctest/doctest.h>

using namespace lambda_local;
using namespace lambda_local::runtime::auth;
using namespace lambda_local::tests::auth;

namespace {

JsonWebKeySet keys_of(std::initializer_list<const TestKey*> keys) {
    auto parsed = parse_jwks(jwks_of(keys));
    REQUIRE(std::holds_alternative<JsonWebKeySet>(parsed));
    return std::get<JsonWebKeySet>(parsed);
}

TokenRequirements requirements() {
    TokenRequirements wanted;
    wanted.issuer = k_issuer;
    wanted.audiences = {"other-api", "my-api"};
    return wanted;
}

// The verification of `token` against key_one and key_two: the reason, or "" when it passes.
std::string failure(const std::string& token, const TokenRequirements& wanted = requirements(),
                    WallClock::time_point now = k_now_point) {
    auto decoded = decode_token(token);
    if (auto* why = std::get_if<std::string>(&decoded)) {
        return *why;
    }
    auto verified = verify_token(std::get<DecodedToken>(decoded), keys_of({&key_one(), &key_two()}),
                                 wanted, now);
    if (auto* why = std::get_if<std::string>(&verified)) {
        return *why;
    }
    return "";
}

} // namespace

TEST_SUITE("runtime::auth::base64url") {
    TEST_CASE("base64url decodes only canonical unpadded text") {
        CHECK(base64url_decode("") == std::string());
        CHECK(base64url_decode("YQ") == std::string("a"));
        CHECK(base64url_decode("YWI") == std::string("ab"));
        CHECK(base64url_decode("YWJj") == std::string("abc"));
        CHECK(base64url_decode("-_8") == std::string("\xfb\xff"));
        CHECK_FALSE(base64url_decode("YQ=="));  // padding
        CHECK_FALSE(base64url_decode("+/8"));   // the standard alphabet
        CHECK_FALSE(base64url_decode("YW Jj")); // whitespace
        CHECK_FALSE(base64url_decode("Y"));     // a length of 1 mod 4
        CHECK_FALSE(base64url_decode("YR"));    // non-zero bits after the last byte
    }

    TEST_CASE("base64url encodes without padding and reads back") {
        std::string bytes;
        for (int i = 0; i < 256; ++i) {
            bytes.push_back(static_cast<char>(i));
            CHECK(base64url_decode(base64url_encode(bytes)) == bytes);
        }
        CHECK(base64url_encode("\xfb\xff") == "-_8");
    }
}

TEST_SUITE("runtime::auth::jwt") {
    TEST_CASE("a token signed by the issuer's key with the right claims passes") {
        std::string token = mint(key_one(), claims_at(k_now));
        auto decoded = decode_token(token);
        REQUIRE(std::holds_alternative<DecodedToken>(decoded));
        CHECK(std::get<DecodedToken>(decoded).kid == "key-1");
        auto verified = verify_token(std::get<DecodedToken>(decoded), keys_of({&key_one()}),
                                     requirements(), k_now_point);
        REQUIRE(std::holds_alternative<VerifiedToken>(verified));
        const VerifiedToken& valid = std::get<VerifiedToken>(verified);
        CHECK(valid.claims["sub"] == "user-1");
        CHECK(valid.scopes == std::vector<std::string>{"read", "write"});
        CHECK(valid.has_scope_claim);
    }

    TEST_CASE("RS384 and RS512 verify, each with its own digest") {
        // A key that states no `alg` of its own serves every RS algorithm.
        nlohmann::json set = {{"keys", {key_two().jwk("")}}};
        JsonWebKeySet keys = std::get<JsonWebKeySet>(parse_jwks(set.dump()));
        auto check = [&](const std::string& token) {
            auto decoded = decode_token(token);
            REQUIRE(std::holds_alternative<DecodedToken>(decoded));
            auto verified =
                verify_token(std::get<DecodedToken>(decoded), keys, requirements(), k_now_point);
            return std::holds_alternative<std::string>(verified) ? std::get<std::string>(verified)
                                                                 : std::string();
        };
        CHECK(check(mint(key_two(), claims_at(k_now), {}, EVP_sha384(), "RS384")) == "");
        CHECK(check(mint(key_two(), claims_at(k_now), {}, EVP_sha512(), "RS512")) == "");
        // Signed with SHA-256 but labelled RS512.
        CHECK(check(mint(key_two(), claims_at(k_now), {}, EVP_sha256(), "RS512")) ==
              "the token's signature does not verify");
    }

    TEST_CASE("one flipped byte of the signature, header or payload fails the signature") {
        std::string token = mint(key_one(), claims_at(k_now));
        std::size_t last_dot = token.rfind('.');
        SUBCASE("signature") {
            std::string signature = *base64url_decode(token.substr(last_dot + 1));
            signature[10] ^= 0x01;
            token = token.substr(0, last_dot + 1) + base64url_encode(signature);
        }
        SUBCASE("payload") {
            nlohmann::json claims = claims_at(k_now);
            claims["sub"] = "admin";
            std::size_t first_dot = token.find('.');
            token = token.substr(0, first_dot + 1) + base64url_encode(claims.dump()) +
                    token.substr(last_dot);
        }
        CHECK(failure(token) == "the token's signature does not verify");
    }

    TEST_CASE("a token signed by another key than its kid names fails") {
        nlohmann::json header = {{"kid", "key-2"}};
        CHECK(failure(mint(key_one(), claims_at(k_now), header)) ==
              "the token's signature does not verify");
    }

    TEST_CASE("issuer and audience are checked") {
        nlohmann::json claims = claims_at(k_now);
        SUBCASE("wrong issuer") {
            claims["iss"] = "https://evil.example.com";
            CHECK(failure(mint(key_one(), claims)) == "the token does not have a valid issuer");
        }
        SUBCASE("no issuer") {
            claims.erase("iss");
            CHECK(failure(mint(key_one(), claims)) == "the token does not have a valid issuer");
        }
        SUBCASE("wrong audience") {
            claims["aud"] = "not-my-api";
            CHECK(failure(mint(key_one(), claims)) == "the token does not have a valid audience");
        }
        SUBCASE("an audience array holding one of ours") {
            claims["aud"] = {"x", "my-api"};
            CHECK(failure(mint(key_one(), claims)) == "");
        }
        SUBCASE("client_id counts when there is no aud") {
            claims.erase("aud");
            claims["client_id"] = "my-api";
            CHECK(failure(mint(key_one(), claims)) == "");
        }
        SUBCASE("client_id does not count when aud is there") {
            claims["aud"] = "not-my-api";
            claims["client_id"] = "my-api";
            CHECK(failure(mint(key_one(), claims)) == "the token does not have a valid audience");
        }
        SUBCASE("neither aud nor client_id") {
            claims.erase("aud");
            CHECK(failure(mint(key_one(), claims)) ==
                  "the token has neither \"aud\" nor \"client_id\"");
        }
        SUBCASE("no audiences configured: any audience") {
            claims["aud"] = "anything";
            TokenRequirements wanted = requirements();
            wanted.audiences.clear();
            CHECK(failure(mint(key_one(), claims), wanted) == "");
        }
    }

    TEST_CASE("exp is required and nbf and iat must not be in the future") {
        nlohmann::json claims = claims_at(k_now);
        SUBCASE("expired") {
            claims["exp"] = k_now - 1;
            CHECK(failure(mint(key_one(), claims)) == "the token is expired");
        }
        SUBCASE("expiring now") {
            claims["exp"] = k_now;
            CHECK(failure(mint(key_one(), claims)) == "the token is expired");
        }
        SUBCASE("no exp") {
            claims.erase("exp");
            CHECK(failure(mint(key_one(), claims)) == "the token has no \"exp\"");
        }
        SUBCASE("exp as a string") {
            claims["exp"] = std::to_string(k_now + 100);
            CHECK(failure(mint(key_one(), claims)) == "the token's \"exp\" is not a number");
        }
        SUBCASE("nbf in the future") {
            claims["nbf"] = k_now + 60;
            CHECK(failure(mint(key_one(), claims)) == "the token is not valid yet (\"nbf\")");
        }
        SUBCASE("iat in the future") {
            claims["iat"] = k_now + 60;
            CHECK(failure(mint(key_one(), claims)) ==
                  "the token was issued in the future (\"iat\")");
        }
        SUBCASE("fractional times") {
            claims["exp"] = k_now + 0.5;
            claims["iat"] = k_now - 0.5;
            CHECK(failure(mint(key_one(), claims)) == "");
        }
        SUBCASE("a clock skew allowance") {
            claims["nbf"] = k_now + 30;
            TokenRequirements wanted = requirements();
            wanted.clock_skew = std::chrono::seconds(60);
            CHECK(failure(mint(key_one(), claims), wanted) == "");
        }
    }

    TEST_CASE("alg none, HS256 with the public key as secret and other algorithms are refused") {
        nlohmann::json claims = claims_at(k_now);
        SUBCASE("none") {
            nlohmann::json header = {{"alg", "none"}, {"kid", "key-1"}};
            std::string token = signing_input(header, claims) + ".";
            CHECK(failure(token) ==
                  "the token's algorithm \"none\" is not one of RS256, RS384, RS512");
            token = signing_input(header, claims) + "." + base64url_encode("x");
            CHECK(failure(token) ==
                  "the token's algorithm \"none\" is not one of RS256, RS384, RS512");
        }
        SUBCASE("key confusion: HS256 keyed with the RSA public key") {
            nlohmann::json header = {{"alg", "HS256"}, {"kid", "key-1"}};
            std::string input = signing_input(header, claims);
            std::string token =
                input + "." + base64url_encode(hmac_sha256(key_one().public_pem(), input));
            CHECK(failure(token) ==
                  "the token's algorithm \"HS256\" is not one of RS256, RS384, RS512");
        }
        SUBCASE("an algorithm other than its key's") {
            nlohmann::json set = {{"keys", {key_one().jwk("RS512")}}};
            auto parsed = parse_jwks(set.dump());
            REQUIRE(std::holds_alternative<JsonWebKeySet>(parsed));
            auto decoded = decode_token(mint(key_one(), claims));
            REQUIRE(std::holds_alternative<DecodedToken>(decoded));
            auto verified =
                verify_token(std::get<DecodedToken>(decoded), std::get<JsonWebKeySet>(parsed),
                             requirements(), k_now_point);
            REQUIRE(std::holds_alternative<std::string>(verified));
            CHECK(std::get<std::string>(verified) ==
                  "the token's algorithm RS256 is not its key's RS512");
        }
        for (const char* alg : {"ES256", "PS256", "HS512", "rs256"}) {
            CAPTURE(alg);
            nlohmann::json header = {{"alg", alg}, {"kid", "key-1"}};
            CHECK(failure(mint(key_one(), claims, header)) ==
                  "the token's algorithm \"" + std::string(alg) +
                      "\" is not one of RS256, RS384, RS512");
        }
    }

    TEST_CASE("an unknown kid, or none, finds no key") {
        CHECK(failure(mint(key_one(), claims_at(k_now), {{"kid", "rotated-away"}})) ==
              "no key of the issuer has the token's kid \"rotated-away\"");
        nlohmann::json header = {{"alg", "RS256"}};
        std::string input = signing_input(header, claims_at(k_now));
        std::string token = input + "." + base64url_encode(key_one().sign(input, EVP_sha256()));
        CHECK(failure(token) == "no key of the issuer has the token's kid \"\"");
    }

    TEST_CASE("malformed tokens are refused with a reason") {
        std::string good = mint(key_one(), claims_at(k_now));
        std::size_t first_dot = good.find('.');
        std::string header = good.substr(0, first_dot);
        CHECK(failure("") == "the token is not three parts separated by dots");
        CHECK(failure("a.b") == "the token is not three parts separated by dots");
        CHECK(failure(good + ".x") == "the token is not three parts separated by dots");
        CHECK(failure("!!." + good.substr(first_dot + 1)) ==
              "the token's header is not a base64url JSON object");
        CHECK(failure(base64url_encode("{\"alg\":") + good.substr(first_dot)) ==
              "the token's header is not a base64url JSON object");
        CHECK(failure(base64url_encode("[1]") + good.substr(first_dot)) ==
              "the token's header is not a base64url JSON object");
        CHECK(failure(header + "." + base64url_encode("\"text\"") + ".AAAA") ==
              "the token's payload is not a base64url JSON object");
        CHECK(failure(header + "." + base64url_encode("{}") + ".") ==
              "the token's signature is missing or not base64url");
        CHECK(failure(header + "." + base64url_encode("{}") + ".a=") ==
              "the token's signature is missing or not base64url");
        CHECK(failure(mint(key_one(), claims_at(k_now), {{"crit", {"exp"}}})) ==
              "the token's header has \"crit\" extensions");
        CHECK(failure(mint(key_one(), claims_at(k_now), {{"kid", 7}})) ==
              "the token's \"kid\" is not a string");
    }

    TEST_CASE("a token over 16 KiB is refused before it is decoded") {
        nlohmann::json claims = claims_at(k_now);
        claims["padding"] = std::string(k_max_token_bytes, 'x');
        std::string token = mint(key_one(), claims);
        CHECK(failure(token) ==
              "the token is " + std::to_string(token.size()) + " bytes, over the limit of 16384");
    }

    TEST_CASE("scopes come from scope, else scp") {
        auto scopes_of = [](nlohmann::json claims) {
            auto decoded = decode_token(mint(key_one(), claims));
            REQUIRE(std::holds_alternative<DecodedToken>(decoded));
            auto verified = verify_token(std::get<DecodedToken>(decoded), keys_of({&key_one()}),
                                         requirements(), k_now_point);
            REQUIRE(std::holds_alternative<VerifiedToken>(verified));
            return std::get<VerifiedToken>(verified);
        };
        nlohmann::json claims = claims_at(k_now);
        claims["scope"] = "  a  b ";
        CHECK(scopes_of(claims).scopes == std::vector<std::string>{"a", "b"});
        claims.erase("scope");
        claims["scp"] = {"c", "d"};
        CHECK(scopes_of(claims).scopes == std::vector<std::string>{"c", "d"});
        claims.erase("scp");
        CHECK(scopes_of(claims).scopes.empty());
        CHECK_FALSE(scopes_of(claims).has_scope_claim);
    }

    TEST_CASE("the route's scopes need one of them in the token") {
        CHECK(has_any_scope({"read"}, {}));
        CHECK(has_any_scope({"read", "write"}, {"admin", "write"}));
        CHECK_FALSE(has_any_scope({"read"}, {"admin"}));
        CHECK_FALSE(has_any_scope({}, {"admin"}));
    }

    TEST_CASE("the token is the identity value or what follows Bearer") {
        CHECK(token_from_identity("abc.def.ghi") == std::string_view("abc.def.ghi"));
        CHECK(token_from_identity("Bearer abc.def.ghi") == std::string_view("abc.def.ghi"));
        CHECK(token_from_identity("bearer  abc.def.ghi ") == std::string_view("abc.def.ghi"));
        CHECK(token_from_identity("Bearerabc") == std::string_view("Bearerabc"));
        CHECK(token_from_identity("BEARER\tabc") == std::string_view("abc"));
        CHECK_FALSE(token_from_identity("Bearer"));
        CHECK_FALSE(token_from_identity(""));
        CHECK_FALSE(token_from_identity("Bearer   "));
        CHECK_FALSE(token_from_identity("  "));
    }
}
