// Authorizing requests: identity sources, the authorizer of each kind, the result cache.
#include "runtime/gateway/authorization.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/json_depth.hpp"

#include <strings.h>

#include <regex>

namespace lambda_local::runtime::gateway {
namespace {

// A token longer than this is not matched against the validation expression: 401. (A REST
// API's request headers total at most 10240 bytes; libstdc++'s regex recurses per character,
// so the bound also keeps a hostile token from exhausting the stack.)
constexpr std::size_t k_max_validated_token = 4096;

AuthorizationVerdict verdict_of(AuthorizationOutcome outcome, std::string reason) {
    AuthorizationVerdict verdict;
    verdict.outcome = outcome;
    verdict.reason = std::move(reason);
    return verdict;
}

} // namespace

LambdaAuthorizer::LambdaAuthorizer(const config::AuthorizerConfig& config, ApiType api_type,
                                   InvokeFunction invoke, AuthorizerCache& cache,
                                   std::function<void(const std::string&)> log,
                                   const std::string& api_id)
    : m_config(config), m_api_type(api_type), m_invoke(std::move(invoke)), m_cache(cache),
      m_log(std::move(log)), m_cache_name(api_id + "/") {
    if (m_config.kind == config::AuthorizerKind::LambdaToken &&
        !m_config.validation_expression.empty()) {
        try {
            m_validation.emplace(m_config.validation_expression, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            // Checked when the configuration was read; a hand-made one refuses every token.
            m_validation.emplace("$.^");
        }
    }
}

void LambdaAuthorizer::authorize(const AuthorizationRequest& request,
                                 std::function<void(AuthorizationVerdict)> done) {
    const AuthorizerInput& input = request.input;
    if (m_validation) {
        const std::string token = input.identity.empty() ? "" : input.identity.front();
        bool valid = false;
        if (token.size() <= k_max_validated_token) {
            try {
                valid = std::regex_match(token, *m_validation);
            } catch (const std::regex_error&) {
                valid = false; // too complex for this token: refused, never let through
            }
        }
        if (!valid) {
            done(verdict_of(AuthorizationOutcome::Unauthorized,
                            "the token does not match the validation expression"));
            return;
        }
    }
    const bool caching = m_config.ttl_seconds > 0 && !input.identity.empty();
    std::string key = caching ? authorizer_cache_key(m_cache_name + m_config.name, input.identity)
                              : std::string();
    if (caching) {
        if (std::optional<nlohmann::json> output = m_cache.find(key)) {
            AuthorizationVerdict verdict =
                read_authorizer_output(m_config, m_api_type, *output, input.method_arn);
            verdict.cached = true;
            if (m_log) {
                m_log("lambda-local: authorizer " + m_config.name + ": cached result used for " +
                      request.route_text);
            }
            done(std::move(verdict));
            return;
        }
    }
    if (m_config.function_name.empty()) {
        done(verdict_of(AuthorizationOutcome::Failed,
                        "its function '" + m_config.function_ref + "' is not in the project"));
        return;
    }
    std::string event = lambda_authorizer_event(m_config, m_api_type, input);
    std::string method_arn = input.method_arn;
    m_invoke(m_config.function_name, std::move(event),
             [this, key, caching, method_arn, done](const InvocationResult& result) {
                 if (!result.ok()) {
                     done(failed_authorizer(result));
                     return;
                 }
                 nlohmann::json output = parse_json_bounded<nlohmann::json>(result.payload);
                 if (output.is_discarded()) {
                     done(verdict_of(AuthorizationOutcome::Failed,
                                     "the authorizer's output is not JSON"));
                     return;
                 }
                 AuthorizationVerdict verdict =
                     read_authorizer_output(m_config, m_api_type, output, method_arn);
                 // What is cached is the output: a policy is evaluated again for each request.
                 if (caching && verdict.outcome != AuthorizationOutcome::Failed) {
                     m_cache.store(key, std::move(output),
                                   std::chrono::seconds(m_config.ttl_seconds));
                 }
                 done(std::move(verdict));
             });
}

void RefusingAuthorizer::authorize(const AuthorizationRequest&,
                                   std::function<void(AuthorizationVerdict)> done) {
    done(verdict_of(AuthorizationOutcome::Failed, m_reason));
}

std::map<std::string, std::string> identity_context(const Integration& integration) {
    const ProxyIntegration& proxy = integration.proxy;
    const HttpRequest& request = integration.request;
    std::map<std::string, std::string> context = {
        {"accountId", proxy.account_id},
        {"apiId", proxy.api_id},
        {"domainName", proxy.domain_name},
        {"httpMethod", request.method},
        {"path", proxy.stage_path.empty() ? proxy.path : proxy.stage_path},
        {"protocol", request.protocol},
        {"requestId", integration.stamp.request_id},
        {"resourcePath", proxy.resource_path},
        {"routeKey", proxy.route_key},
        {"stage", proxy.stage},
        {"requestTimeEpoch", std::to_string(epoch_ms(integration.stamp.time))},
        {"identity.sourceIp", request.source_ip},
    };
    for (const auto& [name, value] : request.headers) {
        if (name.size() == 10 && ::strncasecmp(name.c_str(), "user-agent", 10) == 0) {
            context["identity.userAgent"] = value;
            break;
        }
    }
    return context;
}

Authorization::Authorization(const std::vector<config::ApiConfig>& apis, InvokeFunction invoke,
                             std::function<void(const std::string&)> log,
                             MakeTokenAuthorizer make_token_authorizer,
                             AuthorizerCache::Clock clock)
    : m_cache(std::move(clock)) {
    for (const config::ApiConfig& api : apis) {
        for (const config::AuthorizerConfig& config : api.authorizers) {
            bool used = false;
            for (const Route& route : api.api.routes) {
                used = used || route.authorizer == config.name;
            }
            if (!used) {
                continue;
            }
            std::string what = "authorizer '" + config.name + "' of API '" + api.logical_id + "'";
            std::unique_ptr<Authorizer> authorizer;
            switch (config.kind) {
            case config::AuthorizerKind::LambdaToken:
            case config::AuthorizerKind::LambdaRequest:
                if (config.function_name.empty()) {
                    std::string reason = "its function " + config.function_ref +
                                         " is not in the project: lambda-local cannot run it";
                    m_warnings.push_back(what + ": " + reason +
                                         "; the routes it guards answer 500");
                    authorizer = std::make_unique<RefusingAuthorizer>(reason);
                } else {
                    authorizer = std::make_unique<LambdaAuthorizer>(config, api.api.type, invoke,
                                                                    m_cache, log, api.api.id);
                }
                break;
            case config::AuthorizerKind::Iam: {
                std::string reason = "AWS_IAM authorization (SigV4 checked by IAM) is not "
                                     "emulated";
                m_warnings.push_back(what + ": " + reason + "; the routes it guards answer 500");
                authorizer = std::make_unique<RefusingAuthorizer>(reason);
                break;
            }
            case config::AuthorizerKind::Jwt:
            case config::AuthorizerKind::CognitoUserPools: {
                std::string kind(config::authorizer_kind_name(config.kind));
                if (!make_token_authorizer) {
                    throw Error(what + " (" + kind + "): token authorizers run under `serve`");
                }
                try {
                    authorizer = make_token_authorizer(config);
                } catch (const Error& e) {
                    throw Error(what + " (" + kind + "): " + e.what());
                }
                break;
            }
            }
            m_authorizers[{api.api.id, config.name}] = std::move(authorizer);
        }
    }
}

void Authorization::authorize(const Integration& integration,
                              std::function<void(AuthorizationVerdict)> done) {
    const config::AuthorizerConfig& config = *integration.authorizer;
    auto found = m_authorizers.find({integration.proxy.api_id, config.name});
    if (found == m_authorizers.end()) {
        done(verdict_of(AuthorizationOutcome::Failed, "no such authorizer"));
        return;
    }
    const ProxyIntegration& proxy = integration.proxy;
    AuthorizationRequest request;
    request.route_text = integration.request.method + " " +
                         (proxy.stage_path.empty() ? proxy.path : proxy.stage_path);
    request.scopes =
        integration.route != nullptr ? &integration.route->authorization_scopes : nullptr;
    AuthorizerInput& input = request.input;
    input.request = &integration.request;
    input.proxy = &proxy;
    input.stamp = integration.stamp;
    input.method_arn = execute_api_arn(integration.region, proxy.account_id, proxy.api_id,
                                       proxy.stage, integration.request.method, proxy.path);
    if (input.method_arn.size() > k_max_method_arn) {
        done(verdict_of(AuthorizationOutcome::UriTooLong, "the method ARN is over 1600 bytes"));
        return;
    }
    std::vector<IdentitySource> sources;
    for (const std::string& text : config.identity_sources) {
        if (std::optional<IdentitySource> source = parse_identity_source(text, proxy.api_type)) {
            sources.push_back(std::move(*source));
        }
    }
    std::map<std::string, std::string> context = identity_context(integration);
    IdentityInput identity;
    identity.request = &integration.request;
    identity.stage_variables =
        integration.api != nullptr ? &integration.api->stage_variables : nullptr;
    identity.context = &context;
    std::optional<std::vector<std::string>> values = identity_values(sources, identity);
    const bool reads_token = config.kind == config::AuthorizerKind::Jwt ||
                             config.kind == config::AuthorizerKind::CognitoUserPools;
    if (!values && !reads_token) {
        done(verdict_of(AuthorizationOutcome::Unauthorized, "an identity source is missing"));
        return;
    }
    // A JWT or Cognito authorizer reads its header itself: a missing token is its own 401
    // (with an HTTP API's www-authenticate).
    if (values) {
        input.identity = std::move(*values);
    }
    found->second->authorize(request, std::move(done));
}

} // namespace lambda_local::runtime::gateway
