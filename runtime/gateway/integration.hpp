// The API Gateway integration, in one place for `serve` and `lambda-local test`'s HTTP cases:
// a request routed and made into the function's event, and the function's result made into
// the client's answer (docs/serve.md).
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/execution/invocation.hpp"
#include "runtime/gateway/api.hpp"
#include "runtime/gateway/lambda_authorizer.hpp"
#include "runtime/gateway/proxy_event.hpp"
#include "runtime/gateway/routes.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::gateway {

class FunctionUrls;

// How the client reached the gateway: what API Gateway writes in Host (when the client sent
// none) and in the X-Forwarded-Port and X-Forwarded-Proto headers.
struct FrontDoor {
    std::string domain_name; // "" uses the API's own: <api id>.execute-api.<region>.amazonaws.com
    std::string port = "443";
    std::string scheme = "https";
    std::string region = "us-east-1"; // of the API's own domain name
};

// One request on its way to a function, or answered by the gateway itself.
struct Integration {
    std::optional<HttpResponse> answer; // set: a preflight, no route, an event over 6 MB
    std::string function_name;          // the route's function ("" with an answer)
    std::string event;                  // the proxy event
    ProxyIntegration proxy;
    HttpRequest request; // as sent to the function, API Gateway's headers added
    std::string route_key;
    // The integration timeout: the route's own (SAM TimeoutInMillis), else API Gateway's
    // (REST 29 s, HTTP API 30 s).
    std::chrono::milliseconds timeout{30000};
    const config::ApiConfig* api = nullptr;
    // The route's authorizer: set, the event is built once it allows the request
    // (Gateway::authorized); nullptr for a route without one.
    const config::AuthorizerConfig* authorizer = nullptr;
    RequestStamp stamp;               // the request's id and time, shared with the authorizer
    std::string region = "us-east-1"; // of the method ARN
    const Route* route = nullptr;     // the route matched (nullptr with an answer)
    const config::FunctionUrlConfig* function_url = nullptr; // set: a function URL's request
    std::string note; // why the gateway answered itself, when the log should say (a 403)
    // The response goes to the client as the function streams it (a function URL in
    // RESPONSE_STREAM mode, a REST route in STREAM transfer mode): docs/streaming.md.
    bool stream = false;
};

// Adds what API Gateway and function URLs add in front of the function: X-Forwarded-For with
// the source IP appended to the client's own list, X-Forwarded-Port and -Proto when missing,
// and an X-Amzn-Trace-Id when the client sent none.
void add_forwarding_headers(HttpRequest& request, const FrontDoor& front);

// The gateway of a project's APIs.
class Gateway {
  public:
    // Throws lambda_local::Error for routes that cannot be served (RouteTable::add).
    explicit Gateway(const std::vector<config::ApiConfig>& apis,
                     std::shared_ptr<const FunctionUrls> function_urls = nullptr);

    // Routes `request` (its path with the stage, as a client sends it): a CORS preflight of an
    // API with CORS is answered, a miss gets API Gateway's 403 or 404; otherwise the event for
    // the route's API type and payload format, with the headers API Gateway adds (Host when
    // missing, X-Forwarded-For with the source IP appended, X-Forwarded-Port and -Proto, and an
    // X-Amzn-Trace-Id when missing). An event over Lambda's 6 MB gets 413.
    // A route with an authorizer gets no event yet: its `authorizer` is set instead.
    Integration prepare(HttpRequest request, const FrontDoor& front) const;

    // Builds the event of an integration its authorizer allowed, with `authorizer` as
    // requestContext.authorizer (an event over 6 MB gets 413, as in prepare).
    void authorized(Integration& integration, nlohmann::json authorizer) const;
    // The answer to a request its authorizer refused (401, 403, 414, 500), with CORS headers.
    HttpResponse refused(const Integration& integration, AuthorizationOutcome outcome) const;
    // The same for a verdict, with the headers it carries (www-authenticate).
    HttpResponse refused(const Integration& integration, const AuthorizationVerdict& verdict) const;

    // The client's answer to the function's result: the proxy response, or API Gateway's own
    // answer to a function error, crash, timeout (Cancelled: the integration timed out) or a
    // malformed response (`malformed` then says why, for the log); with the API's CORS headers.
    HttpResponse answer(const Integration& integration, const InvocationResult& result,
                        std::string* malformed = nullptr) const;
    // The answer when the function's concurrency and queue are full (429), with CORS headers.
    HttpResponse throttled(const Integration& integration) const;
    // The headers the API (or function URL) adds to an answer to this request: its CORS
    // headers, and API Gateway's request id headers. For a streamed answer, whose head is
    // written before the function ends.
    HeaderList response_headers(const Integration& integration) const;
    // The answer when the request's body is over API Gateway's 10 MB (413).
    HttpResponse over_limit() const;

    const RouteTable& routes() const { return m_routes; }
    // The project's function URLs (nullptr: none are served), which prepare() tries first.
    const FunctionUrls* function_urls() const { return m_function_urls.get(); }

  private:
    // The proxy event of a prepared integration (413 when it is over 6 MB).
    void build_event(Integration& integration) const;
    // Adds the API's headers to an answer (a function's, or the gateway's own): its CORS
    // headers, and the request's id as API Gateway sends it back (REST: x-amzn-RequestId and
    // x-amz-apigw-id; HTTP API: apigw-requestid).
    void add_response_headers(const Integration& integration, HttpResponse& response) const;

    std::vector<config::ApiConfig> m_apis;
    RouteTable m_routes;
    std::shared_ptr<const FunctionUrls> m_function_urls;
};

} // namespace lambda_local::runtime::gateway
