// Running a test file's authorizers for its cases with `authorization: run`.
#include "runtime/testing/case_authorizers.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"

#include <optional>
#include <utility>

namespace lambda_local::runtime::testing {

bool needs_token_authorizers(const TestFile& file) {
    if (!file.runs_authorizers || !file.http) {
        return false;
    }
    for (const config::ApiConfig& api : file.http->apis) {
        for (const config::AuthorizerConfig& authorizer : api.authorizers) {
            if (authorizer.kind == config::AuthorizerKind::Jwt ||
                authorizer.kind == config::AuthorizerKind::CognitoUserPools) {
                return true;
            }
        }
    }
    return false;
}

CaseAuthorizers::CaseAuthorizers(loop::EventLoop& loop, const HttpSetup& setup,
                                 const EnvironmentOptions& options,
                                 const TokenAuthorizers& token_authorizers)
    : m_loop(loop) {
    EnvironmentOptions own = options;
    own.debug = nullptr; // --debug is for the function under test
    for (const FunctionSpec& spec : setup.authorizer_functions) {
        m_environments[spec.name] = std::make_unique<ExecutionEnvironment>(loop, spec, own);
    }
    gateway::MakeTokenAuthorizer make_token;
    if (token_authorizers) {
        make_token = token_authorizers(loop, setup.jwks_files);
    }
    m_authorization = std::make_unique<gateway::Authorization>(
        setup.apis,
        [this](const std::string& function_name, std::string event,
               std::function<void(const InvocationResult&)> done) {
            invoke(function_name, std::move(event), std::move(done));
        },
        nullptr, std::move(make_token));
}

void CaseAuthorizers::invoke(const std::string& function_name, std::string event,
                             std::function<void(const InvocationResult&)> done) {
    auto found = m_environments.find(function_name);
    if (found == m_environments.end()) {
        InvocationResult failed; // not a function of the template: the gateway's 500
        failed.status = InvocationStatus::Crashed;
        done(failed);
        return;
    }
    InvocationRequest request;
    request.request_id = new_request_id();
    request.event = std::move(event);
    found->second->invoke(std::move(request),
                          [done = std::move(done)](InvocationResult result) { done(result); });
}

gateway::AuthorizationVerdict CaseAuthorizers::authorize(const gateway::Integration& integration) {
    std::optional<gateway::AuthorizationVerdict> verdict;
    m_authorization->authorize(integration, [&verdict](gateway::AuthorizationVerdict decided) {
        verdict = std::move(decided);
    });
    m_loop.run_until([&verdict] { return verdict.has_value(); });
    if (!verdict) {
        throw Error("the authorizer of route '" + integration.route_key + "' gave no verdict");
    }
    return std::move(*verdict);
}

void CaseAuthorizers::shutdown() {
    for (auto& [name, environment] : m_environments) {
        shutdown_and_wait(m_loop, *environment);
    }
}

} // namespace lambda_local::runtime::testing
