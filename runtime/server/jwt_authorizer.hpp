// JWT authorizers (HTTP API) and Cognito user pool authorizers (REST) in `serve`: the gateway's
// Authorizer over runtime/auth's verification of the token (docs/authorizers-jwt.md).
#pragma once

#include "runtime/auth/authorizer.hpp"
#include "runtime/auth/key_source.hpp"
#include "runtime/config/authorizer_config.hpp"
#include "runtime/gateway/authorization.hpp"
#include "runtime/loop/event_loop.hpp"

#include <functional>

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

} // namespace lambda_local::runtime::server
