// JWT and Cognito user pool authorizers in `serve`.
#include "runtime/server/jwt_authorizer.hpp"

#include "runtime/util/error.hpp"

#include <utility>
#include <variant>

namespace lambda_local::runtime::server {
namespace {

gateway::AuthorizationVerdict verdict_of(auth::AuthorizerOutcome outcome) {
    gateway::AuthorizationVerdict verdict;
    switch (outcome.decision) {
    case auth::Decision::Allow:
        verdict.outcome = gateway::AuthorizationOutcome::Allowed;
        verdict.authorizer = std::move(outcome.authorizer);
        break;
    case auth::Decision::Unauthorized:
        verdict.outcome = gateway::AuthorizationOutcome::Unauthorized;
        break;
    case auth::Decision::Forbidden:
        verdict.outcome = gateway::AuthorizationOutcome::Forbidden;
        break;
    }
    verdict.reason = std::move(outcome.reason);
    if (!outcome.www_authenticate.empty()) {
        // An HTTP API names the scheme and the error of its refusal (docs/authorizers-jwt.md).
        verdict.headers.emplace_back("www-authenticate", std::move(outcome.www_authenticate));
    }
    return verdict;
}

// A JwtAuthorizer that keeps its KeySource alive (test_token_authorizers).
class KeyedJwtAuthorizer : public gateway::Authorizer {
  public:
    KeyedJwtAuthorizer(loop::EventLoop& loop, std::shared_ptr<auth::KeySource> keys,
                       const config::AuthorizerConfig& config)
        : m_keys(std::move(keys)), m_authorizer(loop, *m_keys, config) {}
    void authorize(const gateway::AuthorizationRequest& request,
                   std::function<void(gateway::AuthorizationVerdict)> done) override {
        m_authorizer.authorize(request, std::move(done));
    }

  private:
    std::shared_ptr<auth::KeySource> m_keys;
    JwtAuthorizer m_authorizer;
};

} // namespace

gateway::MakeTokenAuthorizer
test_token_authorizers(loop::EventLoop& loop,
                       const std::vector<std::pair<std::string, std::string>>& jwks_files) {
    auto keys = std::make_shared<auth::KeySource>();
    for (const auto& [issuer, path] : jwks_files) {
        keys->add_local_keys(issuer, auth::load_jwks_file(path));
    }
    return [&loop,
            keys](const config::AuthorizerConfig& config) -> std::unique_ptr<gateway::Authorizer> {
        return std::make_unique<KeyedJwtAuthorizer>(loop, keys, config);
    };
}

JwtAuthorizer::JwtAuthorizer(loop::EventLoop& loop, auth::KeySource& keys,
                             const config::AuthorizerConfig& config)
    : m_loop(loop), m_keys(keys),
      m_cognito(config.kind == config::AuthorizerKind::CognitoUserPools) {
    std::string header = "Authorization"; // API Gateway's default identity source
    if (!config.identity_sources.empty()) {
        if (config.identity_sources.size() > 1) {
            throw Error("a " + std::string(config::authorizer_kind_name(config.kind)) +
                        " authorizer reads its token from one header, not " +
                        std::to_string(config.identity_sources.size()) + " identity sources");
        }
        auto named = auth::identity_header(config.identity_sources.front());
        if (named.index() == 1) {
            throw Error(std::get<1>(named));
        }
        header = std::get<0>(named);
    }
    m_jwt.issuer = config.issuer;
    m_jwt.audiences = config.audiences;
    m_jwt.identity_header = header;
    m_user_pools.user_pool_arns = config.user_pool_arns;
    m_user_pools.identity_header = header;
}

void JwtAuthorizer::authorize(const gateway::AuthorizationRequest& request,
                              std::function<void(gateway::AuthorizationVerdict)> done) {
    static const std::vector<std::string> k_no_scopes;
    const std::vector<std::string>& scopes =
        request.scopes != nullptr ? *request.scopes : k_no_scopes;
    auto decided = [done = std::move(done)](auth::AuthorizerOutcome outcome) {
        done(verdict_of(std::move(outcome)));
    };
    if (m_cognito) {
        auth::authorize_cognito(m_loop, m_keys, m_user_pools, request.input.request->headers,
                                scopes, std::move(decided));
    } else {
        auth::authorize_jwt(m_loop, m_keys, m_jwt, request.input.request->headers, scopes,
                            std::move(decided));
    }
}

} // namespace lambda_local::runtime::server
