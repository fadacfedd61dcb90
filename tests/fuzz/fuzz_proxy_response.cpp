// Fuzzes the mapping of a function's result to API Gateway's HTTP response (proxy_response.hpp).
#include "runtime/gateway/proxy_response.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <nlohmann/json.hpp>

using namespace lambda_local;
using namespace lambda_local::runtime::gateway;

namespace {

bool same(const HttpResponse& a, const HttpResponse& b) {
    return a.status == b.status && a.headers == b.headers && a.body == b.body;
}

// The binary media types of a REST API, picked by two bits of the input.
std::vector<std::string> media_types(unsigned choice) {
    switch (choice % 4) {
    case 1:
        return {"image/png", "application/octet-stream"};
    case 2:
        return {"image~1*"};
    case 3:
        return {"*/*"};
    default:
        return {};
    }
}

} // namespace

// The first byte picks the API type, the payload format and the binary media types; the
// rest is the function's result.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const ApiType api_type = (data[0] & 1) != 0 ? ApiType::Http : ApiType::Rest;
    const PayloadFormat format = (data[0] & 2) != 0 ? PayloadFormat::V2 : PayloadFormat::V1;
    const std::vector<std::string> binary = media_types(data[0] >> 2);
    const std::string_view payload = fuzz::as_text(data + 1, size - 1);

    const auto read = read_function_response(api_type, format, payload, binary);
    const HttpResponse sent = response_from_function(api_type, format, payload, binary);
    // Whatever the function returns, the client gets a status from 100 to 599: the
    // function's own when its result is well formed, else the gateway's 502 (REST) or 500.
    FUZZ_CHECK(sent.status >= 100 && sent.status <= 599);
    if (const auto* response = std::get_if<HttpResponse>(&read)) {
        FUZZ_CHECK(response->status >= 100 && response->status <= 599);
        FUZZ_CHECK(same(*response, sent));
    } else {
        FUZZ_CHECK(!std::get<MalformedResponse>(read).reason.empty());
        FUZZ_CHECK(same(sent, gateway_answer(api_type, GatewayAnswer::FunctionFailed)));
    }
    // A result that is not JSON is malformed, in either format.
    if (!nlohmann::json::accept(payload)) {
        FUZZ_CHECK(std::holds_alternative<MalformedResponse>(read));
    }
    // A REST API reads payload format 1.0 whatever the integration says.
    if (api_type == ApiType::Rest) {
        const HttpResponse v1 =
            response_from_function(api_type, PayloadFormat::V1, payload, binary);
        FUZZ_CHECK(same(sent, v1));
    }
    return 0;
}
