// The gateway's JWT authorization step: identity header, token, keys, verification, outcome.
#include "runtime/auth/authorizer.hpp"

#include "runtime/auth/cognito.hpp"
#include "runtime/http/message.hpp"
#include "runtime/loop/event_loop.hpp"

#include <memory>
#include <optional>

namespace lambda_local::runtime::auth {

namespace {

// A token from the request, or the refusal.
using Extracted = std::variant<DecodedToken, AuthorizerOutcome>;

// Text fit for inside a quoted header parameter: printable ASCII without quotes or
// backslashes (a reason may quote a kid the client chose), at most 200 characters.
std::string header_text(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 200)) {
        if (c == '"' || c == '\\') {
            out.push_back('\'');
        } else if (c >= 0x20 && c < 0x7F) {
            out.push_back(c);
        }
    }
    return out;
}

AuthorizerOutcome refuse(Decision decision, std::string reason, bool http_api,
                         const std::vector<std::string>& scopes = {}) {
    AuthorizerOutcome outcome;
    outcome.decision = decision;
    outcome.reason = std::move(reason);
    if (http_api) {
        // AWS publishes one value, for a token of another audience, on "Troubleshooting
        // issues with HTTP API JWT authorizers": `Bearer scope="" error="invalid_token"
        // error_description="the token does not have a valid audience"` with 401. Every other
        // refusal (no header, a malformed, expired or badly signed token, a missing scope) has
        // the same shape here, but its exact value is not confirmed by a source: the error
        // codes are RFC 6750's (section 3.1: invalid_token, insufficient_scope with the
        // scopes needed), the description is lambda-local's own reason.
        std::string scope_list;
        for (const std::string& scope : scopes) {
            scope_list += (scope_list.empty() ? "" : " ") + scope;
        }
        outcome.www_authenticate =
            "Bearer scope=\"" + header_text(scope_list) + "\" error=\"" +
            (decision == Decision::Forbidden ? "insufficient_scope" : "invalid_token") +
            "\" error_description=\"" + header_text(outcome.reason) + "\"";
    }
    return outcome;
}

Extracted extract(const http::HeaderList& headers, const std::string& header, bool http_api) {
    const std::string* value = http::find_header(headers, header);
    if (value == nullptr) {
        return refuse(Decision::Unauthorized, "the request has no " + header + " header", http_api);
    }
    std::optional<std::string_view> token = token_from_identity(*value);
    if (!token) {
        return refuse(Decision::Unauthorized, "the " + header + " header is empty", http_api);
    }
    auto decoded = decode_token(*token);
    if (auto* why = std::get_if<std::string>(&decoded)) {
        return refuse(Decision::Unauthorized, *why, http_api);
    }
    return std::get<DecodedToken>(std::move(decoded));
}

// What a verified HTTP API token gives: Allow, or 403 without the route's scopes.
AuthorizerOutcome jwt_outcome(const DecodedToken& token, const KeysResult& keys,
                              const std::string& issuer, const std::vector<std::string>& audiences,
                              const std::vector<std::string>& route_scopes,
                              WallClock::time_point now) {
    if (auto* why = std::get_if<std::string>(&keys)) {
        return refuse(Decision::Unauthorized, *why, true);
    }
    TokenRequirements requirements;
    requirements.issuer = issuer;
    requirements.audiences = audiences;
    auto verified = verify_token(token, *std::get<0>(keys), requirements, now);
    if (auto* why = std::get_if<std::string>(&verified)) {
        return refuse(Decision::Unauthorized, *why, true);
    }
    VerifiedToken& valid = std::get<VerifiedToken>(verified);
    if (!has_any_scope(valid.scopes, route_scopes)) {
        return refuse(Decision::Forbidden, "the token has none of the route's scopes", true,
                      route_scopes);
    }
    AuthorizerOutcome outcome;
    outcome.decision = Decision::Allow;
    nlohmann::json scopes = nullptr;
    if (valid.has_scope_claim) {
        scopes = valid.scopes;
    }
    outcome.authorizer = {{"jwt", {{"claims", http_api_claims(valid.claims)}, {"scopes", scopes}}}};
    return outcome;
}

