// JWT authorizers (HTTP API) and Cognito user pool authorizers (REST) in `serve`: the gateway's
// Authorizer over runtime/auth's verification of the token (docs/authorizers-jwt.md).
#pragma once

#include "runtime/auth/authorizer.hpp"
#include "runtime/auth/key_source.hpp"
#include "runtime/config/authorizer_config.hpp"
#include "runtime/gateway/authorization.hpp"
#include "runtime/loop/event_loop.hpp"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime::server {

class JwtAuthorizer : public gateway::Authorizer {
  public:
    // `config` is a Jwt or CognitoUserPools authorizer. Throws lambda_local::Error when its
    // identity source is not one header (where API Gateway reads a token from).
    JwtAuthorizer(loop::EventLoop& loop, auth::KeySource& keys,
                  const config::AuthorizerConfig& config);
    void authorize(const gateway::AuthorizationRequest& request,
                   std::function<void(gateway::AuthorizationVerdict)> done) override;

  private:
    loop::EventLoop& m_loop;
    auth::KeySource& m_keys;
    bool m_cognito = false;
    auth::JwtAuthorizerConfig m_jwt;
    auth::CognitoAuthorizerConfig m_user_pools;
};

// The JWT and Cognito user pool authorizers of `lambda-local test` (runtime/testing's
// TokenAuthorizers): on `loop`, with one KeySource that takes the keys of `jwks_files`' issuers
// from those files (others are fetched). Throws lambda_local::Error for a file that cannot be
// read or holds no usable key.
gateway::MakeTokenAuthorizer
test_token_authorizers(loop::EventLoop& loop,
                       const std::vector<std::pair<std::string, std::string>>& jwks_files);

} // namespace lambda_local::runtime::server
