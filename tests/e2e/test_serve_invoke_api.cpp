// End-to-end tests of the Lambda Invoke API that `lambda-local serve` answers
// (AWS: Lambda API reference, Invoke), with the real `aws` CLI, boto3, and raw requests.
#include "runtime/util/encoding.hpp"
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <future>
#include <regex>
#include <tuple>

namespace lambda_local::e2e {

using nlohmann::json;
using runtime::http::Response;

namespace {

constexpr const char* k_invocations = "/2015-03-31/functions/";

std::string invoke_path(const std::string& function) {
    return k_invocations + function + "/invocations";
}

// A SAM template with functions and no routes: Echo (echo sample `handle`), Context (its
// context_dump), Fail (a typed error), Crash (a segfault), Big (big_response) and Sleepy (sleeps
// past its 1 s timeout).
std::string write_functions_template(const TempDir& dir) {
    const std::string code =
        std::filesystem::path(sample_library("libecho_cpp.so")).parent_path().string();
    std::string yaml = "Transform: AWS::Serverless-2016-10-31\n"
                       "Globals:\n"
                       "  Function:\n"
                       "    CodeUri: " +
                       code + "\n    Runtime: provided.al2023\nResources:\n";
    for (const auto& [name, handler, timeout] :
         {std::tuple{"Echo", "libecho_cpp.so:handle", "10"},
          std::tuple{"Context", "libecho_cpp.so:context_dump", "10"},
          std::tuple{"Fail", "libecho_cpp.so:fail_typed", "10"},
          std::tuple{"Crash", "libmisbehaving.so:segfault", "10"},
          std::tuple{"Big", "libecho_cpp.so:big_response", "10"},
          std::tuple{"Sleepy", "libmisbehaving.so:sleep_forever", "1"}}) {
        yaml += std::string("  ") + name + ":\n    Type: AWS::Serverless::Function\n" +
                "    Properties:\n      Handler: " + handler + "\n      Timeout: " + timeout + "\n";
    }
    return dir.write("template.yaml", yaml);
}

// The log lines an invocation's Tail must hold: START, END and REPORT with its request id.
void check_tail_log(const std::string& log, const std::string& request_id) {
    INFO("log tail:\n" << log << "\nrequest id: " << request_id);
    const auto lines = split_lines(log);
    CHECK(find_line(lines, "START RequestId: " + request_id + " Version: $LATEST").has_value());
    CHECK(find_line(lines, "END RequestId: " + request_id).has_value());
    CHECK(
        find_line_starting(lines, "REPORT RequestId: " + request_id + "\tDuration: ").has_value());
}

// CHECKs a service error: its status, x-amzn-ErrorType, the body's Type ("" for none) and the
// start of its message (Message or message, as the error's model spells it).
void check_service_error(const Response& r, int status, const std::string& error_type,
                         const std::string& type, const std::string& message) {
    INFO(describe(r));
    CHECK(r.status == status);
    CHECK(header_text(r, "x-amzn-ErrorType") == error_type);
    CHECK(header_text(r, "Content-Type") == "application/json");
    CHECK(std::regex_match(header_text(r, "x-amzn-RequestId"), std::regex(k_uuid_pattern)));
    json body = parse_json(r.body);
    CHECK(body.value("Type", "") == type);
    const std::string text = body.value("Message", body.value("message", ""));
    CHECK_MESSAGE(text.rfind(message, 0) == 0, "the message does not start with: " << message);
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve invoke api");

TEST_CASE("the Invoke API answers with Lambda's status codes, headers and service errors") {
    TempDir dir;
    ServeProcess serve({"--template", write_functions_template(dir), "--no-schedules"});

    // RequestResponse: 200, the function's payload, the request id in the header and the context.
    const Response ok = serve_request(serve, "POST", invoke_path("Echo"), {}, R"({"a":1})");
    INFO(describe(ok));
    REQUIRE(ok.status == 200);
    CHECK(header_text(ok, "Content-Type") == "application/json");
    CHECK(header_text(ok, "X-Amz-Executed-Version") == "$LATEST");
    CHECK(ok.header("X-Amz-Function-Error") == nullptr);
    CHECK(ok.header("X-Amz-Log-Result") == nullptr);
    const std::string id = header_text(ok, "x-amzn-RequestId");
    CHECK(std::regex_match(id, std::regex(k_uuid_pattern)));
    json payload = parse_json(ok.body);
    CHECK(payload["event"] == json{{"a", 1}});
    CHECK(payload["request_id"] == id);
    CHECK(payload["function_name"] == "Echo");
    CHECK(serve.wait_for_log("POST " + invoke_path("Echo") + " 200 Echo "));

    // An empty body is the event {}; Tail carries the invocation's log lines, base64.
    const Response tail =
        serve_request(serve, "POST", invoke_path("Echo"), {{"X-Amz-Log-Type", "Tail"}});
    INFO(describe(tail));
    REQUIRE(tail.status == 200);
    CHECK(parse_json(tail.body)["event"] == json::object());
    const auto log = lambda_local::base64_decode(header_text(tail, "X-Amz-Log-Result"));
    REQUIRE(log.has_value());
    CHECK(log->size() <= 4096);
    check_tail_log(*log, header_text(tail, "x-amzn-RequestId"));

    // A function error and a crash are still 200, marked Unhandled.
    const Response failed = serve_request(serve, "POST", invoke_path("Fail"), {}, "{}");
    INFO(describe(failed));
    CHECK(failed.status == 200);
    CHECK(header_text(failed, "X-Amz-Function-Error") == "Unhandled");
    json error = parse_json(failed.body);
    CHECK(error["errorType"] == "ValidationError");
    CHECK(error["errorMessage"] == "name is required");
    const Response crashed = serve_request(serve, "POST", invoke_path("Crash"), {}, "{}");
    INFO(describe(crashed));
    CHECK(crashed.status == 200);
    CHECK(header_text(crashed, "X-Amz-Function-Error") == "Unhandled");
    json crash = parse_json(crashed.body);
    CHECK(crash["errorType"] == "Runtime.ExitError");
    CHECK(crash["errorMessage"] == "RequestId: " + header_text(crashed, "x-amzn-RequestId") +
                                       " Error: Runtime exited with error: signal: segmentation "
                                       "fault");
    // A timeout and a response over 6 MB are function errors too (§5, §8).
    const Response timed_out = serve_request(serve, "POST", invoke_path("Sleepy"), {}, "{}");
    INFO(describe(timed_out));
    CHECK(timed_out.status == 200);
    CHECK(header_text(timed_out, "X-Amz-Function-Error") == "Unhandled");
    CHECK(parse_json(timed_out.body)["errorMessage"] ==
          "RequestId: " + header_text(timed_out, "x-amzn-RequestId") +
              " Error: Task timed out after 1.00 seconds");
    const Response too_big =
        serve_request(serve, "POST", invoke_path("Big"), {}, R"({"bytes": 7000000})");
    INFO(describe(too_big));
    CHECK(too_big.status == 200);
    CHECK(header_text(too_big, "X-Amz-Function-Error") == "Unhandled");
    CHECK(parse_json(too_big.body) ==
          json{{"errorMessage", "Response payload size exceeded maximum allowed payload size "
                                "(6291556 bytes)."},
               {"errorType", "Function.ResponseSizeTooLarge"}});

    // Event: 202 at once, then a real asynchronous invocation; DryRun: 204, nothing runs.
    const Response event = serve_request(serve, "POST", invoke_path("Echo"),
                                         {{"X-Amz-Invocation-Type", "Event"}}, R"({"async":1})");
    INFO(describe(event));
    CHECK(event.status == 202);
    CHECK(event.body.empty());
    const std::string event_id = header_text(event, "x-amzn-RequestId");
    REQUIRE(!event_id.empty());
    CHECK(serve.wait_for_log("START RequestId: " + event_id));
    CHECK(serve.wait_for_log("REPORT RequestId: " + event_id));
    const Response dry = serve_request(serve, "POST", invoke_path("Echo"),
                                       {{"X-Amz-Invocation-Type", "DryRun"}}, "{}");
    INFO(describe(dry));
    CHECK(dry.status == 204);
    CHECK(dry.body.empty());
    const std::string dry_id = header_text(dry, "x-amzn-RequestId");
    REQUIRE(!dry_id.empty());

    // An ARN, "account:name" and "name:$LATEST" reach the function.
    for (const char* name : {"arn:aws:lambda:us-east-1:123456789012:function:Echo",
                             "123456789012:Echo", "Echo:$LATEST"}) {
        INFO(name);
        const Response r = serve_request(serve, "POST", invoke_path(name), {}, R"({"n":2})");
        CHECK(r.status == 200);
        CHECK(parse_json(r.body)["event"] == json{{"n", 2}});
    }
    // Service errors: an unknown function, a body that is not JSON, payloads over the limits.
    check_service_error(serve_request(serve, "POST", invoke_path("nope"), {}, "{}"), 404,
                        "ResourceNotFoundException", "User",
                        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope");
    check_service_error(serve_request(serve, "POST", invoke_path("Echo"), {}, "not json"), 400,
                        "InvalidRequestContentException", "User",
                        "Could not parse request body into json");
    check_service_error(serve_request(serve, "POST", invoke_path("Echo"),
                                      {{"X-Amz-Invocation-Type", "Event"}},
                                      "\"" + std::string(1100000, 'x') + "\""),
                        413, "RequestEntityTooLargeException", "User",
                        "1100002 byte payload is too large for the Event invocation type "
                        "(limit 1048576 bytes)");
    const Response big = serve_request(serve, "POST", invoke_path("Echo"), {},
                                       "\"" + std::string(7 * 1024 * 1024, 'x') + "\"");
    check_service_error(big, 413, "RequestEntityTooLargeException", "",
                        "Request must be smaller than 6291456 bytes for the InvokeFunction "
                        "operation");
    check_service_error(
        serve_request(serve, "POST", invoke_path("Echo") + "?Qualifier=prod", {}, "{}"), 404,
        "ResourceNotFoundException", "User",
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:Echo:prod");
    CHECK(serve_request(serve, "POST", invoke_path("Echo") + "?Qualifier=%24LATEST", {}, "{}")
              .status == 200);
    CHECK(serve.wait_for_log("POST " + invoke_path("nope") + " 404 - "));
    CHECK(serve.log().find("START RequestId: " + dry_id) == std::string::npos);
}

TEST_CASE("the aws CLI invokes served functions unchanged") {
    TempDir dir;
    TempDir home;
    ServeProcess serve({"-q", "--template", write_functions_template(dir), "--no-schedules"});
    // Every call at once (the CLI takes a while to start): <name>.json, .out, .err, .rc.
    const std::vector<std::pair<std::string, std::string>> calls = {
        {"sync", "--function-name Echo --payload '{\"hello\":\"cli\"}' --log-type Tail"},
        {"error", "--function-name Fail --payload '{}'"},
        {"missing", "--function-name nope --payload '{}'"},
        {"event", "--function-name Echo --invocation-type Event --payload '{}'"},
        {"dryrun", "--function-name Echo --invocation-type DryRun --payload '{}'"},
        {"invalid", "--function-name Echo --payload 'not json'"},
        {"arn", "--function-name arn:aws:lambda:us-east-1:123456789012:function:Echo "
                "--payload '{\"via\":\"arn\"}'"},
    };
    // Version 2 of the CLI reads --payload as base64 unless told otherwise; version 1 sends it raw.
    std::string script = "case \"$(\"$AWS\" --version 2>&1)\" in aws-cli/2*) "
                         "FORMAT='--cli-binary-format raw-in-base64-out';; *) FORMAT='';; esac\n";
    for (const auto& [name, args] : calls) {
        const std::string base = dir.path() + "/" + name;
        script += "(\"$AWS\" lambda invoke --endpoint-url \"$URL\" $FORMAT " + args + " " + base +
                  ".json >" + base + ".out 2>" + base + ".err; echo $? >" + base + ".rc) &\n";
    }
    script += "wait\n";
    RunOptions options;
    options.env = aws_client_env(home.path());
    options.env->push_back({"AWS", aws_cli_path()});
    options.env->push_back({"URL", serve.url()});
    options.bound = std::chrono::seconds(120);
    const ProcessResult r = run_process({"/bin/sh", "-c", script}, options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto read = [&](const std::string& name, const char* ext) {
        const std::string path = dir.path() + "/" + name + ext;
        return std::filesystem::exists(path) ? file_text(path) : std::string();
    };
    for (const auto& [name, args] : calls) {
        INFO(name << ": rc " << read(name, ".rc") << "stdout:\n"
                  << read(name, ".out") << "stderr:\n"
                  << read(name, ".err") << "payload:\n"
                  << read(name, ".json"));
        const bool service_error = name == "missing" || name == "invalid";
        CHECK((read(name, ".rc") == "0\n") == !service_error);
        if (service_error) {
            continue;
        }
        json out = parse_json(read(name, ".out"));
        if (name == "sync") {
            CHECK(out["StatusCode"] == 200);
            CHECK(out["ExecutedVersion"] == "$LATEST");
            CHECK_FALSE(out.contains("FunctionError"));
            json payload = parse_json(read(name, ".json"));
            CHECK(payload["event"] == json{{"hello", "cli"}});
            const auto log = lambda_local::base64_decode(out["LogResult"].get<std::string>());
            REQUIRE(log.has_value());
            check_tail_log(*log, payload["request_id"].get<std::string>());
        } else if (name == "error") {
            CHECK(out["StatusCode"] == 200);
            CHECK(out["FunctionError"] == "Unhandled");
            json payload = parse_json(read(name, ".json"));
            CHECK(payload["errorType"] == "ValidationError");
            CHECK(payload["errorMessage"] == "name is required");
        } else if (name == "event") {
            CHECK(out["StatusCode"] == 202);
        } else if (name == "dryrun") {
            CHECK(out["StatusCode"] == 204);
        } else if (name == "arn") {
            CHECK(out["StatusCode"] == 200);
            CHECK(parse_json(read(name, ".json"))["event"] == json{{"via", "arn"}});
        }
    }
    const std::string missing = read("missing", ".err");
    CHECK(missing.find("ResourceNotFoundException") != std::string::npos);
    CHECK(missing.find("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope") !=
          std::string::npos);
    CHECK(read("invalid", ".err").find("InvalidRequestContentException") != std::string::npos);
}

TEST_CASE("boto3 invokes served functions unchanged") {
    TempDir dir;
    TempDir home;
    ServeProcess serve({"-q", "--template", write_functions_template(dir), "--no-schedules"});
    const std::string script = R"(
import base64, json, sys, boto3
from botocore.config import Config
client = boto3.client("lambda", endpoint_url=sys.argv[1],
                      config=Config(retries={"total_max_attempts": 1}))
out = {}
def call(name, **kwargs):
    try:
        r = client.invoke(**kwargs)
        payload = r["Payload"].read()
        out[name] = {"status": r["StatusCode"], "version": r.get("ExecutedVersion"),
                     "functionError": r.get("FunctionError"),
                     "payload": json.loads(payload) if payload else None,
                     "log": base64.b64decode(r["LogResult"]).decode() if "LogResult" in r else None}
    except client.exceptions.ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                     "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
call("sync", FunctionName="Echo", Payload=b'{"hello":"boto3"}', LogType="Tail")
call("error", FunctionName="Fail", Payload=b"{}")
call("event", FunctionName="Echo", InvocationType="Event", Payload=b"{}")
call("dryrun", FunctionName="Echo", InvocationType="DryRun")
call("missing", FunctionName="nope")
call("invalid", FunctionName="Echo", Payload=b"not json")
call("arn", FunctionName="arn:aws:lambda:us-east-1:123456789012:function:Echo", Payload=b"[1]")
call("qualified", FunctionName="Echo", Qualifier="$LATEST", Payload=b"2")
client_context = base64.b64encode(b'{"custom":{"marker":"SYNC"}}').decode()
call("context", FunctionName="Context", ClientContext=client_context)
call("context_qualified", FunctionName="Context:$LATEST")
print(json.dumps(out))
)";
    RunOptions options;
    options.env = aws_client_env(home.path());
    json out = run_python_json(script, {serve.url()}, options);
    INFO(out.dump(2));
    CHECK(out["sync"]["status"] == 200);
    CHECK(out["sync"]["version"] == "$LATEST");
    CHECK(out["sync"]["functionError"].is_null());
    CHECK(out["sync"]["payload"]["event"] == json{{"hello", "boto3"}});
    CHECK(out["sync"]["payload"]["function_name"] == "Echo");
    REQUIRE(out["sync"]["log"].is_string());
    REQUIRE(out["sync"]["payload"]["request_id"].is_string());
    check_tail_log(out["sync"]["log"].get<std::string>(),
                   out["sync"]["payload"]["request_id"].get<std::string>());
    CHECK(out["error"]["status"] == 200);
    CHECK(out["error"]["functionError"] == "Unhandled");
    CHECK(out["error"]["payload"]["errorType"] == "ValidationError");
    CHECK(out["event"]["status"] == 202);
    CHECK(out["dryrun"]["status"] == 204);
    CHECK(
        out["missing"] ==
        json{{"error", "ResourceNotFoundException"},
             {"message", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
             {"status", 404}});
    CHECK(out["invalid"]["error"] == "InvalidRequestContentException");
    CHECK(out["invalid"]["status"] == 400);
    CHECK(out["arn"]["status"] == 200);
    CHECK(out["arn"]["payload"]["event"] == json{1});
    CHECK(out["qualified"]["status"] == 200);
    CHECK(out["qualified"]["payload"]["event"] == 2);
    // The context has the caller's client context, synchronous invocations only, and the ARN
    // as invoked, its qualifier kept (API_Invoke; the context object).
    const std::string arn = "arn:aws:lambda:us-east-1:123456789012:function:Context";
    CHECK(out["context"]["payload"]["client_context"] == json{{"custom", {{"marker", "SYNC"}}}});
    CHECK(out["context"]["payload"]["invoked_function_arn"] == arn);
    CHECK_FALSE(out["context_qualified"]["payload"].contains("client_context"));
    CHECK(out["context_qualified"]["payload"]["invoked_function_arn"] == arn + ":$LATEST");
}

TEST_CASE("an Event invocation's client context is checked, then not passed to the function") {
    TempDir dir;
    ServeProcess serve({"--template", write_functions_template(dir), "--no-schedules"});
    const std::string context = base64_encode(R"({"custom":{"marker":"ASYNC"}})");
    const Response accepted = serve_request(
        serve, "POST", invoke_path("Context"),
        {{"X-Amz-Invocation-Type", "Event"}, {"X-Amz-Client-Context", context}}, "{}");
    INFO(describe(accepted));
    CHECK(accepted.status == 202);
    REQUIRE(serve.wait_for_log("context: {"));
    CHECK(serve.log().find("ASYNC") == std::string::npos);
    // Checked all the same: one that is not base64 of a JSON object is refused.
    const Response refused =
        serve_request(serve, "POST", invoke_path("Context"),
                      {{"X-Amz-Invocation-Type", "Event"}, {"X-Amz-Client-Context", "%%%"}}, "{}");
    check_service_error(refused, 400, "InvalidRequestContentException", "User", "");
}

TEST_CASE("an invocation beyond the concurrency limit and the queue is throttled with 429") {
    ServeProcess serve({"-l", sample_library("libhttp_api.so"), "-H", "slow", "--function-name",
                        "slow", "--max-concurrency", "1", "--max-queue", "0"});
    const auto begin = std::chrono::steady_clock::now();
    auto first = std::async(std::launch::async, [&] {
        return serve_request(serve, "POST", invoke_path("slow"), {}, "{}");
    });
    // Once the first one has started, it holds the only environment for a second.
    REQUIRE(serve.wait_for_log("START RequestId: "));
    const Response throttled = serve_request(serve, "POST", invoke_path("slow"), {}, "{}");
    INFO(describe(throttled));
    CHECK(throttled.status == 429);
    CHECK(header_text(throttled, "x-amzn-ErrorType") == "TooManyRequestsException");
    json body = parse_json(throttled.body);
    CHECK(body["Type"] == "User");
    CHECK(body["Reason"] == "ConcurrentInvocationLimitExceeded");
    const Response done = first.get();
    INFO(describe(done));
    CHECK(done.status == 200);
    CHECK(parse_json(done.body).contains("statusCode"));
    CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(20));
    // Once it is free, the next invocation runs.
    CHECK(serve_request(serve, "POST", invoke_path("slow"), {}, "{}").status == 200);
    CHECK(serve.wait_for_log(" 429 slow "));
}

// A SAM template of functions with Lambda's concurrency and asynchronous settings: Busy (a
// second-long answer, ReservedConcurrentExecutions 1), Off (reserved 0) and Failing (a typed
// error, EventInvokeConfig MaximumRetryAttempts 1).
std::string write_async_template(const TempDir& dir) {
    const std::string code =
        std::filesystem::path(sample_library("libecho_cpp.so")).parent_path().string();
    return dir.write("template.yaml",
                     "Transform: AWS::Serverless-2016-10-31\n"
                     "Globals:\n  Function:\n    CodeUri: " +
                         code +
                         "\n    Runtime: provided.al2023\n"
                         "Resources:\n"
                         "  Busy:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Handler: libhttp_api.so:slow\n"
                         "      ReservedConcurrentExecutions: 1\n"
                         "  Off:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Handler: libecho_cpp.so:handle\n"
                         "      ReservedConcurrentExecutions: 0\n"
                         "  Failing:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Handler: libecho_cpp.so:fail_typed\n"
                         "      EventInvokeConfig:\n        MaximumRetryAttempts: 1\n");
}

TEST_CASE("past a function's reserved concurrency a synchronous invocation is throttled at once") {
    TempDir dir;
    ServeProcess serve({"--template", write_async_template(dir), "--no-schedules"});
    auto first = std::async(std::launch::async, [&] {
        return serve_request(serve, "POST", invoke_path("Busy"), {}, "{}");
    });
    REQUIRE(serve.wait_for_log("START RequestId: "));
    // Not queued behind the first one, as --max-queue would: Lambda's 429 with its reason.
    const Response throttled = serve_request(serve, "POST", invoke_path("Busy"), {}, "{}");
    INFO(describe(throttled));
    CHECK(throttled.status == 429);
    CHECK(header_text(throttled, "x-amzn-ErrorType") == "TooManyRequestsException");
    CHECK(parse_json(throttled.body)["Reason"] ==
          "ReservedFunctionConcurrentInvocationLimitExceeded");
    CHECK(first.get().status == 200);
    // Reserved concurrency 0 throttles every invocation.
    const Response off = serve_request(serve, "POST", invoke_path("Off"), {}, "{}");
    INFO(describe(off));
    CHECK(off.status == 429);
    CHECK(parse_json(off.body)["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded");
}

TEST_CASE("a throttled Event is kept and run later; a failed one is retried with its request id") {
    TempDir dir;
    ServeProcess serve(
        {"--template", write_async_template(dir), "--no-schedules", "--retry-delay", "0.2"});
    // Three Events for one environment: each 202, and each runs in turn.
    for (int i = 0; i < 3; ++i) {
        const Response accepted = serve_request(serve, "POST", invoke_path("Busy"),
                                                {{"X-Amz-Invocation-Type", "Event"}}, "{}");
        INFO(describe(accepted));
        CHECK(accepted.status == 202);
    }
    CHECK(serve.wait_for_log(" throttled; tried again in 1 s"));
    CHECK(serve.wait_for_log_count("[Busy] REPORT RequestId: ", 3, std::chrono::seconds(30)) == 3);
    // A function error: tried once more (MaximumRetryAttempts 1), with the same request id.
    const Response failing = serve_request(serve, "POST", invoke_path("Failing"),
                                           {{"X-Amz-Invocation-Type", "Event"}}, "{}");
    INFO(describe(failing));
    CHECK(failing.status == 202);
    const std::string id = header_text(failing, "x-amzn-RequestId");
    CHECK(serve.wait_for_log("asynchronous invocation " + id +
                             " failed (ValidationError); retry 1 of 1; tried again in 200 ms"));
    CHECK(serve.wait_for_log("asynchronous invocation " + id +
                             " failed (ValidationError) 2 time(s); dropped (MaximumRetryAttempts "
                             "1)"));
    CHECK(serve.wait_for_log_count("[Failing] START RequestId: " + id, 2) == 2);
}

TEST_CASE("the functions of the samples' SAM template are invoked by their names") {
    ServeProcess serve({"-q", "--template", sample_library("template.yaml"), "--no-schedules"});
    const Response echo = serve_request(serve, "POST", invoke_path("echo-dev"), {}, R"({"x":1})");
    INFO(describe(echo));
    REQUIRE(echo.status == 200);
    json payload = parse_json(echo.body);
    CHECK(payload["event"] == json{{"x", 1}});
    CHECK(payload["function_name"] == "echo-dev");
    const Response env = serve_request(serve, "POST", invoke_path("EnvFunction"), {}, "{}");
    INFO(describe(env));
    REQUIRE(env.status == 200);
    json vars = parse_json(env.body);
    CHECK(vars["STAGE"] == "dev");
    CHECK(vars["GREETING"] == "hello");
    CHECK(vars["AWS_LAMBDA_FUNCTION_NAME"] == "EnvFunction");
    check_service_error(serve_request(serve, "POST", invoke_path("echo-prod"), {}, "{}"), 404,
                        "ResourceNotFoundException", "User",
                        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:"
                        "echo-prod");
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
