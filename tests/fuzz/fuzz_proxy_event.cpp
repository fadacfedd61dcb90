// Fuzzes the proxy event built from an HTTP request (proxy_event.hpp), both payload formats.
#include "runtime/gateway/proxy_event.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/json_writer.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include <chrono>

using namespace lambda_local;
using namespace lambda_local::runtime::gateway;
using nlohmann::json;
using runtime::events::is_valid_utf8;

namespace {

// A request and an integration read from the input, and a fixed stamp.
struct Case {
    HttpRequest request;
    ProxyIntegration integration;
    RequestStamp stamp;
};

Case read_case(FuzzedDataProvider& in) {
    Case c;
    c.integration.api_type = in.ConsumeBool() ? ApiType::Http : ApiType::Rest;
    c.integration.format = in.ConsumeBool() ? PayloadFormat::V2 : PayloadFormat::V1;
    c.request.method = in.ConsumeRandomLengthString(16);
    c.request.path = in.ConsumeRandomLengthString(64);
    c.request.raw_query = in.ConsumeRandomLengthString(64);
    for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
        std::string name = in.ConsumeRandomLengthString(16);
        c.request.headers.emplace_back(std::move(name), in.ConsumeRandomLengthString(32));
    }
    for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n) {
        c.integration.binary_media_types.push_back(in.ConsumeRandomLengthString(16));
    }
    for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n) {
        // Names as a route template has them: unique, so that the event's object keeps each.
        std::string name = "p" + std::to_string(n);
        c.integration.path_parameters.emplace_back(std::move(name),
                                                   in.ConsumeRandomLengthString(16));
    }
    if (in.ConsumeBool()) {
        json variables = json::object();
        variables[in.ConsumeRandomLengthString(8)] = in.ConsumeRandomLengthString(8);
        c.integration.stage_variables = variables;
    }
    c.integration.stage = in.ConsumeBool() ? "$default" : in.ConsumeRandomLengthString(8);
    c.integration.path = c.request.path;
    c.integration.resource_path = in.ConsumeRandomLengthString(16);
    c.integration.route_key = in.ConsumeRandomLengthString(16);
    c.integration.domain_name = in.ConsumeRandomLengthString(16);
    c.integration.api_id = "abc123defg";
    c.request.body = in.ConsumeRemainingBytesAsString();
    c.stamp = {"c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "LV7fzho-PHcEJPw=",
               std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
    return c;
}

// The string the event carries for `text`: itself when it is UTF-8.
void check_text(const json& value, const std::string& text) {
    FUZZ_CHECK(value.is_string());
    if (is_valid_utf8(text)) {
        FUZZ_CHECK(value.get<std::string>() == text);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const Case c = read_case(in);
    const HttpRequest& request = c.request;
    const bool v2 =
        c.integration.api_type == ApiType::Http && c.integration.format == PayloadFormat::V2;

    // The event is JSON that a strict parser reads, whatever bytes the request holds.
    const std::string text = proxy_event(request, c.integration, c.stamp);
    const json event = json::parse(text);
    FUZZ_CHECK(event.is_object());

    // The writer spells a string as nlohmann does, invalid UTF-8 replaced.
    std::string written;
    append_json_string(written, request.body);
    FUZZ_CHECK(written == json(request.body).dump(-1, ' ', false, json::error_handler_t::replace));

    // The method and the query arrive as sent.
    if (v2) {
        FUZZ_CHECK(event.at("version") == "2.0");
        check_text(event.at("requestContext").at("http").at("method"), request.method);
        check_text(event.at("rawQueryString"), request.raw_query);
    } else {
        check_text(event.at("httpMethod"), request.method);
        // 1.0 lists every header once in multiValueHeaders (names that are not UTF-8 could
        // become one name there; a server only passes tokens).
        std::size_t values = 0;
        bool utf8_names = true;
        for (const auto& [name, value] : request.headers) {
            utf8_names = utf8_names && is_valid_utf8(name);
        }
        if (!event.at("multiValueHeaders").is_null()) {
            for (const auto& [name, list] : event.at("multiValueHeaders").items()) {
                values += list.size();
            }
        }
        FUZZ_CHECK(!utf8_names || values == request.headers.size());
    }

    // The body: absent when empty, else the bytes as sent, base64 when not sent as text.
    const bool base64 = event.at("isBase64Encoded").get<bool>();
    if (request.body.empty()) {
        FUZZ_CHECK(!base64);
        FUZZ_CHECK(v2 ? !event.contains("body") : event.at("body").is_null());
    } else if (base64) {
        FUZZ_CHECK(base64_decode(event.at("body").get<std::string>()) == request.body);
    } else {
        check_text(event.at("body"), request.body);
    }

    // Path parameters as the route match gave them.
    if (!c.integration.path_parameters.empty()) {
        for (const auto& [name, value] : c.integration.path_parameters) {
            check_text(event.at("pathParameters").at(name), value);
        }
    }
    return 0;
}
