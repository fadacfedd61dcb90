// End-to-end tests of `lambda-local test`: passing and failing suites with their output and exit
// status, subset matching, snapshots, JUnit XML, parallel runs, broken test files, and handlers
// that crash or hang.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// A test file's `function:` for a sample library and symbol.
std::string function_of(const std::string& library, const std::string& handler,
                        const std::string& extra = "") {
    return "function:\n  library: " + sample_library(library) + "\n  handler: " + handler + "\n" +
           extra;
}

// Runs `lambda-local test` with these arguments.
ProcessResult run_test(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"test"};
    argv.insert(argv.end(), args.begin(), args.end());
    return lambda_local(argv);
}

// The last line of a text.
std::string last_line(const std::string& text) {
    const std::vector<std::string> lines = split_lines(text);
    return lines.empty() ? "" : lines.back();
}

// Whether a line of `text` is `line`.
bool has_line(const std::string& text, const std::string& line) {
    return find_line(split_lines(text), line).has_value();
}

// Whether a line of `text` starts with `prefix`.
bool has_line_starting(const std::string& text, const std::string& prefix) {
    return find_line_starting(split_lines(text), prefix).has_value();
}

const std::string k_passing_suite = R"(
cases:
  - name: echoes the event
    event: {name: world, items: [1, 2]}
    expect:
      response_subset: {event: {name: world, items: [1, 2]}, function_name: echo_cpp}
      logs_contain: "init: cold start"
  - name: the second case is warm
    event_file: event.json
    expect:
      response_subset: {event: {from: file}}
  - name: later
    skip: not written yet
)";

const std::string k_failing_suite = R"(
cases:
  - name: passes
    expect:
      response_subset: {function_name: echo_cpp}
  - name: expects another name
    event: {name: world}
    expect:
      response_subset: {event: {name: bob}}
  - name: expects an error that does not come
    expect:
      error: {type: ValidationError}
  - name: skipped
    skip: flaky
)";

} // namespace

TEST_SUITE_BEGIN("e2e::test-command");

TEST_CASE("a passing suite prints a line per case and exits 0") {
    TempDir dir;
    dir.write("event.json", R"({"from": "file"})");
    dir.write("echo.test.yaml", function_of("libecho_cpp.so", "handle") + k_passing_suite);
    const ProcessResult r = run_test({dir.path()});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(has_line(r.out, dir.path() + "/echo.test.yaml"));
    CHECK(has_line_starting(r.out, "  PASS  echoes the event ("));
    CHECK(has_line_starting(r.out, "  PASS  the second case is warm ("));
    CHECK(has_line(r.out, "  SKIP  later (not written yet)"));
    CHECK(last_line(r.out) == "2 passed, 0 failed, 1 skipped");
    // A passing case's log is not shown.
    CHECK(r.out.find("START RequestId:") == std::string::npos);
}

TEST_CASE("a failing suite shows each failure's diff and log, and exits 1") {
    TempDir dir;
    const std::string path =
        dir.write("fail.test.yaml", function_of("libecho_cpp.so", "handle") + k_failing_suite);
    const ProcessResult r = run_test({path});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    const std::vector<std::string> lines = split_lines(r.out);
    const auto fail = find_line_starting(lines, "  FAIL  expects another name (");
    REQUIRE(fail.has_value());
    // The problem, the diff of expected and actual, then the case's log.
    CHECK(lines[*fail + 1] == "        the response does not match the expected subset:");
    CHECK(lines[*fail + 2] == "          at /event/name: expected \"bob\", got \"world\"");
    CHECK(lines[*fail + 3] == "        --- expected");
    CHECK(lines[*fail + 4] == "        +++ actual");
    CHECK(find_line(lines, "        -     \"name\": \"bob\"", *fail).has_value());
    CHECK(find_line(lines, "        +     \"name\": \"world\"", *fail).has_value());
    const auto log = find_line(lines, "        log:", *fail);
    REQUIRE(log.has_value());
    CHECK(lines[*log + 1].rfind("        | START RequestId: ", 0) == 0);
    CHECK(find_line_starting(lines, "        | REPORT RequestId: ", *log).has_value());

    const auto no_error =
        find_line_starting(lines, "  FAIL  expects an error that does not come (");
    REQUIRE(no_error.has_value());
    CHECK(lines[*no_error + 1] == "        expected a function error of type \"ValidationError\", "
                                  "but the function succeeded with:");
    CHECK(has_line_starting(r.out, "  PASS  passes ("));
    CHECK(has_line(r.out, "  SKIP  skipped (flaky)"));
    CHECK(last_line(r.out) == "1 passed, 2 failed, 1 skipped");
}

