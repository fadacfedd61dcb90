// End-to-end tests of the lambda-local-bootstrap executable on its own, against a small fake
// Runtime API served by this test process (127.0.0.1, an ephemeral port): what it posts,
// and how it ends when the API answers 500, cannot be reached, or is not configured.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// A fake Runtime API: serves `events` one by one, accepts every post, then answers /next
// with 500 so that the runtime exits.
class FakeApi {
  public:
    explicit FakeApi(std::vector<std::string> events) : m_events(std::move(events)) {
        auto handler = [this](const httplib::Request& request, httplib::Response& response) {
            answer(request, response);
        };
        m_server.Get(".*", handler);
        m_server.Post(".*", handler);
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        // stop() is only heard by a server that is running.
        for (int i = 0; i < 5000 && !m_server.is_running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    FakeApi(const FakeApi&) = delete;
    FakeApi& operator=(const FakeApi&) = delete;
    ~FakeApi() {
        m_server.stop();
        m_thread.join();
    }

    std::string endpoint() const { return "127.0.0.1:" + std::to_string(m_port); }

    // "METHOD path" of each request, and the bodies and error-type headers of the posts.
    std::vector<std::string> requests() {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    std::vector<std::pair<std::string, std::string>> posts() {
        std::lock_guard lock(m_mutex);
        return m_posts;
    }

  private:
    void answer(const httplib::Request& request, httplib::Response& response) {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(request.method + " " + request.path);
        if (request.method == "POST") {
            std::string type = request.get_header_value("lambda-runtime-function-error-type");
            m_posts.emplace_back(request.body, type);
            response.status = 202;
            response.set_content(R"({"status":"OK"})", "application/json");
            return;
        }
        if (m_next >= m_events.size()) {
            response.status = 500;
            response.set_content(R"({"errorMessage":"bye","errorType":"InternalServerError"})",
                                 "application/json");
            return;
        }
        response.set_header("Lambda-Runtime-Aws-Request-Id", "req-" + std::to_string(m_next + 1));
        response.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(epoch_ms_now() + 3000));
        response.set_content(m_events[m_next++], "application/json");
    }

    std::vector<std::string> m_events;
    std::size_t m_next = 0;
    std::mutex m_mutex;
    std::vector<std::string> m_requests;
    std::vector<std::pair<std::string, std::string>> m_posts;
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
};

std::string bootstrap_path() {
    return std::string(LL_BUILD_DIR) + "/lambda-local-bootstrap";
}

// Runs the bootstrap with only these variables (and LAMBDA_TASK_ROOT = the samples).
ProcessResult run_bootstrap(EnvList env) {
    env.emplace_back("LAMBDA_TASK_ROOT", LL_SAMPLES_DIR);
    env.emplace_back("AWS_LAMBDA_FUNCTION_NAME", "echo");
    RunOptions options;
    options.env = std::move(env);
    options.bound = std::chrono::seconds(30);
    return run_process({bootstrap_path()}, options);
}

} // namespace

TEST_SUITE_BEGIN("e2e::bootstrap");

TEST_CASE("the bootstrap serves invocations until the Runtime API answers 500, then exits 1") {
    FakeApi api({R"({"n":1})", R"({"n":2})"});
    const ProcessResult r = run_bootstrap(
        {{"AWS_LAMBDA_RUNTIME_API", api.endpoint()}, {"_HANDLER", "libecho_cpp.so:handle"}});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("answered HTTP 500") != std::string::npos);
    CHECK(api.requests() ==
          std::vector<std::string>{"GET /2018-06-01/runtime/invocation/next",
                                   "POST /2018-06-01/runtime/invocation/req-1/response",
                                   "GET /2018-06-01/runtime/invocation/next",
                                   "POST /2018-06-01/runtime/invocation/req-2/response",
                                   "GET /2018-06-01/runtime/invocation/next"});
    const auto posts = api.posts();
    REQUIRE(posts.size() == 2);
    const json first = parse_json(posts[0].first);
    CHECK(first["event"] == json{{"n", 1}});
    CHECK(first["request_id"] == "req-1");
    CHECK(first["function_name"] == "echo");
    CHECK(parse_json(posts[1].first)["request_id"] == "req-2");
}

TEST_CASE("the bootstrap posts a function error with its type, and an init error") {
    SUBCASE("function error") {
        FakeApi api({"{}"});
        run_bootstrap({{"AWS_LAMBDA_RUNTIME_API", api.endpoint()},
                       {"_HANDLER", "libecho_cpp.so:fail_typed"}});
        const auto posts = api.posts();
        REQUIRE(posts.size() == 1);
        CHECK(posts[0].second == "ValidationError");
        CHECK(parse_json(posts[0].first) == json{{"errorMessage", "name is required"},
                                                 {"errorType", "ValidationError"},
                                                 {"stackTrace", json::array()}});
    }
    SUBCASE("init error") {
        FakeApi api({"{}"});
        const ProcessResult r = run_bootstrap(
            {{"AWS_LAMBDA_RUNTIME_API", api.endpoint()}, {"_HANDLER", "libinit_fails.so"}});
        CHECK(r.exit_code == 1);
        CHECK(api.requests() == std::vector<std::string>{"POST /2018-06-01/runtime/init/error"});
        REQUIRE(api.posts().size() == 1);
        CHECK(api.posts()[0].second == "ConfigError");
    }
}

TEST_CASE("a Runtime API that cannot be reached is retried with backoff, then the bootstrap "
          "exits 1") {
    std::string endpoint;
    {
        FakeApi gone({});
        endpoint = gone.endpoint();
    } // stopped: nothing listens on that port now
    const ProcessResult r =
        run_bootstrap({{"AWS_LAMBDA_RUNTIME_API", endpoint}, {"_HANDLER", "libecho_cpp.so"}});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("lambda-local-bootstrap: giving up after 4 attempts: GET "
                     "/2018-06-01/runtime/invocation/next: ") != std::string::npos);
    CHECK(r.elapsed >= std::chrono::milliseconds(700)); // waits of 100, 200 and 400 ms
}

TEST_CASE("without AWS_LAMBDA_RUNTIME_API the bootstrap says what it is and exits 1") {
    const ProcessResult r = run_bootstrap({{"_HANDLER", "libecho_cpp.so"}});
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("lambda-local-bootstrap: AWS_LAMBDA_RUNTIME_API is not set", 0) == 0);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
