// End-to-end tests of the execution environments behind `lambda-local serve`: warm reuse,
// --warm, concurrency and throttling, hot reload of a rebuilt library, idle reaping, shutdown
// with nothing left behind, --list-routes and bad input.
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"
#include "tests/runtime/process_tree.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <set>
#include <thread>
#include <tuple>

namespace lambda_local::e2e {

using nlohmann::json;
using runtime::http::Response;

namespace {

// The JSON body of a 200 answer from the `slow` or `counter` sample.
json body_of(const Response& response) {
    INFO(describe(response));
    REQUIRE(response.status == 200);
    return parse_json(response.body);
}

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

// A SAM template with an HTTP API route per function: GET /echo (the echo sample), GET /crash
// (a segfault) and GET /sleepy (sleeps past its 1 s timeout).
std::string write_misbehaving_template(const TempDir& dir) {
    const std::string code =
        std::filesystem::path(sample_library("libhttp_api.so")).parent_path().string();
    std::string yaml = "Transform: AWS::Serverless-2016-10-31\nResources:\n";
    for (const auto& [name, handler, timeout] :
         {std::tuple{"Echo", "libhttp_api.so:echo", 10},
          std::tuple{"Crash", "libmisbehaving.so:segfault", 10},
          std::tuple{"Sleepy", "libmisbehaving.so:sleep_forever", 1}}) {
        std::string path = name;
        std::transform(path.begin(), path.end(), path.begin(), ::tolower);
        yaml += std::string("  ") + name + ":\n    Type: AWS::Serverless::Function\n" +
                "    Properties:\n      CodeUri: " + code + "\n      Handler: " + handler +
                "\n      Timeout: " + std::to_string(timeout) +
                "\n      Events: {Http: {Type: HttpApi, Properties: {Path: /" + path +
                ", Method: GET}}}\n";
    }
    return dir.write("template.yaml", yaml);
}

RunOptions bounded(int seconds) {
    RunOptions options;
    options.bound = std::chrono::seconds(seconds);
    return options;
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve environments");

TEST_CASE("an environment serves invocations one after another warm, and is reaped when idle") {
    ServeProcess serve({"-l", sample_library("libhttp_api.so"), "-H", "counter", "--no-sandbox",
                        "--idle-timeout", "1"});
    std::set<int> pids;
    for (int expected = 1; expected <= 3; ++expected) {
        json body = body_of(serve_request(serve, "GET", "/count"));
        CHECK(body["count"] == expected);
        pids.insert(body["pid"].get<int>());
    }
    CHECK(pids.size() == 1); // one environment, one process
    CHECK(serve.wait_for_log_count("GET /count 200 http_api ", 3) == 3);
    CHECK(serve.wait_for_log_count("[http_api] REPORT RequestId: ", 3) == 3);
    CHECK(count_of(serve.log(), "\tInit Duration: ") == 1); // one cold start
    // Idle past --idle-timeout (checked every half second): the next request is a cold start.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    json after = body_of(serve_request(serve, "GET", "/count"));
    CHECK(after["count"] == 1);
    CHECK(pids.count(after["pid"].get<int>()) == 0);
    CHECK(serve.wait_for_log_count("[http_api] REPORT RequestId: ", 4) == 4);
    INFO(serve.log());
    CHECK(count_of(serve.log(), "\tInit Duration: ") == 2);
}

TEST_CASE("parallel requests get parallel environments, and --warm starts some up front") {
    ServeProcess serve({"-q", "-l", sample_library("libhttp_api.so"), "-H", "slow", "--no-sandbox",
                        "--max-concurrency", "4", "--warm", "2"});
    CHECK(serve.wait_for_log("http_api: 2 warm execution environment(s)"));
    const auto begin = std::chrono::steady_clock::now();
    std::vector<std::future<Response>> answers;
    for (int i = 0; i < 4; ++i) {
        answers.push_back(
            std::async(std::launch::async, [&] { return serve_request(serve, "GET", "/slow"); }));
    }
    std::set<int> pids;
    for (auto& answer : answers) {
        pids.insert(body_of(answer.get())["pid"].get<int>());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    CHECK(pids.size() == 4); // one environment each, at the same time
    // Four one-second invocations in about one second (sequentially they would take four).
    CHECK_MESSAGE(seconds < 3.5, "4 parallel slow requests took " << seconds << " s");
}

TEST_CASE("requests beyond the concurrency limit wait in the queue, and beyond it get 429") {
    ServeProcess serve({"-l", sample_library("libhttp_api.so"), "-H", "slow", "--max-concurrency",
                        "1", "--max-queue", "1"});
    auto first = std::async(std::launch::async, [&] { return serve_request(serve, "GET", "/a"); });
    REQUIRE(serve.wait_for_log("START RequestId: "));
    // One of these waits for the environment, the other finds the queue full.
    auto second = std::async(std::launch::async, [&] { return serve_request(serve, "GET", "/b"); });
    auto third = std::async(std::launch::async, [&] { return serve_request(serve, "GET", "/c"); });
    std::vector<Response> later = {second.get(), third.get()};
    CHECK(first.get().status == 200);
    int served = 0;
    int throttled = 0;
    for (const Response& r : later) {
        INFO(describe(r));
        if (r.status == 200) {
            ++served;
        } else {
            ++throttled;
            CHECK(r.status == 429);
            CHECK(r.body == R"({"message":"Too Many Requests"})");
            CHECK(header_text(r, "Content-Type") == "application/json");
        }
    }
    CHECK(served == 1);
    CHECK(throttled == 1);
    CHECK(serve.wait_for_log(" 429 http_api "));
}

TEST_CASE("a handler process that stops reading holds its own request, not the server") {
    ServeProcess serve({"-l", sample_library("libhostile.so"), "-H", "stop_after_answer", "-t", "3",
                        "--max-concurrency", "2"});
    REQUIRE(serve_request(serve, "GET", "/first").status == 200);
    // It stops its own process once it has answered.
    for (int i = 0; i < 1000 && !tests::stopped_process_below(serve.pid()); ++i) { // 10 s at most
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(tests::stopped_process_below(serve.pid()));
    // An event larger than the handler channel's buffer, to the stopped process: before, the
    // server blocked in writing it, answered nobody and could not even be stopped.
    auto big = std::async(std::launch::async, [&serve] {
        return serve_request(serve, "POST", "/big", {}, std::string(2 << 20, 'x'));
    });
    // Once it has gone to that environment, another request needs another one.
    REQUIRE(serve.wait_for_log_count("START RequestId", 2) == 2);
    const Response other = serve_request(serve, "GET", "/other");
    CHECK(other.status == 200);
    const Response stuck = big.get();
    INFO(describe(stuck));
    CHECK(stuck.status == 500); // the function timed out
    CHECK(serve.wait_for_log("Status: timeout"));
    CHECK(serve.stop() == 0);
}

TEST_CASE("a crashing or hanging handler does not affect the requests running beside it") {
    TempDir dir;
    ServeProcess serve({"--template", write_misbehaving_template(dir), "--no-schedules"});
    // Three clients send echo requests, each marked, while a fourth crashes and hangs handlers.
    std::vector<std::future<std::string>> clients;
    for (int t = 0; t < 3; ++t) {
        clients.push_back(std::async(std::launch::async, [&serve, t] {
            std::string problems;
            for (int i = 0; i < 6; ++i) {
                const std::string marker = "t" + std::to_string(t) + "i" + std::to_string(i);
                try {
                    const Response r = serve_request(serve, "GET", "/echo?marker=" + marker);
                    const json event = json::parse(r.body, nullptr, false);
                    if (r.status != 200 || !event.is_object() ||
                        event.value("rawQueryString", "") != "marker=" + marker) {
                        problems += marker + ": " + describe(r) + "\n";
                    }
                } catch (const std::exception& e) {
                    problems += marker + ": " + e.what() + "\n";
                }
            }
            return problems;
        }));
    }
    clients.push_back(std::async(std::launch::async, [&serve] {
        std::string problems;
        for (const char* path : {"/crash", "/sleepy", "/crash"}) {
            try {
                const Response r = serve_request(serve, "GET", path);
                if (r.status != 500 || r.body != R"({"message":"Internal Server Error"})") {
                    problems += std::string(path) + ": " + describe(r) + "\n";
                }
            } catch (const std::exception& e) {
                problems += std::string(path) + ": " + e.what() + "\n";
            }
        }
        return problems;
    }));
    for (auto& client : clients) {
        CHECK(client.get() == "");
    }
    CHECK(serve.wait_for_log("\tStatus: timeout\n"));
    CHECK(serve.wait_for_log_count("GET /crash 500 Crash ", 2) == 2);
    CHECK(serve.wait_for_log_count(" 200 Echo ", 18) == 18);
    CHECK(serve_request(serve, "GET", "/echo").status == 200);
}

TEST_CASE("a library replaced while serving is picked up for the next invocation") {
    TempDir dir;
    const std::string library = dir.path() + "/libhandler.so";
    std::filesystem::copy_file(sample_library("libecho_cpp.so"), library);
    ServeProcess serve({"-l", library, "-H", "handle", "--function-name", "hot"});
    const Response before = serve_request(serve, "GET", "/x");
    INFO(describe(before));
    REQUIRE(before.status == 200);
    CHECK(parse_json(before.body)["function_name"] == "hot"); // echo_cpp's `handle`

    // Replace it as a build would: write another file, then rename it over the old one.
    const std::string staged = dir.path() + "/.libhandler.so.new";
    std::filesystem::copy_file(sample_library("libhello_c.so"), staged);
    std::filesystem::rename(staged, library);
    REQUIRE(serve.wait_for_log("changed"));
    CHECK(serve.log().find("hot: " + library + " changed") != std::string::npos);
    const Response after = serve_request(serve, "GET", "/x");
    INFO(describe(after) << "\nlog:\n" << serve.log());
    CHECK(after.status == 200);
    CHECK(after.body == "0"); // hello_c's classic `handle` returns status 0: the payload 0
    CHECK(serve.wait_for_log("context: "));
}

TEST_CASE("SIGTERM or SIGINT lets the request in flight finish, then nothing is left") {
    for (const int signal : {SIGTERM, SIGINT}) {
        INFO("signal " << signal);
        LeftoverWatch watch;
        ServeProcess serve({"-l", sample_library("libhttp_api.so"), "-H", "slow"});
        auto in_flight =
            std::async(std::launch::async, [&] { return serve_request(serve, "GET", "/slow"); });
        REQUIRE(serve.wait_for_log("START RequestId: "));
        const int exit_code = serve.stop(signal);
        CHECK(exit_code == 0);
        const Response answer = in_flight.get();
        INFO(describe(answer));
        CHECK(answer.status == 200);
        CHECK(parse_json(answer.body).contains("pid"));
        const std::string log = serve.log();
        INFO(log);
        CHECK(log.find("lambda-local: stopping") != std::string::npos);
        CHECK(log.find("GET /slow 200 http_api ") != std::string::npos);
        watch.check_nothing_left(as_result(serve, exit_code));
        CHECK_THROWS(serve_request(serve, "GET", "/slow", {}, {}, std::chrono::seconds(5)));
    }
}

TEST_CASE("--list-routes prints the route table of a template or of flags and exits") {
    // The rows, with runs of spaces squeezed.
    auto rows = [](const std::string& out) {
        std::set<std::string> squeezed;
        for (const std::string& line : split_lines(out)) {
            std::string row;
            for (const char c : line) {
                if (c != ' ' || row.empty() || row.back() != ' ') {
                    row += c;
                }
            }
            squeezed.insert(row);
        }
        return squeezed;
    };
    const ProcessResult sam = lambda_local(
        {"serve", "--template", sample_library("template.yaml"), "--list-routes"}, bounded(20));
    INFO(describe(sam));
    CHECK(sam.exit_code == 0);
    CHECK(sam.err.empty());
    const std::set<std::string> sam_rows = rows(sam.out);
    for (const char* row :
         {"ANY /Prod/{proxy+} -> echo-dev (REST API ServerlessRestApi, stage Prod, payload 1.0)",
          "GET /Prod/items/{id} -> echo-dev (REST API ServerlessRestApi, stage Prod, payload 1.0)",
          "GET /Prod/whoami -> WhoAmIFunction (REST API ServerlessRestApi, stage Prod, payload "
          "1.0)",
          "GET /items/{id} -> echo-dev (HTTP API ServerlessHttpApi, stage $default, payload 2.0)",
          "ANY $default -> echo-dev (HTTP API ServerlessHttpApi, stage $default, payload 2.0)",
          "GET /env -> EnvFunction (HTTP API ServerlessHttpApi, stage $default, payload 1.0)",
          "POST /hello -> HelloFunction (HTTP API ServerlessHttpApi, stage $default, payload 2.0)",
          "SCHEDULE rate(1 day) -> HelloFunction (rule Nightly, disabled)"}) {
        CHECK_MESSAGE(sam_rows.count(row) == 1, "no row: " << row);
    }
    CHECK(sam_rows.size() == 8);

    const ProcessResult flags = lambda_local({"serve", "-l", sample_library("libhttp_api.so"), "-H",
                                              "echo", "--api", "rest", "--route", "GET /pets/{id}",
                                              "--route", "ANY /{proxy+}", "--list-routes"},
                                             bounded(20));
    INFO(describe(flags));
    CHECK(flags.exit_code == 0);
    CHECK(flags.out == "GET  /Prod/pets/{id}  -> http_api  (REST API flags, stage Prod, payload "
                       "1.0)\nANY  /Prod/{proxy+}   -> http_api  (REST API flags, stage Prod, "
                       "payload 1.0)\n");
}

TEST_CASE("serve refuses bad input with exit status 2 and a clear message") {
    const std::string library = sample_library("libhttp_api.so");
    struct Case {
        std::vector<std::string> args;
        std::vector<std::string> says;
    };
    const std::vector<Case> cases = {
        {{"-l", "/nonexistent/libnope.so"}, {"/nonexistent/libnope.so"}},
        {{"-l", library, "--route", "GET"}, {"--route 'GET'", "METHOD /path"}},
        {{"-l", library, "--route", "GET pets"}, {"--route 'GET pets'", "must start with '/'"}},
        {{"-l", library, "--route", "GET /a/{proxy+}/b"}, {"{proxy+}", "last"}},
        {{"-l", library, "--api", "rest", "--route", "$default"}, {"$default"}},
        {{"-l", library, "--api", "soap"}, {"--api"}},
        {{"--template", "/nonexistent/template.yaml"}, {"/nonexistent/template.yaml"}},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"serve", "--port", "0"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const ProcessResult r = lambda_local(args, bounded(20));
        INFO(describe(r));
        CHECK(r.exit_code == 2);
        for (const std::string& text : c.says) {
            CHECK_MESSAGE(r.err.find(text) != std::string::npos, "stderr lacks: " << text);
        }
    }

    // A port that another server holds.
    ServeProcess holder({"-q", "-l", library, "-H", "echo"});
    const std::string port = std::to_string(holder.port());
    const ProcessResult busy = lambda_local({"serve", "-l", library, "--port", port}, bounded(20));
    INFO(describe(busy));
    CHECK(busy.exit_code == 2);
    CHECK(busy.err.find("127.0.0.1:" + port) != std::string::npos);
    CHECK(busy.err.find("Address already in use") != std::string::npos);
    CHECK(serve_request(holder, "GET", "/still-there").status == 200);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