TEST_CASE("subset matching: given keys must match, arrays by position and length") {
    TempDir dir;
    const std::string path =
        dir.write("subset.test.yaml", function_of("libecho_cpp.so", "handle") + R"(
cases:
  - name: nested keys match and others are ignored
    event: {user: {name: ann, roles: [admin, dev], age: 30}, extra: true}
    expect:
      response_subset: {event: {user: {name: ann}}}
  - name: arrays match element by element
    event: {items: [{sku: A, n: 1}, {sku: B, n: 2}]}
    expect:
      response_subset: {event: {items: [{sku: A}, {sku: B}]}}
  - name: arrays in another order fail
    event: {items: [a, b]}
    expect:
      response_subset: {event: {items: [b, a]}}
  - name: a shorter array fails
    event: {items: [a, b]}
    expect:
      response_subset: {event: {items: [a]}}
  - name: numbers compare by value
    event: {n: 2}
    expect:
      response_subset: {event: {n: 2.0}}
  - name: a string is not a number
    event: {n: 2}
    expect:
      response_subset: {event: {n: "2"}}
  - name: a missing key fails
    event: {}
    expect:
      response_subset: {event: {id: 7}}
)");
    const ProcessResult r = run_test({path});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(has_line_starting(r.out, "  PASS  nested keys match and others are ignored ("));
    CHECK(has_line_starting(r.out, "  PASS  arrays match element by element ("));
    CHECK(has_line_starting(r.out, "  FAIL  arrays in another order fail ("));
    CHECK(has_line(r.out, "          at /event/items/0: expected \"b\", got \"a\""));
    CHECK(has_line_starting(r.out, "  FAIL  a shorter array fails ("));
    CHECK(has_line(r.out, "          at /event/items: expected 1 elements, got 2"));
    CHECK(has_line_starting(r.out, "  PASS  numbers compare by value ("));
    CHECK(has_line_starting(r.out, "  FAIL  a string is not a number ("));
    CHECK(has_line(r.out, "          at /event/n: expected \"2\", got 2 (a number)"));
    CHECK(has_line_starting(r.out, "  FAIL  a missing key fails ("));
    CHECK(has_line(r.out, "          at /event/id: missing (expected 7)"));
    CHECK(last_line(r.out) == "3 passed, 4 failed");
}

TEST_CASE("HTTP cases go through the gateway of a REST API and of an HTTP API") {
    TempDir dir;
    // The echo handler answers an object without statusCode: an HTTP API infers a 200 JSON
    // response from it, a REST API finds it malformed and answers 502.
    const std::string http = dir.write("http.test.yaml", function_of("libecho_cpp.so", "handle") +
                                                             R"(api: http
route: "POST /orders/{id}"
cases:
  - name: the HTTP API infers a 200
    request:
      method: POST
      path: /orders/9
      query: {dry: "1"}
      body: {qty: 2}
    expect:
      status: 200
      headers: {Content-Type: application/json}
      body_subset:
        event:
          routeKey: POST /orders/{id}
          pathParameters: {id: "9"}
          queryStringParameters: {dry: "1"}
          body: '{"qty":2}'
  - name: an unknown route is a 404 without the function
    request: {path: /nowhere}
    expect:
      status: 404
      body_json: {message: Not Found}
)");
    const std::string rest = dir.write("rest.test.yaml", function_of("libecho_cpp.so", "handle") +
                                                             R"(api: rest
cases:
  - name: a REST API needs statusCode
    request: {path: /anything}
    expect:
      status: 502
      body_json: {message: Internal server error}
  - name: the status is checked
    request: {path: /anything}
    expect:
      status: 200
)");
    const ProcessResult r = run_test({http, rest});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(has_line_starting(r.out, "  PASS  the HTTP API infers a 200 ("));
    CHECK(has_line_starting(r.out, "  PASS  an unknown route is a 404 without the function ("));
    CHECK(has_line_starting(r.out, "  PASS  a REST API needs statusCode ("));
    CHECK(has_line_starting(r.out, "  FAIL  the status is checked ("));
    CHECK(has_line(r.out, "        status: expected 200, got 502"));
    CHECK(last_line(r.out) == "3 passed, 1 failed");
}

