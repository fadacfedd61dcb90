// The authorizers that run for a test file's cases with `authorization: run` (docs/testing.md,
// authorizers): the same Authorization as `serve`'s, each Lambda authorizer's function in an
// execution environment of its own on the file's loop.
#pragma once

#include "runtime/execution/execution_environment.hpp"
#include "runtime/gateway/authorization.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/testing/test_file.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// Makes the JWT and Cognito user pool authorizers of one test file, on its loop, with the
// issuers' keys from the file's `jwks:` (other issuers' keys are fetched, as `serve` does).
// Only lambda-local-serve has one: the token verification (runtime/auth/) loads libcrypto,
// which lambda-local does not link. May throw lambda_local::Error (a JWKS file that cannot be
// read).
using TokenAuthorizers = std::function<gateway::MakeTokenAuthorizer(
    loop::EventLoop& loop, const std::vector<JwksFile>& jwks_files)>;

// Whether the cases of `file` with `authorization: run` need TokenAuthorizers: a JWT or
// Cognito user pool authorizer guards one of its routes.
bool needs_token_authorizers(const TestFile& file);

// The authorizers of one test file's APIs. Each Lambda authorizer function gets one execution
// environment, started at its first call and reused warm; results are cached per identity
// source for the authorizer's TTL, across the file's cases, as in `serve`.
class CaseAuthorizers {
  public:
    // `options` are those of the file's own environment (its output goes where the function's
    // goes). Throws lambda_local::Error when an authorizer cannot be made: a JWT or Cognito
    // one without `token_authorizers`, an unreadable JWKS file.
    CaseAuthorizers(loop::EventLoop& loop, const HttpSetup& setup,
                    const EnvironmentOptions& options, const TokenAuthorizers& token_authorizers);

    // The verdict of the authorizer of `integration` (prepared, with `authorizer` set), running
    // the loop until it is known.
    gateway::AuthorizationVerdict authorize(const gateway::Integration& integration);

    // Ends the authorizers' execution environments, running the loop until they have ended.
    void shutdown();

  private:
    void invoke(const std::string& function_name, std::string event,
                std::function<void(const InvocationResult&)> done);

    loop::EventLoop& m_loop;
    std::map<std::string, std::unique_ptr<ExecutionEnvironment>> m_environments;
    std::unique_ptr<gateway::Authorization> m_authorization;
};

} // namespace lambda_local::runtime::testing