// The pool issuers of a Cognito authorizer, or why one ARN is not a pool's.
std::variant<std::vector<std::string>, std::string>
pool_issuers(const CognitoAuthorizerConfig& config) {
    std::vector<std::string> issuers;
    for (const std::string& arn : config.user_pool_arns) {
        auto issuer = cognito_issuer(arn);
        if (issuer.index() == 1) {
            return std::get<1>(issuer);
        }
        issuers.push_back(std::get<0>(issuer));
    }
    return issuers;
}

// The pool issuer a token names, or the refusal.
std::variant<std::string, AuthorizerOutcome> token_pool(const DecodedToken& token,
                                                        const CognitoAuthorizerConfig& config) {
    auto issuers = pool_issuers(config);
    if (auto* why = std::get_if<std::string>(&issuers)) {
        return refuse(Decision::Unauthorized, "the authorizer's " + *why, false);
    }
    auto iss = token.claims.find("iss");
    if (iss != token.claims.end() && iss->is_string()) {
        for (const std::string& issuer : std::get<0>(issuers)) {
            if (*iss == issuer) {
                return issuer;
            }
        }
    }
    return refuse(Decision::Unauthorized, "the token's issuer is none of the authorizer's pools",
                  false);
}

AuthorizerOutcome cognito_outcome(const DecodedToken& token, const KeysResult& keys,
                                  const std::string& issuer,
                                  const std::vector<std::string>& app_client_ids,
                                  const std::vector<std::string>& method_scopes,
                                  WallClock::time_point now) {
    if (auto* why = std::get_if<std::string>(&keys)) {
        return refuse(Decision::Unauthorized, *why, false);
    }
    TokenRequirements requirements;
    requirements.issuer = issuer;
    requirements.audiences = app_client_ids;
    auto verified = verify_token(token, *std::get<0>(keys), requirements, now);
    if (auto* why = std::get_if<std::string>(&verified)) {
        return refuse(Decision::Unauthorized, *why, false);
    }
    VerifiedToken& valid = std::get<VerifiedToken>(verified);
    auto use = valid.claims.find("token_use");
    std::string token_use =
        use != valid.claims.end() && use->is_string() ? use->get<std::string>() : "";
    if (method_scopes.empty()) {
        if (token_use != "id") {
            return refuse(Decision::Unauthorized,
                          "a method without authorization scopes takes an ID token (token_use "
                          "\"id\"), not \"" +
                              token_use + "\"",
                          false);
        }
    } else {
        if (token_use != "access") {
            return refuse(Decision::Unauthorized,
                          "a method with authorization scopes takes an access token (token_use "
                          "\"access\"), not \"" +
                              token_use + "\"",
                          false);
        }
        if (!has_any_scope(valid.scopes, method_scopes)) {
            return refuse(Decision::Unauthorized, "the token has none of the method's scopes",
                          false);
        }
    }
    AuthorizerOutcome outcome;
    outcome.decision = Decision::Allow;
    outcome.authorizer = {{"claims", rest_api_claims(valid.claims)}};
    return outcome;
}

} // namespace

std::variant<std::string, std::string> identity_header(std::string_view identity_source) {
    for (std::string_view prefix : {"$request.header.", "method.request.header."}) {
        if (identity_source.substr(0, prefix.size()) == prefix &&
            identity_source.size() > prefix.size()) {
            std::string_view name = identity_source.substr(prefix.size());
            if (name.find_first_of(" \t,:") == std::string_view::npos) {
                return std::variant<std::string, std::string>(std::in_place_index<0>,
                                                              std::string(name));
            }
        }
    }
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, "the identity source \"" + std::string(identity_source) +
                                    "\" of a JWT authorizer is not one request header "
                                    "($request.header.<Name>)");
}

int AuthorizerOutcome::status() const {
    switch (decision) {
    case Decision::Allow:
        return 200;
    case Decision::Unauthorized:
        return 401;
    case Decision::Forbidden:
        return 403;
    }
    return 500;
}