TEST_CASE("--update records snapshots, later runs pass, and fail when the answer changes") {
    TempDir dir;
    const std::string test = function_of("libecho_cpp.so", "handle", "  name: orders\n") + R"(
cases:
  - name: recorded answer
    event: {order: 1}
    expect:
      snapshot: true
      ignore: [/request_id, /remaining_time_ms]
)";
    const std::string path = dir.write("orders.test.yaml", test);
    const ProcessResult update = run_test({"--update", path});
    INFO(describe(update));
    REQUIRE(update.exit_code == 0);
    CHECK(has_line_starting(update.out, "  PASS  recorded answer ("));
    CHECK(update.out.find("[snapshot recorded]") != std::string::npos);
    const json snapshot = parse_json(file_text(dir.path() + "/orders.snap.json"));
    CHECK(snapshot == json::parse(R"({"recorded answer": {"response": {"event": {"order": 1},
                                                          "function_name": "orders"}}})"));

    const ProcessResult again = run_test({path});
    INFO(describe(again));
    CHECK(again.exit_code == 0);
    CHECK(last_line(again.out) == "1 passed, 0 failed");

    // The function now answers differently (another name): the snapshot no longer matches.
    dir.write("orders.test.yaml", function_of("libecho_cpp.so", "handle", "  name: invoices\n") +
                                      test.substr(test.find("\ncases:")));
    const ProcessResult changed = run_test({path});
    INFO(describe(changed));
    CHECK(changed.exit_code == 1);
    CHECK(has_line(changed.out, "        the snapshot does not match (run with --update to "
                                "accept the new answer):"));
    CHECK(has_line(changed.out,
                   "          at /response/function_name: expected \"orders\", got \"invoices\""));
    CHECK(has_line(changed.out, "        -     \"function_name\": \"orders\""));
    CHECK(has_line(changed.out, "        +     \"function_name\": \"invoices\""));
}

TEST_CASE("--junit writes XML that parses, with suites, cases, failures and skips") {
    TempDir dir;
    const std::string path =
        dir.write("fail.test.yaml", function_of("libecho_cpp.so", "handle") + k_failing_suite);
    const std::string report = dir.path() + "/report.xml";
    const ProcessResult r = run_test({"--junit", report, path});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    // Parsed by Python's XML parser, which rejects anything that is not well-formed.
    const std::string script = R"(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites', root.tag
a = root.attrib
print('totals', a['tests'], a['failures'], a['skipped'], a['errors'])
for suite in root.findall('testsuite'):
    print('suite', suite.get('name'), suite.get('tests'), suite.get('failures'))
    for case in suite.findall('testcase'):
        failure = case.find('failure')
        skipped = case.find('skipped')
        out = case.find('system-out')
        state = 'failure' if failure is not None else 'skipped' if skipped is not None else 'pass'
        detail = failure.get('message') if failure is not None else (
            skipped.get('message') if skipped is not None else '')
        has_log = out is not None and out.text.startswith('START RequestId: ')
        print('case', case.get('name'), '|', state, '|', detail, '|', has_log,
              '|', float(case.get('time')) >= 0)
)";
    const ProcessResult parsed = run_process({"/usr/bin/env", "python3", "-c", script, report});
    INFO(describe(parsed));
    REQUIRE(parsed.exit_code == 0);
    CHECK(split_lines(parsed.out) ==
          std::vector<std::string>{
              "totals 4 2 1 0",
              "suite " + path + " 4 2",
              "case passes | pass |  | True | True",
              "case expects another name | failure | the response does not match the expected "
              "subset: | True | True",
              "case expects an error that does not come | failure | expected a function error "
              "of type \"ValidationError\", but the function succeeded with: | True | True",
              "case skipped | skipped | flaky | False | True",
          });
}

TEST_CASE("-j 2 runs files in parallel and prints them in the order given") {
    TempDir dir;
    std::vector<std::string> paths;
    for (int i = 0; i < 4; ++i) {
        paths.push_back(dir.write(
            "f" + std::to_string(i) + ".test.yaml", function_of("libecho_cpp.so", "tmp_use") + R"(
cases:
  - name: first in file )" + std::to_string(i) + R"(
    expect: {response_subset: {count: 1}}
  - name: second in file )" + std::to_string(i) + R"(
    expect: {response_subset: {count: 2}}
)"));
    }
    const ProcessResult r = run_test({"-j", "2", dir.path()});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const std::vector<std::string> lines = split_lines(r.out);
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) {
        // Each file's own environment: its counter starts at 1, whatever runs beside it.
        const auto header = find_line(lines, paths[i], at);
        REQUIRE(header.has_value());
        CHECK(lines[*header + 1].rfind("  PASS  first in file " + std::to_string(i) + " (", 0) ==
              0);
        CHECK(lines[*header + 2].rfind("  PASS  second in file " + std::to_string(i) + " (", 0) ==
              0);
        at = *header + 1;
    }
    CHECK(last_line(r.out) == "8 passed, 0 failed");
}

