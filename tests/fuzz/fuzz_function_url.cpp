// Fuzzes a function URL's request path: routing by Host or prefix, the SigV4 check of a hostile
// Authorization header or presigned query (sigv4.hpp), the event, and the answer to a result.
#include "runtime/auth/sigv4.hpp"
#include "runtime/gateway/function_url.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::gateway;

namespace {

const auth::sigv4::Credentials k_credentials{"AKIDLOCAL", "local-secret", ""};

config::FunctionUrlConfig url_of(const std::string& name, bool iam) {
    config::FunctionUrlConfig url;
    url.function_name = name;
    url.auth = iam ? config::FunctionUrlConfig::AuthType::AwsIam
                   : config::FunctionUrlConfig::AuthType::None;
    config::CorsConfig cors;
    cors.allow_origins = {"*"};
    url.cors = cors;
    return url;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    static FunctionUrls urls(
        {url_of("open", false), url_of("signed", true)}, "us-east-1",
        [](const HttpRequest& request, std::string_view region) {
            return auth::sigv4::verify(request, k_credentials, region, "lambda",
                                       WallClock::time_point(std::chrono::seconds(1767323045)));
        },
        iam_caller("AKIDLOCAL"));
    static const std::string k_signed_host = function_url_id("signed") + ".lambda-url.localhost";

    HttpRequest request;
    request.method = in.ConsumeRandomLengthString(8);
    request.path = in.ConsumeRandomLengthString(64);
    request.raw_query = in.ConsumeRandomLengthString(256);
    switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
        request.headers.emplace_back("Host", k_signed_host);
        break;
    case 1:
        request.headers.emplace_back("Host", in.ConsumeRandomLengthString(48));
        break;
    default:
        break;
    }
    for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
        std::string name = in.PickValueInArray<std::string>(
            {"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256",
             "Origin", "Access-Control-Request-Method", "Cookie"});
        request.headers.emplace_back(std::move(name), in.ConsumeRandomLengthString(256));
    }
    std::string payload = in.ConsumeRandomLengthString(512);
    request.body = in.ConsumeRemainingBytesAsString();

    // No input forges an HMAC of the secret: every signature is refused, with a reason.
    FUZZ_CHECK(!auth::sigv4::verify(request, k_credentials, "us-east-1", "lambda").empty());
    std::optional<FunctionUrls::Target> target = urls.match(request);
    if (!target) {
        return 0;
    }
    FrontDoor front;
    Integration integration = urls.prepare(request, *target, front);
    if (integration.answer) {
        FUZZ_CHECK(integration.answer->status >= 200 && integration.answer->status < 600);
        return 0;
    }
    // Nothing reaches the AWS_IAM URL's function (a preflight is answered above).
    FUZZ_CHECK(integration.function_url != nullptr);
    FUZZ_CHECK(integration.function_url->auth == config::FunctionUrlConfig::AuthType::None);
    nlohmann::json event = nlohmann::json::parse(integration.event, nullptr, false);
    FUZZ_CHECK(event.is_object());
    FUZZ_CHECK(event["requestContext"]["apiId"] == target->id);
    InvocationResult result;
    result.payload = payload;
    HttpResponse response = urls.answer(integration, result, nullptr);
    FUZZ_CHECK(response.status >= 100 && response.status < 600);
    return 0;
}