std::string AuthorizerOutcome::body() const {
    switch (decision) {
    case Decision::Allow:
        return "";
    case Decision::Unauthorized:
        return R"({"message":"Unauthorized"})";
    case Decision::Forbidden:
        return R"({"message":"Forbidden"})";
    }
    return "";
}

void authorize_jwt(loop::EventLoop& loop, KeySource& keys, const JwtAuthorizerConfig& config,
                   const http::HeaderList& headers, const std::vector<std::string>& route_scopes,
                   std::function<void(AuthorizerOutcome)> done,
                   std::function<WallClock::time_point()> now) {
    Extracted extracted = extract(headers, config.identity_header, true);
    if (auto* refused = std::get_if<AuthorizerOutcome>(&extracted)) {
        done(std::move(*refused));
        return;
    }
    auto token = std::make_shared<DecodedToken>(std::get<DecodedToken>(std::move(extracted)));
    std::string kid = token->kid;
    keys.keys_for(loop, config.issuer, kid,
                  [token, issuer = config.issuer, audiences = config.audiences,
                   scopes = route_scopes, done = std::move(done),
                   now = std::move(now)](KeysResult result) {
                      done(jwt_outcome(*token, result, issuer, audiences, scopes, now()));
                  });
}

AuthorizerOutcome authorize_jwt(KeySource& keys, const JwtAuthorizerConfig& config,
                                const http::HeaderList& headers,
                                const std::vector<std::string>& route_scopes,
                                WallClock::time_point now) {
    Extracted extracted = extract(headers, config.identity_header, true);
    if (auto* refused = std::get_if<AuthorizerOutcome>(&extracted)) {
        return std::move(*refused);
    }
    const DecodedToken& token = std::get<DecodedToken>(extracted);
    return jwt_outcome(token, keys.keys_for(config.issuer, token.kid), config.issuer,
                       config.audiences, route_scopes, now);
}

void authorize_cognito(loop::EventLoop& loop, KeySource& keys,
                       const CognitoAuthorizerConfig& config, const http::HeaderList& headers,
                       const std::vector<std::string>& method_scopes,
                       std::function<void(AuthorizerOutcome)> done,
                       std::function<WallClock::time_point()> now) {
    Extracted extracted = extract(headers, config.identity_header, false);
    if (auto* refused = std::get_if<AuthorizerOutcome>(&extracted)) {
        done(std::move(*refused));
        return;
    }
    auto token = std::make_shared<DecodedToken>(std::get<DecodedToken>(std::move(extracted)));
    auto pool = token_pool(*token, config);
    if (auto* refused = std::get_if<AuthorizerOutcome>(&pool)) {
        done(std::move(*refused));
        return;
    }
    std::string issuer = std::get<std::string>(pool);
    std::string kid = token->kid;
    keys.keys_for(loop, issuer, kid,
                  [token, issuer, clients = config.app_client_ids, scopes = method_scopes,
                   done = std::move(done), now = std::move(now)](KeysResult result) {
                      done(cognito_outcome(*token, result, issuer, clients, scopes, now()));
                  });
}

AuthorizerOutcome authorize_cognito(KeySource& keys, const CognitoAuthorizerConfig& config,
                                    const http::HeaderList& headers,
                                    const std::vector<std::string>& method_scopes,
                                    WallClock::time_point now) {
    Extracted extracted = extract(headers, config.identity_header, false);
    if (auto* refused = std::get_if<AuthorizerOutcome>(&extracted)) {
        return std::move(*refused);
    }
    const DecodedToken& token = std::get<DecodedToken>(extracted);
    auto pool = token_pool(token, config);
    if (auto* refused = std::get_if<AuthorizerOutcome>(&pool)) {
        return std::move(*refused);
    }
    const std::string& issuer = std::get<std::string>(pool);
    return cognito_outcome(token, keys.keys_for(issuer, token.kid), issuer, config.app_client_ids,
                           method_scopes, now);
}

} // namespace lambda_local::runtime::auth