TEST_CASE("a broken test file exits 2 naming its file, line and problem, and nothing runs") {
    TempDir dir;
    const std::string good = dir.write("a.test.yaml", function_of("libecho_cpp.so", "handle") +
                                                          "cases:\n  - name: fine\n");
    const std::string typo = dir.write("b.test.yaml", function_of("libecho_cpp.so", "handle") +
                                                          "cases:\n  - name: typo\n"
                                                          "    expect:\n"
                                                          "      respons: {a: 1}\n");
    const std::string yaml = dir.write("c.test.yaml", "function:\n  library: [unclosed\n");
    const ProcessResult r = run_test({dir.path()});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(has_line_starting(r.err, "lambda-local: error: " + typo +
                                       ":7: unknown key 'respons' in expect (expected one of "
                                       "response, response_subset,"));
    CHECK(has_line_starting(r.err, "lambda-local: error: " + yaml + ":3: not valid YAML: "));
    CHECK(r.err.find(good) == std::string::npos);
}

TEST_CASE("a crashing and a hanging handler fail their cases and the run goes on") {
    TempDir dir;
    dir.write("1-crash.test.yaml",
              function_of("libmisbehaving.so", "segfault") + "cases:\n  - name: crashes\n");
    dir.write("2-hang.test.yaml",
              function_of("libmisbehaving.so", "sleep_forever", "  timeout: 1\n") +
                  "cases:\n  - name: hangs\n");
    dir.write("3-fine.test.yaml",
              function_of("libecho_cpp.so", "handle") + "cases:\n  - name: still runs\n");
    LeftoverWatch watch;
    const ProcessResult r = run_test({dir.path()});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.elapsed < std::chrono::seconds(30));
    const std::vector<std::string> lines = split_lines(r.out);
    const auto crashed = find_line_starting(lines, "  FAIL  crashes (");
    REQUIRE(crashed.has_value());
    CHECK(lines[*crashed + 1].rfind("        the function failed: Runtime.ExitError: RequestId: ",
                                    0) == 0);
    CHECK(lines[*crashed + 1].find("Runtime exited with error: signal: segmentation fault") !=
          std::string::npos);
    const auto hung = find_line_starting(lines, "  FAIL  hangs (");
    REQUIRE(hung.has_value());
    CHECK(lines[*hung + 1].rfind("        the function failed: Sandbox.Timedout: ", 0) == 0);
    CHECK(lines[*hung + 1].find("Task timed out after 1.00 seconds") != std::string::npos);
    CHECK(find_line(lines, "        | sleeping", *hung).has_value());
    CHECK(has_line_starting(r.out, "  PASS  still runs ("));
    CHECK(last_line(r.out) == "1 passed, 2 failed");
    watch.check_nothing_left(r);
}

TEST_CASE("--filter runs only the matching cases, and a filter matching none is an error") {
    TempDir dir;
    dir.write("event.json", R"({"from": "file"})");
    const std::string path =
        dir.write("echo.test.yaml", function_of("libecho_cpp.so", "handle") + k_passing_suite);
    const ProcessResult r = run_test({"--filter", "^the second", path});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(has_line_starting(r.out, "  PASS  the second case is warm ("));
    CHECK(r.out.find("echoes the event") == std::string::npos);
    CHECK(last_line(r.out) == "1 passed, 0 failed");

    const ProcessResult none = run_test({"--filter", "nothing like this", path});
    INFO(describe(none));
    CHECK(none.exit_code == 2);
    CHECK(none.err == "lambda-local: error: no case matches --filter 'nothing like this'\n");
}

TEST_CASE("a folder without test files and a missing path are usage errors") {
    TempDir dir;
    const ProcessResult empty = run_test({dir.path()});
    CHECK(empty.exit_code == 2);
    CHECK(empty.err == "lambda-local: error: no test files (*.test.yaml, *.test.yml, "
                       "*.test.json) in " +
                           dir.path() + "\n");
    const ProcessResult missing = run_test({dir.path() + "/nope"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "lambda-local: error: " + dir.path() + "/nope: no such file or folder\n");
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
