// Authorizing a request before its integration: the authorizer a route names, its identity
// sources, and the authorizer's verdict (docs/serve.md, authorizers). One `Authorizer` per
// authorizer of the project, by kind; Lambda authorizers run their function through the same
// execution environments as integrations do, asynchronously.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/execution/invocation.hpp"
#include "runtime/gateway/authorizer_cache.hpp"
#include "runtime/gateway/identity_source.hpp"
#include "runtime/gateway/integration.hpp"
#include "runtime/gateway/lambda_authorizer.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime::gateway {

// Invokes function `function_name` with `event`, and calls `done` with its result (at once,
// or later on the same loop).
using InvokeFunction =
    std::function<void(const std::string& function_name, std::string event,
                       std::function<void(const InvocationResult& result)> done)>;

// What an authorizer is asked about one request.
struct AuthorizationRequest {
    AuthorizerInput input;  // the request, its route, its method ARN and identity values
    std::string route_text; // "GET /Prod/pets": for the log
    const std::vector<std::string>* scopes = nullptr; // the route's authorizationScopes
};

// One authorizer of an API.
class Authorizer {
  public:
    virtual ~Authorizer() = default;
    // Decides on `request` and calls `done` once with the verdict (maybe before returning).
    virtual void authorize(const AuthorizationRequest& request,
                           std::function<void(AuthorizationVerdict)> done) = 0;
};

// A Lambda authorizer (REST TOKEN or REQUEST, HTTP API Lambda): the validation expression,
// the result cache, the function's event and its output.
class LambdaAuthorizer : public Authorizer {
  public:
    // `log` gets one line per cached result used; `api_id` keeps the cache entries of
    // authorizers of the same name in different APIs apart.
    LambdaAuthorizer(const config::AuthorizerConfig& config, ApiType api_type,
                     InvokeFunction invoke, AuthorizerCache& cache,
                     std::function<void(const std::string&)> log, const std::string& api_id = "");
    void authorize(const AuthorizationRequest& request,
                   std::function<void(AuthorizationVerdict)> done) override;

  private:
    config::AuthorizerConfig m_config;
    ApiType m_api_type;
    InvokeFunction m_invoke;
    AuthorizerCache& m_cache;
    std::function<void(const std::string&)> m_log;
    std::string m_cache_name;               // the cache's namespace: API and authorizer
    std::optional<std::regex> m_validation; // TOKEN: the validation expression, compiled
};

// An authorizer lambda-local cannot emulate (AWS_IAM; a function not in the project): every
// request gets 500, never through.
class RefusingAuthorizer : public Authorizer {
  public:
    explicit RefusingAuthorizer(std::string reason) : m_reason(std::move(reason)) {}
    void authorize(const AuthorizationRequest& request,
                   std::function<void(AuthorizationVerdict)> done) override;

  private:
    std::string m_reason;
};

// Makes the Authorizer of a JWT or Cognito user pool authorizer (`serve` links the token
// verification, runtime/auth/; lambda-local itself does not).
using MakeTokenAuthorizer =
    std::function<std::unique_ptr<Authorizer>(const config::AuthorizerConfig& config)>;

// The authorizers of a project's APIs, and the authorization of a prepared request.
class Authorization {
  public:
    // Makes an Authorizer per authorizer that a route names; JWT and Cognito ones with
    // `make_token_authorizer`. Throws lambda_local::Error for a JWT or Cognito authorizer
    // without it, or when it throws.
    Authorization(
        const std::vector<config::ApiConfig>& apis, InvokeFunction invoke,
        std::function<void(const std::string&)> log,
        MakeTokenAuthorizer make_token_authorizer = nullptr,
        AuthorizerCache::Clock clock = [] { return MonotonicClock::now(); });

    // One line per authorizer that routes use but that every request will be refused by
    // (AWS_IAM, a function not in the project), for the start-up log.
    const std::vector<std::string>& warnings() const { return m_warnings; }

    // Authorizes `integration` (prepared, with `authorizer` set) for the front door's region:
    // a missing identity source of a Lambda authorizer is 401, a method ARN over 1600 bytes
    // 414, without calling the authorizer; then its verdict (a JWT or Cognito authorizer
    // refuses a missing token itself). `done` may be called before this returns.
    void authorize(const Integration& integration, std::function<void(AuthorizationVerdict)> done);

  private:
    std::map<std::pair<std::string, std::string>, std::unique_ptr<Authorizer>> m_authorizers;
    std::vector<std::string> m_warnings;
    AuthorizerCache m_cache;
};

// The context variables an identity source may read, for a prepared integration.
std::map<std::string, std::string> identity_context(const Integration& integration);

} // namespace lambda_local::runtime::gateway
