// End-to-end: `lambda-local serve --bootstrap DIR` serves a custom runtime behind the gateway
// and the Invoke API, warm between requests.
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace lambda_local::e2e;

TEST_SUITE("e2e::serve bootstrap") {

    TEST_CASE("a custom runtime is served through the gateway and the Invoke API, warm") {
        ServeProcess server({"--bootstrap", sample_library("bootstrap-cpp")});
        auto first = serve_request(server, "GET", "/orders/7?x=1");
        INFO(server.log());
        REQUIRE(first.status == 200);
        // The runtime echoes {"event":..., "context":...}; the HTTP API infers a 200 JSON answer.
        nlohmann::json answer = parse_json(first.body);
        CHECK(answer.at("event").at("rawPath") == "/orders/7");
        CHECK(answer.at("event").at("routeKey") == "ANY /{proxy+}");
        CHECK(answer.at("context").at("invoked_function_arn") ==
              "arn:aws:lambda:us-east-1:123456789012:function:bootstrap-cpp");

        auto invoked =
            serve_request(server, "POST", "/2015-03-31/functions/bootstrap-cpp/invocations", {},
                          R"({"fail":"no such order"})");
        REQUIRE(invoked.status == 200);
        CHECK(header_text(invoked, "X-Amz-Function-Error") == "Unhandled");
        CHECK(invoked.body.find("no such order") != std::string::npos);

        REQUIRE(server.wait_for_log_count("REPORT RequestId:", 2) == 2);
        std::string log = server.log();
        // One cold start (Init Duration on the first REPORT only): the second request was warm.
        std::size_t init = log.find("Init Duration");
        CHECK(init != std::string::npos);
        CHECK(log.find("Init Duration", init + 1) == std::string::npos);
        CHECK(server.stop() == 0);
    }

} // TEST_SUITE
