// Tests of the bootstrap's handler setting and of its whole life in this process, against
// the raw fake Runtime API: load, init errors, the context it gives each ABI, results.
#include "runtime/bootstrap/bootstrap.hpp"
#include "runtime/util/clock.hpp"
#include "tests/runtime/bootstrap/raw_api.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace lambda_local::runtime::bootstrap {
namespace {

using testing::Answer;
using testing::RawApi;
using testing::Received;
using testing::reply;

constexpr const char* k_trace = "Root=1-5e1b4151-5ac6c58f3e2a1b7d9c0f1e2d;Parent=53995c3f42cd8ad8;"
                                "Sampled=1";

// Serves `invocations` events (ids id-1, id-2, ...; deadline 5 s ahead), accepts every post,
// then answers /next with 500 so that the bootstrap exits.
Answer serve_events(std::vector<std::string> events) {
    auto next = std::make_shared<std::size_t>(0);
    return [events = std::move(events), next](const Received& request) {
        if (!testing::is_next(request)) {
            return reply(202, R"({"status":"OK"})");
        }
        if (*next >= events.size()) {
            return reply(500, R"({"errorMessage":"done","errorType":"InternalServerError"})");
        }
        std::string id = "id-" + std::to_string(++*next);
        return reply(200, events[*next - 1],
                     "Lambda-Runtime-Aws-Request-Id: " + id +
                         "\r\nLambda-Runtime-Deadline-Ms: " + std::to_string(epoch_ms() + 5000) +
                         "\r\nLambda-Runtime-Invoked-Function-Arn: "
                         "arn:aws:lambda:us-east-1:123456789012:function:echo-fn"
                         "\r\nLambda-Runtime-Trace-Id: " +
                         k_trace + "\r\n");
    };
}

BootstrapSettings settings_for(const RawApi& api, const std::string& handler) {
    BootstrapSettings settings;
    settings.runtime_api = api.endpoint();
    settings.handler = handler;
    settings.task_root = LL_SAMPLES_DIR;
    settings.context.function_name = "echo-fn";
    settings.context.function_version = "$LATEST";
    settings.context.memory_limit_in_mb = "128";
    settings.retry = RetryPolicy{1, std::chrono::milliseconds(1)};
    return settings;
}

// The posts the bootstrap made (everything but GET /next).
std::vector<Received> posts(RawApi& api) {
    std::vector<Received> out;
    for (const auto& request : api.received()) {
        if (!testing::is_next(request)) {
            out.push_back(request);
        }
    }
    return out;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

} // namespace

TEST_SUITE("runtime::bootstrap::Bootstrap") {

    TEST_CASE("the handler setting names a library in the task root and a symbol") {
        auto full = parse_handler_setting("libhandler.so:handle", "/var/task");
        REQUIRE(full.has_value());
        CHECK(full->library == "/var/task/libhandler.so");
        CHECK(full->symbol == "handle");
        CHECK(parse_handler_setting("libx.so:run", "/var/task/")->library == "/var/task/libx.so");
        CHECK(parse_handler_setting("libx.so:run", "/var/task")->symbol == "run");
        CHECK(parse_handler_setting("libx.so", "/var/task")->symbol == "handle");
        CHECK(parse_handler_setting("libx.so:", "/var/task")->symbol == "handle");
        CHECK(parse_handler_setting("lib/libx.so:h", "/r")->library == "/r/lib/libx.so");
        CHECK(parse_handler_setting("/opt/lib/libx.so:h", "/var/task")->library ==
              "/opt/lib/libx.so");
        CHECK_FALSE(parse_handler_setting("", "/var/task").has_value());
        CHECK_FALSE(parse_handler_setting(":handle", "/var/task").has_value());
    }

    TEST_CASE("a native handler gets the request id, deadline, ARN and trace id") {
        RawApi api(serve_events({R"({"name":"world"})", R"({"n":2})"}));
        CHECK(run_bootstrap(settings_for(api, "libecho_cpp.so:handle")) == 1);
        const auto sent = posts(api);
        REQUIRE(sent.size() == 2);
        CHECK(starts_with(sent[0].head, "POST /2018-06-01/runtime/invocation/id-1/response "));
        auto first = nlohmann::json::parse(sent[0].body);
        CHECK(first["event"] == nlohmann::json{{"name", "world"}});
        CHECK(first["request_id"] == "id-1");
        CHECK(first["function_name"] == "echo-fn");
        CHECK(first["remaining_time_ms"].get<long>() > 0);
        CHECK(first["remaining_time_ms"].get<long>() <= 5000);
        CHECK(nlohmann::json::parse(sent[1].body)["request_id"] == "id-2");
        CHECK(api.connections() == 1); // keep-alive for the whole life
    }

    TEST_CASE("_X_AMZN_TRACE_ID is set from Lambda-Runtime-Trace-Id for each invocation") {
        ::unsetenv("_X_AMZN_TRACE_ID");
        RawApi api(serve_events({"{}"}));
        run_bootstrap(settings_for(api, "libecho_cpp.so:env_dump"));
        const auto sent = posts(api);
        REQUIRE(sent.size() == 1);
        CHECK(nlohmann::json::parse(sent[0].body)["_X_AMZN_TRACE_ID"] == k_trace);
        ::unsetenv("_X_AMZN_TRACE_ID");
    }

    TEST_CASE("a function error is posted to /error with its type in the header") {
        SUBCASE("native fail()") {
            RawApi api(serve_events({"{}"}));
            run_bootstrap(settings_for(api, "libecho_cpp.so:fail_typed"));
            const auto sent = posts(api);
            REQUIRE(sent.size() == 1);
            CHECK(starts_with(sent[0].head, "POST /2018-06-01/runtime/invocation/id-1/error "));
            CHECK(
                testing::has_line(sent[0], "Lambda-Runtime-Function-Error-Type: ValidationError"));
            CHECK(sent[0].body == R"({"errorMessage":"name is required","errorType":)"
                                  R"("ValidationError","stackTrace":[]})");
        }
        SUBCASE("classic non-zero return") {
            RawApi api(serve_events({"{}"}));
            run_bootstrap(settings_for(api, "libmisbehaving.so:return_7"));
            const auto sent = posts(api);
            REQUIRE(sent.size() == 1);
            CHECK(sent[0].body == R"({"errorMessage":"handler returned 7","errorType":)"
                                  R"("HandlerError","stackTrace":[]})");
        }
    }

    TEST_CASE("an init failure is posted to /init/error and the bootstrap exits") {
        SUBCASE("native init error") {
            RawApi api(serve_events({"{}"}));
            CHECK(run_bootstrap(settings_for(api, "libinit_fails.so:handle")) == 1);
            const auto requests = api.received();
            REQUIRE(requests.size() == 1); // never asked for an invocation
            CHECK(starts_with(requests[0].head, "POST /2018-06-01/runtime/init/error "));
            CHECK(
                testing::has_line(requests[0], "Lambda-Runtime-Function-Error-Type: ConfigError"));
            CHECK(requests[0].body == R"({"errorMessage":"missing DATABASE_URL","errorType":)"
                                      R"("ConfigError","stackTrace":[]})");
        }
        SUBCASE("a library that is not there") {
            RawApi api(serve_events({}));
            CHECK(run_bootstrap(settings_for(api, "libnope.so:handle")) == 1);
            const auto requests = api.received();
            REQUIRE(requests.size() == 1);
            CHECK(testing::has_line(
                requests[0], "Lambda-Runtime-Function-Error-Type: Runtime.InvalidEntrypoint"));
            CHECK(requests[0].body.find("libnope.so: cannot open shared object file") !=
                  std::string::npos);
        }
        SUBCASE("a symbol that is not there") {
            RawApi api(serve_events({}));
            run_bootstrap(settings_for(api, "libecho_cpp.so:nope"));
            const auto requests = api.received();
            REQUIRE(requests.size() == 1);
            CHECK(requests[0].body == R"({"errorMessage":"Handler 'nope' missing on module )"
                                      R"('libecho_cpp.so'","errorType":"Runtime.HandlerNotFound",)"
                                      R"("stackTrace":[]})");
        }
        SUBCASE("a handler setting without a library") {
            RawApi api(serve_events({}));
            run_bootstrap(settings_for(api, ":handle"));
            const auto requests = api.received();
            REQUIRE(requests.size() == 1);
            CHECK(nlohmann::json::parse(requests[0].body)["errorType"] ==
                  "Runtime.InvalidEntrypoint");
        }
    }

    TEST_CASE("without AWS_LAMBDA_RUNTIME_API the bootstrap explains itself and fails") {
        BootstrapSettings settings;
        settings.handler = "libecho_cpp.so:handle";
        CHECK(run_bootstrap(settings) == 1);
    }
}

} // namespace lambda_local::runtime::bootstrap
