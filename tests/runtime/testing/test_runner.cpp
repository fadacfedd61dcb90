// Tests of running test files in real execution environments: warm reuse, cold cases, crashes,
// parallel files and snapshots.
#include "runtime/testing/runner.hpp"

#include "tests/runtime/testing/scratch.hpp"

#include <doctest/doctest.h>

#include <mutex>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::testing;
using lambda_local::runtime::testing::test_support::sample;
using lambda_local::runtime::testing::test_support::Scratch;

namespace {

// Remembers what the runner tells.
class Recorder : public RunListener {
  public:
    void case_finished(std::size_t file, const CaseResult& result) override {
        std::lock_guard lock(m_mutex);
        cases.emplace_back(file, result.name);
    }
    void file_finished(std::size_t file, const FileResult&) override {
        std::lock_guard lock(m_mutex);
        files.push_back(file);
    }
    void sandbox_note(const std::string& note) override {
        std::lock_guard lock(m_mutex);
        notes.push_back(note);
    }

    std::vector<std::pair<std::size_t, std::string>> cases;
    std::vector<std::size_t> files;
    std::vector<std::string> notes;

  private:
    std::mutex m_mutex;
};

RunOptions options(std::size_t jobs = 1) {
    RunOptions o;
    o.jobs = jobs;
    o.environment.worker_path = std::string(LL_BUILD_DIR) + "/lambda-local-worker";
    return o;
}

std::string failures_of(const CaseResult& result) {
    std::string out;
    for (const auto& f : result.failures) {
        out += f + "\n";
    }
    return out + result.log;
}

} // namespace

