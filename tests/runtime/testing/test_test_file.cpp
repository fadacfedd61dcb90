// Tests of loading test files: the format, resolved functions and APIs, and file:line errors.
#include "runtime/testing/test_file.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/testing/scratch.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::testing;
using lambda_local::runtime::testing::test_support::sample;
using lambda_local::runtime::testing::test_support::Scratch;
using nlohmann::json;

namespace {

// The message of the Error that loading `path` throws ("" when it loads).
std::string load_error(const std::string& path) {
    try {
        load_test_file(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// A test file's text: the echo sample as its function, then `rest`.
std::string with_echo(const std::string& rest, const std::string& handler = "handle") {
    return "function:\n  library: " + sample("libecho_cpp.so") + "\n  handler: " + handler + "\n" +
           rest;
}

} // namespace

TEST_SUITE("runtime::testing::TestFile") {

    TEST_CASE("a YAML test file loads with its function, events and expectations") {
        Scratch dir;
        dir.write("events/order.json", R"({"order": 7})");
        const std::string path = dir.write("orders.test.yaml", R"(function:
  library: )" + sample("libecho_cpp.so") + R"(
  handler: env_dump
  name: orders
  timeout: 2.5
  memory: 256
  env:
    TABLE: orders
    RETRIES: 3
cases:
  - name: inline
    event: {name: world, count: 2, ok: true, tags: [a, "1"]}
    expect:
      response: {a: 1}
      logs_contain: hello
      max_duration_ms: 50
      max_memory_mb: 64
  - name: from a file
    event_file: events/order.json
    expect:
      response_subset: {event: {order: 7}}
      json_body: true
      ignore: [/request_id]
  - name: an error
    cold: true
    expect:
      error: {type: ValidationError, message: "^name .* required$"}
  - name: later
    skip: not written yet
  - name: recorded
    expect: {snapshot: true}
)");
        const TestFile file = load_test_file(path);
        CHECK(file.path == path);
        CHECK(file.function.library == sample("libecho_cpp.so"));
        CHECK(file.function.handler == "env_dump");
        CHECK(file.function.name == "orders");
        CHECK(file.function.timeout_s == 2.5);
        CHECK(file.function.memory_mb == 256);
        CHECK(file.function.environment == EnvVars{{"TABLE", "orders"}, {"RETRIES", "3"}});
        CHECK_FALSE(file.http.has_value());
        CHECK(file.snapshot_path == dir.path() + "/orders.snap.json");
        REQUIRE(file.cases.size() == 5);

        const TestCase& first = file.cases[0];
        CHECK(first.name == "inline");
        CHECK(first.line == 11);
        CHECK(json::parse(first.event) ==
              json::parse(R"({"name":"world","count":2,"ok":true,"tags":["a","1"]})"));
        CHECK(first.expect.response == json{{"a", 1}});
        CHECK(first.expect.logs_contain == std::vector<std::string>{"hello"});
        CHECK(first.expect.max_duration_ms == 50.0);
        CHECK(first.expect.max_memory_mb == 64);

        const TestCase& second = file.cases[1];
        CHECK(json::parse(second.event) == json{{"order", 7}});
        CHECK(second.expect.response_subset == json::parse(R"({"event":{"order":7}})"));
        CHECK(second.expect.json_body);
        CHECK(second.expect.ignore == std::vector<std::string>{"/request_id"});

        const TestCase& third = file.cases[2];
        CHECK(third.event == "{}");
        CHECK(third.cold);
        REQUIRE(third.expect.error.has_value());
        CHECK(third.expect.error->type == "ValidationError");
        REQUIRE(third.expect.error->message.has_value());
        CHECK(std::regex_search("name is required", *third.expect.error->message));

        CHECK(file.cases[3].skip == "not written yet");
        CHECK(file.cases[4].expect.snapshot);
    }

    TEST_CASE("a JSON test file loads like the YAML one") {
        Scratch dir;
        const std::string path = dir.write("echo.test.json", R"({
	"function": {"library": ")" + sample("libecho_cpp.so") + R"(", "handler": "handle"},
	"cases": [
		{"name": "one", "event": {"a": [1, 2.5, null]}, "expect": {"response_subset": {"x": "1"}}}
	]
})");
        const TestFile file = load_test_file(path);
        REQUIRE(file.cases.size() == 1);
        CHECK(json::parse(file.cases[0].event) == json::parse(R"({"a":[1,2.5,null]})"));
        CHECK(file.cases[0].expect.response_subset == json{{"x", "1"}});
        CHECK(file.function.name == "echo_cpp");
    }

    TEST_CASE("stream: reads the expected bytes, content type and prelude") {
        Scratch dir;
        const std::string path = dir.write("s.test.yaml", with_echo(R"(cases:
  - name: streamed
    expect:
      stream:
        body: "a\nb\n"
        content_type: text/plain
        prelude: {statusCode: 201}
)"));
        const TestFile file = load_test_file(path);
        REQUIRE(file.cases.size() == 1);
        REQUIRE(file.cases[0].expect.stream);
        const StreamExpectation& stream = *file.cases[0].expect.stream;
        CHECK(stream.body == "a\nb\n");
        CHECK(stream.content_type == "text/plain");
        CHECK(stream.prelude == json{{"statusCode", 201}});
    }

    TEST_CASE("the library path is relative to the test file and may use variables") {
        Scratch dir;
        ::setenv("LL_TEST_SAMPLES_DIR", LL_SAMPLES_DIR, 1);
        const std::string path = dir.write("nested/a.test.yaml", R"(function:
  library: ${LL_TEST_SAMPLES_DIR}/libhello_c.so
cases:
  - name: one
)");
        CHECK(load_test_file(path).function.library == sample("libhello_c.so"));
        CHECK(load_test_file(path).function.handler == "handle");

        const std::string relative = dir.write("nested/b.test.yaml", R"(function:
  library: ../lib/libx.so
cases:
  - name: one
)");
        CHECK(load_error(relative) ==
              relative + ":2: library '" + dir.path() + "/lib/libx.so' does not exist");

        const std::string unset = dir.write("c.test.yaml", R"(function:
  library: ${LL_TEST_NOT_SET}/libx.so
cases:
  - name: one
)");
        CHECK(load_error(unset) == unset + ":2: library: ${LL_TEST_NOT_SET} is not set");
    }

    TEST_CASE("a function's layers are paths relative to the test file, or layer ARNs") {
        Scratch dir;
        const std::string path =
            dir.write("t/layers.test.yaml", "function:\n  library: " + sample("libhello_c.so") + R"(
  layers:
    - ../layers/base
    - arn:aws:lambda:us-east-1:123456789012:layer:sdk:2
cases:
  - name: one
)");
        CHECK(load_test_file(path).function.layers ==
              std::vector<std::string>{dir.path() + "/layers/base",
                                       "arn:aws:lambda:us-east-1:123456789012:layer:sdk:2"});

        const std::string with_template = dir.write("t/template.test.yaml", R"(function:
  template: ../template.yaml
  name: Fn
  layers: [a]
cases:
  - name: one
)");
        CHECK(load_error(with_template) ==
              with_template + ":4: layers cannot be combined with template (the template names "
                              "the function's code)");
    }

    TEST_CASE("a bootstrap directory without a bootstrap runs a layer's /opt/bootstrap") {
        Scratch dir;
        dir.write("code/README", "no bootstrap here");
        const std::string path = dir.write("runtime.test.yaml", R"(function:
  bootstrap: code
  layers: runtime-layer
cases:
  - name: one
)");
        const FunctionSpec spec = load_test_file(path).function;
        CHECK(spec.bootstrap == "/opt/bootstrap");
        CHECK(spec.code_dir == dir.path() + "/code");
        CHECK(spec.layers == std::vector<std::string>{dir.path() + "/runtime-layer"});
    }

    TEST_CASE("variables expand from the environment, with a default after :-") {
        ::setenv("LL_TEST_VALUE", "abc", 1);
        ::unsetenv("LL_TEST_UNSET");
        CHECK(expand_variables("x/${LL_TEST_VALUE}/y") == "x/abc/y");
        CHECK(expand_variables("${LL_TEST_UNSET:-../build}/lib") == "../build/lib");
        CHECK(expand_variables("${LL_TEST_VALUE:-other}") == "abc");
        CHECK(expand_variables("no variables") == "no variables");
        CHECK_THROWS_WITH_AS(expand_variables("${LL_TEST_UNSET}"), "${LL_TEST_UNSET} is not set",
                             Error);
        CHECK_THROWS_AS(expand_variables("${OPEN"), Error);
    }

    TEST_CASE("HTTP cases read their request and expectations, with the API of the file") {
        Scratch dir;
        const std::string path = dir.write("http.test.yaml", with_echo(R"(api: rest
route: "GET /items/{id}"
cases:
  - name: get
    request:
      method: POST
      path: /items/42?x=1
      headers: {Accept: text/plain, X-Multi: [a, b]}
      body: {k: v}
    expect:
      status: 201
      headers: {Content-Type: application/json}
      body_subset: {ok: true}
  - name: query as a mapping
    request:
      path: /items/1
      query: {q: a b, tag: [x, "y&z"]}
    expect:
      body: plain text
)"));
        const TestFile file = load_test_file(path);
        REQUIRE(file.http.has_value());
        REQUIRE(file.http->apis.size() == 1);
        const auto& api = file.http->apis[0].api;
        CHECK(api.type == gateway::ApiType::Rest);
        CHECK(file.http->stage == "Prod");
        REQUIRE(api.routes.size() == 1);
        CHECK(api.routes[0].method == "GET");
        CHECK(api.routes[0].path == "/items/{id}");
        CHECK(api.routes[0].function_name == "echo_cpp");
        REQUIRE(file.http->gateway != nullptr);

        const TestCase& get = file.cases[0];
        REQUIRE(get.request.has_value());
        CHECK(get.request->method == "POST");
        CHECK(get.request->path == "/items/42");
        CHECK(get.request->raw_query == "x=1");
        CHECK(get.request->headers == gateway::HeaderList{{"Accept", "text/plain"},
                                                          {"X-Multi", "a"},
                                                          {"X-Multi", "b"},
                                                          {"content-type", "application/json"}});
        CHECK(get.request->body == R"({"k":"v"})");
        CHECK(get.expect.status == 201);
        CHECK(get.expect.headers == gateway::HeaderList{{"Content-Type", "application/json"}});
        CHECK(get.expect.body_subset == json{{"ok", true}});

        const TestCase& query = file.cases[1];
        CHECK(query.request->method == "GET");
        CHECK(query.request->raw_query == "q=a%20b&tag=x&tag=y%26z");
        CHECK(query.expect.body == "plain text");
    }

    TEST_CASE(
        "an HTTP API defaults to payload 2.0 on the $default stage, and payload can say 1.0") {
        Scratch dir;
        const std::string path = dir.write("h.test.yaml", with_echo(R"(api: http
payload: "1.0"
cases:
  - name: one
    request: {path: /}
)"));
        const TestFile file = load_test_file(path);
        REQUIRE(file.http.has_value());
        CHECK(file.http->stage == "$default");
        const auto& route = file.http->apis[0].api.routes[0];
        CHECK(route.method == "ANY");
        CHECK(route.path == "/{proxy+}");
        CHECK(route.payload_format == gateway::PayloadFormat::V1);
    }

    TEST_CASE("a broken test file names its file, line and problem") {
        Scratch dir;
        struct Broken {
            std::string text;
            std::string message; // after "<path>:"
        };
        const std::string lib = sample("libecho_cpp.so");
        const Broken broken[] = {
            {"cases:\n  - name: a\n", "1: the test file needs 'function:' (library and handler, "
                                      "or template and name)"},
            {"function:\n  librry: x.so\ncases: []\n",
             "2: unknown key 'librry' in function (expected one of library, bootstrap, handler, "
             "abi, name, code_dir, layers, timeout, memory, tmp_size, region, env, template, "
             "log_format, log_level, system_log_level)"},
            {with_echo("cases:\n  - name: a\n    expect:\n      respons: 1\n"),
             "7: unknown key 'respons' in expect (expected one of response, response_subset, "
             "json_body, stream, ignore, error, logs_contain, max_duration_ms, max_memory_mb, "
             "snapshot, "
             "status, headers, body, body_json, body_subset)"},
            {with_echo("cases:\n  - name: a\n  - name: a\n"), "6: a case named 'a' appears twice"},
            {with_echo("cases:\n  - event: {}\n"), "5: a case needs a 'name'"},
            {with_echo("cases: []\n"), "4: cases is empty"},
            {with_echo("cases:\n  - name: a\n    expect:\n      error: {type: X}\n      "
                       "response: 1\n"),
             "6: expect one of response, response_subset, stream and error"},
            {with_echo("cases:\n  - name: a\n    expect:\n      error: {message: '(unclosed'}\n"),
             "7: message is not a valid regular expression: "},
            {with_echo("cases:\n  - name: a\n    expect:\n      status: 200\n"),
             "7: status is for HTTP cases (a case with 'request:'); expect 'response' or "
             "'response_subset' of the function instead"},
            {with_echo("cases:\n  - name: a\n    request: {path: /}\n"),
             "6: an HTTP case needs 'api: rest' or 'api: http' at the top of the file, or a "
             "template function with Api/HttpApi events"},
            {with_echo("cases:\n  - name: a\n    event_file: missing.json\n"),
             "6: event file '" + dir.path() +
                 "/missing.json': cannot open: No such file or "
                 "directory"},
            {with_echo("cases:\n  - name: a\n    expect:\n      max_duration_ms: fast\n"),
             "7: max_duration_ms must be a number, not 'fast'"},
            {with_echo("cases:\n  - name: a\n    cold: maybe\n"),
             "6: cold must be true or false, not 'maybe'"},
            {with_echo("api: soap\ncases:\n  - name: a\n"),
             "4: api must be rest (API Gateway REST API, payload 1.0) or http (HTTP API, payload "
             "2.0 or 1.0), not 'soap'"},
            {with_echo("api: rest\npayload: \"2.0\"\ncases:\n  - name: a\n"),
             "4: route 'ANY /{proxy+}' in REST API 'localtests': a REST API sends payload format "
             "1.0 only"},
            {"function:\n  library: " + lib + "\n  timeout: 0\ncases:\n  - name: a\n", "1: "},
            {with_echo("cases:\n  - name: a\n    expect:\n      response: [1,\n"), "8: not valid "
                                                                                   "YAML: "},
            {with_echo("cases:\n  - name: a\n    event: {name: \xff}\n"),
             "6: event: not valid UTF-8"},
            {with_echo("api: http\ncases:\n  - name: a\n    request: {path: /, body: [\xfe]}\n"),
             "7: body: not valid UTF-8"},
        };
        int n = 0;
        for (const Broken& b : broken) {
            const std::string path =
                dir.write("broken" + std::to_string(n++) + ".test.yaml", b.text);
            INFO(b.text);
            const std::string message = load_error(path);
            CHECK(message.rfind(path + ":" + b.message, 0) == 0);
            CHECK_MESSAGE(message.size() >= path.size() + 1 + b.message.size(), message);
        }
    }

    TEST_CASE("a JSON test file with a syntax error names the line") {
        Scratch dir;
        const std::string path =
            dir.write("bad.test.json", "{\n  \"function\": {},\n  \"cases\": [,]\n}\n");
        const std::string message = load_error(path);
        CHECK(message.rfind(path + ":3: not valid JSON: ", 0) == 0);
    }

    TEST_CASE(
        "snapshots are loaded from the snapshot file beside the test file when a case uses one") {
        Scratch dir;
        dir.write("s.snap.json", R"({"one": {"response": 1}})");
        const std::string path = dir.write(
            "s.test.yaml", with_echo("cases:\n  - name: one\n    expect: {snapshot: true}\n"));
        const TestFile file = load_test_file(path);
        CHECK(file.snapshots == nlohmann::ordered_json::parse(R"({"one": {"response": 1}})"));

        dir.write("s.snap.json", "{\n  \"one\": \n}\n");
        CHECK(load_error(path).rfind(dir.path() + "/s.snap.json:3: the snapshot file is not valid "
                                                  "JSON",
                                     0) == 0);
    }

    TEST_CASE("a template's function is the function under test, with its API for HTTP cases") {
        Scratch dir;
        const std::string samples = LL_SAMPLES_DIR;
        dir.write("app/template.yaml", R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: )" + samples + R"(
      Handler: libecho_cpp.so:handle
      Timeout: 7
      Environment:
        Variables:
          TABLE: orders
      Events:
        GetOrder:
          Type: HttpApi
          Properties:
            Path: /orders/{id}
            Method: get
)");
        const std::string path = dir.write("app/tests/orders.test.yaml", R"(function:
  template: ../template.yaml
  name: OrdersFunction
  env:
    EXTRA: "1"
cases:
  - name: get
    request: {path: /orders/1}
)");
        const TestFile file = load_test_file(path);
        CHECK(file.function.library == sample("libecho_cpp.so"));
        CHECK(file.function.handler == "handle");
        CHECK(file.function.timeout_s == 7);
        CHECK(file.function.environment == EnvVars{{"TABLE", "orders"}, {"EXTRA", "1"}});
        REQUIRE(file.http.has_value());
        CHECK(file.http->stage == "$default");
        REQUIRE(file.http->apis.size() == 1);
        CHECK(file.http->apis[0].api.type == gateway::ApiType::Http);

        const std::string wrong = dir.write("app/tests/wrong.test.yaml", R"(function:
  template: ../template.yaml
  name: Nope
cases:
  - name: a
)");
        CHECK(load_error(wrong) == wrong + ":3: no function 'Nope' in " + dir.path() +
                                       "/app/template.yaml (functions: OrdersFunction)");
    }

    TEST_CASE("authorization: run takes the template's authorizer functions and jwks files") {
        Scratch dir;
        const std::string samples = LL_SAMPLES_DIR;
        dir.write("app/template.yaml", R"(Transform: AWS::Serverless-2016-10-31
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
    Properties: {Handler: libauthorizer.so:policy, Timeout: 4}
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:echo
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: get}}
)");
        const std::string path = dir.write("app/tests/orders.test.yaml", R"(function:
  template: ../template.yaml
  name: Orders
jwks:
  https://issuer.example.com: keys/jwks.json
cases:
  - name: through the authorizer
    request: {path: /orders, headers: {Authorization: allow}}
    authorization: run
  - name: stated
    request: {path: /orders}
    authorization: {error: Unauthorized}
)");
        const TestFile file = load_test_file(path);
        CHECK(file.runs_authorizers);
        REQUIRE(file.cases[0].authorization.has_value());
        CHECK(file.cases[0].authorization->run);
        CHECK_FALSE(file.cases[1].authorization->run);
        REQUIRE(file.http.has_value());
        REQUIRE(file.http->authorizer_functions.size() == 1);
        CHECK(file.http->authorizer_functions[0].library == sample("libauthorizer.so"));
        CHECK(file.http->authorizer_functions[0].handler == "policy");
        CHECK(file.http->authorizer_functions[0].timeout_s == 4);
        REQUIRE(file.http->jwks_files.size() == 1);
        CHECK(file.http->jwks_files[0].issuer == "https://issuer.example.com");
        CHECK(file.http->jwks_files[0].path == dir.path() + "/app/tests/keys/jwks.json");

        const std::string other = dir.write("app/tests/other.test.yaml", R"(function:
  template: ../template.yaml
  name: Orders
cases:
  - name: a
    request: {path: /orders}
    authorization: yes please
)");
        CHECK(load_error(other) ==
              other + ":7: authorization must be 'run' (the route's authorizer runs), or a "
                      "mapping with 'output' or 'error'");

        const std::string none = dir.write("none.test.yaml", with_echo(R"(api: rest
cases:
  - name: a
    request: {path: /}
    authorization: run
)"));
        CHECK(load_error(none) == none + ":6: authorization: run needs an authorizer to run: a "
                                         "template whose API has one (Auth) on the case's route");
    }

    TEST_CASE("log_format and the levels set the function's LoggingConfig, as its own") {
        Scratch dir;
        const TestFile plain =
            load_test_file(dir.write("plain.test.yaml", with_echo("cases:\n"
                                                                  "  - name: a\n")));
        CHECK(plain.function.logging == LoggingConfig{});
        CHECK_FALSE(plain.own_logging);

        const TestFile json_file = load_test_file(
            dir.write("json.test.yaml", with_echo("  log_format: json\n  log_level: debug\n"
                                                  "  system_log_level: WARN\ncases:\n"
                                                  "  - name: a\n")));
        CHECK(json_file.function.logging.format == LogFormat::Json);
        CHECK(json_file.function.logging.application_level == LogLevel::Debug);
        CHECK(json_file.function.logging.system_level == LogLevel::Warn);
        CHECK(json_file.own_logging);

        const std::string text = dir.write("text.test.yaml", with_echo("  system_log_level: WARN\n"
                                                                       "cases:\n  - name: a\n"));
        CHECK(load_error(text) == text + ":4: system_log_level needs log_format: JSON (Lambda "
                                         "refuses log levels with the Text format)");
        const std::string bad = dir.write("bad.test.yaml", with_echo("  log_format: xml\n"
                                                                     "cases:\n  - name: a\n"));
        CHECK(load_error(bad) == bad + ":4: log_format must be Text or JSON");
    }

} // TEST_SUITE
