// Lambda function URLs in front of the gateway's integration: each URL its own origin on the
// serve port (http://<url-id>.lambda-url.localhost:PORT/), the function URL form of payload
// 2.0, the URL's CORS and, for AuthType AWS_IAM, a SigV4 signature (docs/serve.md, "Function
// URLs"; AWS: "Invoking Lambda function URLs").
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/gateway/integration.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::gateway {

// The path prefix that reaches a function URL without its own Host:
// http://127.0.0.1:3000/_lambda-url/<function name or url-id>/rest/of/path.
inline constexpr std::string_view k_function_url_path_prefix = "/_lambda-url/";

// The url-id of a function's URL: 32 lowercase letters and digits, the same for the same
// function name on every run (AWS derives its own from the account; ours from the name).
std::string function_url_id(std::string_view function_name);

// The local origin of a URL: "<url-id>.lambda-url.localhost:3000".
std::string function_url_host(std::string_view url_id, std::string_view port);

// The caller a valid signature proves: requestContext.authorizer.iam.
struct IamCaller {
    std::string access_key;
    std::string account_id;
    std::string caller_id;
    std::string user_arn;
    std::string user_id;
};

// The caller `serve` reports for the credentials it checks signatures with: the access key, the
// account (123456789012 unless told), a stable IAM user id for the key ("AIDA..."), and the
// user arn:aws:iam::<account>:user/lambda-local.
IamCaller iam_caller(std::string_view access_key_id, std::string_view account_id = "123456789012");

// Checks a request's SigV4 signature for the lambda service in `region`: "" when it holds,
// else why not. `serve` checks with sigv4::verify and the tool's credentials.
using SignatureCheck =
    std::function<std::string(const HttpRequest& request, std::string_view region)>;

// The function URLs of a project.
class FunctionUrls {
  public:
    // `caller` is who a valid signature of an AWS_IAM URL is taken to come from; `check` is
    // required when a URL is AWS_IAM (without it every such request is refused).
    FunctionUrls(std::vector<config::FunctionUrlConfig> urls, std::string region,
                 SignatureCheck check, IamCaller caller);

    // Which URL a request is for, and the path the function sees.
    struct Target {
        const config::FunctionUrlConfig* url = nullptr; // nullptr: a URL that does not exist
        std::string id;
        std::string path;       // the request path without a /_lambda-url/<name> prefix
        bool by_prefix = false; // reached by the path prefix, not by its Host
        std::string asked;      // what named the missing URL (its id or name)
    };
    // The URL `request` is for: its Host is "<url-id>.lambda-url.<anything>" (localhost, or
    // <region>.on.aws), or its path starts with k_function_url_path_prefix; nothing otherwise.
    std::optional<Target> match(const HttpRequest& request) const;

    // The request made into the function URL's event, or answered here: a URL that does not
    // exist (404), a CORS preflight of a URL with Cors, an AWS_IAM request without a valid
    // signature (403, `integration.note` says why), an event over 6 MB (413).
    Integration prepare(HttpRequest request, const Target& target, const FrontDoor& front) const;

    // The client's answer to the function's result, as the function URL gives it (payload 2.0
    // inference; 502 for a function error, crash, timeout or a malformed response), with the
    // URL's CORS headers.
    HttpResponse answer(const Integration& integration, const InvocationResult& result,
                        std::string* malformed) const;
    // The answer when the function's concurrency and queue are full (429).
    HttpResponse throttled(const Integration& integration) const;

    const std::vector<config::FunctionUrlConfig>& urls() const { return m_urls; }
    const std::string& region() const { return m_region; }

  private:
    void add_cors(const Integration& integration, HttpResponse& response) const;

    std::vector<config::FunctionUrlConfig> m_urls;
    std::vector<std::string> m_ids; // m_urls[i]'s url-id
    std::string m_region;
    SignatureCheck m_check;
    IamCaller m_caller;
};

} // namespace lambda_local::runtime::gateway