TEST_SUITE("runtime::testing::Runner") {

    TEST_CASE("a file's cases share one warm environment, and a cold case gets a fresh one") {
        Scratch dir;
        const std::string path = dir.write("tmp.test.yaml", R"(function:
  library: )" + sample("libecho_cpp.so") + R"(
  handler: tmp_use
cases:
  - name: first
    expect: {response_subset: {count: 1}, logs_contain: "init: cold start"}
  - name: second, warm
    expect: {response_subset: {count: 2}}
  - name: third, cold
    cold: true
    expect: {response_subset: {count: 1}, logs_contain: "init: cold start"}
  - name: skipped
    skip: not now
)");
        Recorder recorder;
        const RunResult run = run_test_files({load_test_file(path)}, options(), recorder);
        REQUIRE(run.files.size() == 1);
        const auto& cases = run.files[0].cases;
        REQUIRE(cases.size() == 4);
        for (std::size_t i = 0; i < 3; ++i) {
            INFO(cases[i].name << "\n" << failures_of(cases[i]));
            CHECK(cases[i].verdict == Verdict::Pass);
        }
        CHECK(cases[0].init_duration_ms.has_value());
        CHECK_FALSE(cases[1].init_duration_ms.has_value());
        CHECK(cases[2].init_duration_ms.has_value());
        CHECK(cases[1].log.find("init: cold start") == std::string::npos);
        CHECK(cases[1].log.rfind("START RequestId: ", 0) == 0);
        CHECK(cases[1].log.find("\nREPORT RequestId: ") != std::string::npos);
        CHECK(cases[3].verdict == Verdict::Skip);
        CHECK(cases[3].skip_reason == "not now");
        CHECK(recorder.cases.size() == 4);
        CHECK(recorder.files == std::vector<std::size_t>{0});
        CHECK_FALSE(run.interrupted);
    }

    TEST_CASE("a crashing handler fails its case and the next case runs in a new environment") {
        Scratch dir;
        const std::string path = dir.write("crash.test.yaml", R"(function:
  library: )" + sample("libmisbehaving.so") + R"(
  handler: segfault
cases:
  - name: crash unexpected
  - name: crash expected
    expect: {error: {type: Runtime.ExitError, message: "segmentation fault"}}
)");
        Recorder recorder;
        const RunResult run = run_test_files({load_test_file(path)}, options(), recorder);
        const auto& cases = run.files[0].cases;
        REQUIRE(cases.size() == 2);
        CHECK(cases[0].verdict == Verdict::Fail);
        REQUIRE(cases[0].failures.size() == 1);
        CHECK(cases[0].failures[0] ==
              "the function failed: Runtime.ExitError: RequestId: " + cases[0].log.substr(17, 36) +
                  " Error: Runtime exited with error: signal: segmentation "
                  "fault");
        CHECK(cases[1].verdict == Verdict::Pass);
        CHECK(cases[1].init_duration_ms.has_value());
    }

    TEST_CASE("files run in parallel, each result in its place, with a filter on case names") {
        Scratch dir;
        std::vector<TestFile> files;
        for (int i = 0; i < 3; ++i) {
            const std::string path = dir.write("f" + std::to_string(i) + ".test.yaml", R"(function:
  library: )" + sample("libecho_cpp.so") + R"(
cases:
  - name: echo )" + std::to_string(i) + R"(
    event: {n: )" + std::to_string(i) + R"(}
    expect: {response_subset: {event: {n: )" + std::to_string(i) + R"(}}}
  - name: left out
)");
            files.push_back(load_test_file(path));
        }
        RunOptions o = options(2);
        o.filter = std::regex("^echo");
        Recorder recorder;
        const RunResult run = run_test_files(files, o, recorder);
        REQUIRE(run.files.size() == 3);
        for (int i = 0; i < 3; ++i) {
            CHECK(run.files[i].path == files[i].path);
            REQUIRE(run.files[i].cases.size() == 1);
            CHECK(run.files[i].cases[0].name == "echo " + std::to_string(i));
            CHECK(run.files[i].cases[0].verdict == Verdict::Pass);
        }
        CHECK(recorder.files.size() == 3);
    }

    TEST_CASE("--update records snapshots that a later run compares against") {
        Scratch dir;
        const std::string text = R"(function:
  library: )" + sample("libecho_cpp.so") +
                                 R"(
cases:
  - name: snap
    event: {v: 1}
    expect: {snapshot: true, ignore: [/request_id, /remaining_time_ms]}
)";
        const std::string path = dir.write("s.test.yaml", text);
        Recorder recorder;
        RunOptions update = options();
        update.update_snapshots = true;
        RunResult run = run_test_files({load_test_file(path)}, update, recorder);
        REQUIRE(run.files[0].cases.size() == 1);
        CHECK(run.files[0].cases[0].verdict == Verdict::Pass);
        CHECK(run.files[0].cases[0].note == "snapshot recorded");
        CHECK(nlohmann::json::parse(dir.read("s.snap.json")) ==
              nlohmann::json::parse(
                  R"({"snap":{"response":{"event":{"v":1},"function_name":"echo_cpp"}}})"));

        run = run_test_files({load_test_file(path)}, options(), recorder);
        CHECK(run.files[0].cases[0].verdict == Verdict::Pass);

        dir.write("s.test.yaml", text.substr(0, text.find("{v: 1}")) + "{v: 2}" +
                                     text.substr(text.find("{v: 1}") + 6));
        run = run_test_files({load_test_file(path)}, options(), recorder);
        CHECK(run.files[0].cases[0].verdict == Verdict::Fail);
    }

    TEST_CASE("a worker that cannot start fails every case of its file and the run goes on") {
        Scratch dir;
        const std::string path = dir.write("w.test.yaml", R"(function:
  library: )" + sample("libecho_cpp.so") + R"(
cases:
  - name: one
  - name: two
)");
        RunOptions o = options();
        o.environment.worker_path = dir.path() + "/no-worker";
        Recorder recorder;
        const RunResult run = run_test_files({load_test_file(path)}, o, recorder);
        REQUIRE(run.files[0].cases.size() == 2);
        CHECK(run.files[0].cases[1].verdict == Verdict::Fail);
        REQUIRE_FALSE(run.files[0].cases[1].failures.empty());
        CHECK(run.files[0].cases[1].failures[0].rfind("cannot start the execution environment: ",
                                                      0) == 0);
    }

    TEST_CASE("authorization: run runs the route's Lambda authorizer in its own environment") {
        Scratch dir;
        const std::string samples = LL_SAMPLES_DIR;
        dir.write("template.yaml", R"(Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: )" + samples + R"(}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth: {FunctionArn: !GetAtt Guard.Arn}
  Guard:
    Type: AWS::Serverless::Function
    Properties: {Handler: libauthorizer.so:policy}
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:echo
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: '/orders/{id}', Method: get}}
)");
        const std::string path = dir.write("orders.test.yaml", R"(function:
  template: template.yaml
  name: Orders
cases:
  - name: allowed
    request: {path: /orders/1, headers: {Authorization: allow}}
    authorization: run
    expect:
      status: 200
      body_subset:
        requestContext:
          authorizer: {principalId: alice, user: alice, level: "7", admin: "true"}
      logs_contain: "authorizer called: allow"
  - name: allowed again, from the cache
    request: {path: /orders/1, headers: {Authorization: allow}}
    authorization: run
    expect: {status: 200}
  - name: explicit deny
    request: {path: /orders/1, headers: {Authorization: deny}}
    authorization: run
    expect:
      status: 403
      body_json: {Message: User is not authorized to access this resource with an explicit deny}
  - name: implicit deny
    request: {path: /orders/1, headers: {Authorization: other}}
    authorization: run
    expect: {status: 403, body_json: {message: User is not authorized to access this resource}}
  - name: unauthorized
    request: {path: /orders/1, headers: {Authorization: unauthorized}}
    authorization: run
    expect: {status: 401, body_json: {message: Unauthorized}}
  - name: no token
    request: {path: /orders/1}
    authorization: run
    expect: {status: 401}
  - name: malformed policy
    request: {path: /orders/1, headers: {Authorization: malformed}}
    authorization: run
    expect: {status: 500, headers: {x-amzn-ErrorType: AuthorizerConfigurationException}}
)");
        Recorder recorder;
        const RunResult run = run_test_files({load_test_file(path)}, options(), recorder);
        REQUIRE(run.files.size() == 1);
        const auto& cases = run.files[0].cases;
        REQUIRE(cases.size() == 7);
        for (const CaseResult& result : cases) {
            INFO(result.name << "\n" << failures_of(result));
            CHECK(result.verdict == Verdict::Pass);
        }
        // The authorizer's output comes before the function's START.
        CHECK(cases[0].log.find("authorizer called: allow") <
              cases[0].log.find("START RequestId: "));
        // The second allow came from the cache (TTL 300 s, as in serve): no call.
        CHECK(cases[1].log.find("authorizer called") == std::string::npos);
        CHECK(cases[2].log.find("authorizer called: deny") != std::string::npos);
        CHECK(cases[2].log.find("START RequestId: ") == std::string::npos); // not invoked
        // A missing identity source is 401 without calling the authorizer.
        CHECK(cases[5].log.find("authorizer called") == std::string::npos);
    }

    TEST_CASE("a file whose authorizer is a JWT one and no token verification fails its cases") {
        Scratch dir;
        const std::string samples = LL_SAMPLES_DIR;
        dir.write("template.yaml", R"(Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: 'https://issuer.example.com', audience: [my-api]}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: )" + samples + R"(
      Handler: libhttp_api.so:echo
      Events:
        Read: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /read, Method: get}}
)");
        const std::string path = dir.write("read.test.yaml", R"(function:
  template: template.yaml
  name: Fn
cases:
  - name: read
    request: {path: /read}
    authorization: run
)");
        const TestFile file = load_test_file(path);
        CHECK(needs_token_authorizers(file));
        Recorder recorder;
        const RunResult run = run_test_files({file}, options(), recorder);
        REQUIRE(run.files[0].cases.size() == 1);
        CHECK(run.files[0].cases[0].verdict == Verdict::Fail);
        REQUIRE_FALSE(run.files[0].cases[0].failures.empty());
        CHECK(run.files[0].cases[0].failures[0].find("token authorizers run under `serve`") !=
              std::string::npos);
    }

} // TEST_SUITE
