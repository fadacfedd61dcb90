// End-to-end tests of response streaming through `lambda-local serve` (docs/streaming.md,
// "Calling a streaming function"): InvokeWithResponseStream with boto3, function URLs in
// RESPONSE_STREAM mode and REST routes in STREAM mode with curl --no-buffer and Python
// requests (stream=True). That a piece arrives while the handler still runs is proved by
// causality: stream_gated waits for a file that the test creates only after it has read the
// first piece.
#include "runtime/util/ids.hpp"
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <strings.h>

#include <filesystem>
#include <string>
#include <tuple>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// A directory the sandboxed handler can see, for stream_gated's gate files: inside its code
// directory (the samples), which the sandbox shows at the same path even when the build is
// under /tmp (an environment's /tmp is its own). Removed with its contents.
class GateDir {
  public:
    GateDir()
        : m_path((std::filesystem::path(LL_SAMPLES_DIR) / "e2e-stream-gates" / random_hex(12))
                     .string()) {
        std::filesystem::create_directories(m_path);
    }
    GateDir(const GateDir&) = delete;
    GateDir& operator=(const GateDir&) = delete;
    ~GateDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    std::string gate(const std::string& name) const { return m_path + "/" + name; }

  private:
    std::string m_path;
};

// A SAM template with one function per behaviour of samples/cpp-streaming/stream.cpp, each
// with a RESPONSE_STREAM function URL (CORS on Http) and a REST route in STREAM mode.
std::string write_stream_template(const TempDir& dir) {
    std::string yaml = "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n"
                       "    CodeUri: " +
                       samples_dir() + "\n    Runtime: provided.al2023\nResources:\n";
    for (const auto& [name, handler, timeout] :
         {std::tuple{"Text", "stream_text", "10"}, std::tuple{"Http", "stream_http", "10"},
          std::tuple{"Gated", "stream_gated", "30"}, std::tuple{"Binary", "stream_binary", "10"},
          std::tuple{"Bytes", "stream_bytes", "60"}, std::tuple{"Fail", "stream_fail", "10"},
          std::tuple{"Crash", "stream_crash", "10"}, std::tuple{"Forever", "stream_forever", "2"},
          std::tuple{"Buffered", "buffered", "10"}}) {
        yaml += std::string("  ") + name + ":\n    Type: AWS::Serverless::Function\n" +
                "    Properties:\n      Handler: libstream_cpp.so:" + handler +
                "\n      Timeout: " + timeout +
                "\n      FunctionUrlConfig:\n        AuthType: NONE\n"
                "        InvokeMode: RESPONSE_STREAM\n";
        if (std::string(name) == "Http") {
            yaml += "        Cors:\n          AllowOrigins: [https://app.example]\n";
        }
        yaml += std::string("      Events:\n        Rest:\n          Type: Api\n") +
                "          Properties:\n            Path: /" + name +
                "\n            Method: post\n            ResponseTransferMode: STREAM\n";
    }
    return dir.write("template.yaml", yaml);
}

std::string url_of(const ServeProcess& serve, const std::string& function) {
    return serve.url("/_lambda-url/" + function + "/");
}

// curl --no-buffer: the exit code, the head and the body as received.
struct CurlStream {
    int exit_code = 0;
    std::string head;
    std::string body;
};

CurlStream curl_stream(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-s",         "-i",
                                     "--no-buffer",   "--max-time", "60"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = run_process(argv);
    CurlStream out;
    out.exit_code = r.exit_code;
    std::size_t end = r.out.find("\r\n\r\n");
    INFO(describe(r));
    REQUIRE(end != std::string::npos);
    out.head = r.out.substr(0, end);
    out.body = r.out.substr(end + 4);
    return out;
}

bool head_has(const CurlStream& answer, const std::string& line) {
    for (std::string header : split_lines(answer.head)) {
        if (!header.empty() && header.back() == '\r') {
            header.pop_back();
        }
        if (strcasecmp(header.c_str(), line.c_str()) == 0) {
            return true;
        }
    }
    return false;
}

// boto3: invoke_with_response_stream, each event recorded (payloads as latin-1 text, so that
// every byte value survives JSON).
constexpr const char* k_boto3_script = R"(
import base64, json, os, sys, time, boto3
from botocore.config import Config
client = boto3.client("lambda", endpoint_url=sys.argv[1],
                      config=Config(retries={"total_max_attempts": 1}, read_timeout=60))
gate = sys.argv[2]
out = {}
def call(name, gate_file=None, **kwargs):
    started = time.monotonic()
    try:
        r = client.invoke_with_response_stream(**kwargs)
        events = []
        for event in r["EventStream"]:
            if "PayloadChunk" in event:
                data = event["PayloadChunk"]["Payload"]
                events.append({"chunk": data.decode("latin-1")})
                if gate_file and data.startswith(b"first"):
                    open(gate_file, "w").close()
            elif "InvokeComplete" in event:
                events.append({"complete": event["InvokeComplete"]})
        out[name] = {"status": r["StatusCode"], "version": r.get("ExecutedVersion"),
                     "contentType": r.get("ResponseStreamContentType"), "events": events,
                     "seconds": time.monotonic() - started}
    except client.exceptions.ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"],
                     "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
call("text", FunctionName="Text", Payload=b"{}")
call("binary", FunctionName="Binary", Payload=b"{}")
call("gated", gate, FunctionName="Gated", Payload=json.dumps({"gate": gate}).encode())
call("fail", FunctionName="Fail", Payload=b"{}", LogType="Tail")
call("buffered", FunctionName="Buffered", Payload=b"{}")
call("dryrun", FunctionName="Text", InvocationType="DryRun")
call("missing", FunctionName="Nope", Payload=b"{}")
call("event", FunctionName="Text", InvocationType="Event", Payload=b"{}")
for event in out.get("fail", {}).get("events", []):
    if "complete" in event and "LogResult" in event["complete"]:
        event["complete"]["log"] = base64.b64decode(event["complete"]["LogResult"]).decode()
print(json.dumps(out))
)";

std::string chunks_of(const json& events) {
    std::string joined;
    for (const auto& event : events) {
        if (event.contains("chunk")) {
            std::string text = event["chunk"].get<std::string>();
            // latin-1 text back to bytes: each code point below 256 is one byte.
            std::string bytes;
            for (std::size_t i = 0; i < text.size();) {
                unsigned char c = static_cast<unsigned char>(text[i]);
                if (c < 0x80) {
                    bytes += static_cast<char>(c);
                    i += 1;
                } else {
                    bytes += static_cast<char>(((c & 0x1f) << 6) | (text[i + 1] & 0x3f));
                    i += 2;
                }
            }
            joined += bytes;
        }
    }
    return joined;
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve streaming");

TEST_CASE("boto3's invoke_with_response_stream reads the streams of served functions") {
    TempDir dir;
    TempDir home;
    GateDir gates;
    ServeProcess serve({"-q", "--template", write_stream_template(dir), "--no-schedules"});
    RunOptions options;
    options.env = aws_client_env(home.path());
    options.bound = std::chrono::seconds(120);
    json out = run_python_json(k_boto3_script, {serve.url(), gates.gate("boto3")}, options);
    INFO(out.dump(2));

    CHECK(out["text"]["status"] == 200);
    CHECK(out["text"]["version"] == "$LATEST");
    CHECK(out["text"]["contentType"] == "text/plain");
    CHECK(chunks_of(out["text"]["events"]) == "chunk 1\nchunk 2\nchunk 3\n");
    REQUIRE(!out["text"]["events"].empty());
    CHECK(out["text"]["events"].back() == json{{"complete", json::object()}});

    std::string every_byte;
    for (int i = 0; i < 256; ++i) {
        every_byte += static_cast<char>(i);
    }
    CHECK(chunks_of(out["binary"]["events"]) ==
          every_byte + std::string(every_byte.rbegin(), every_byte.rend()));

    // The first piece arrived while the handler waited for the gate the client then made:
    // well before the handler's own 30 s bound.
    CHECK(chunks_of(out["gated"]["events"]) == "first\nsecond\n");
    CHECK(out["gated"]["seconds"].get<double>() < 20.0);

    const json& fail = out["fail"]["events"];
    CHECK(chunks_of(fail) == "partial");
    REQUIRE(!fail.empty());
    CHECK(fail.back()["complete"]["ErrorCode"] == "StreamFailure");
    CHECK(fail.back()["complete"]["ErrorDetails"] == "went wrong mid-stream");
    REQUIRE(fail.back()["complete"]["log"].is_string());
    const std::string log = fail.back()["complete"]["log"].get<std::string>();
    CHECK(log.find("START RequestId: ") != std::string::npos);
    CHECK(log.find("REPORT RequestId: ") != std::string::npos);

    // A function that does not stream: its whole response as one chunk.
    CHECK(out["buffered"]["contentType"] == "application/json");
    CHECK(out["buffered"]["events"].size() == 2);
    CHECK(chunks_of(out["buffered"]["events"]) == R"({"streamed":false})");

    CHECK(out["dryrun"]["status"] == 204);
    CHECK(out["missing"] == json{{"error", "ResourceNotFoundException"}, {"status", 404}});
    CHECK(out["event"] == json{{"error", "ValidationException"}, {"status", 400}});
    CHECK(serve.stop() == 0);
}

TEST_CASE("a RESPONSE_STREAM function URL with curl --no-buffer: prelude, CORS, exact bytes") {
    TempDir dir;
    ServeProcess serve({"-q", "--template", write_stream_template(dir), "--no-schedules"});

    CurlStream http = curl_stream({"-H", "Origin: https://app.example", url_of(serve, "Http")});
    CHECK(http.exit_code == 0);
    CHECK(http.head.rfind("HTTP/1.1 201", 0) == 0);
    CHECK(head_has(http, "content-type: text/plain"));
    CHECK(head_has(http, "x-streamed: yes"));
    CHECK(head_has(http, "set-cookie: flavour=oat; Path=/"));
    CHECK(head_has(http, "transfer-encoding: chunked"));
    CHECK(head_has(http, "access-control-allow-origin: https://app.example"));
    CHECK(http.body == "hello world\n");

    CurlStream binary = curl_stream({url_of(serve, "Binary")});
    CHECK(binary.exit_code == 0);
    CHECK(head_has(binary, "content-type: application/octet-stream"));
    std::string every_byte;
    for (int i = 0; i < 256; ++i) {
        every_byte += static_cast<char>(i);
    }
    CHECK(binary.body == every_byte + std::string(every_byte.rbegin(), every_byte.rend()));

    // A function that does not stream: its response as it returned it, in one piece.
    CurlStream buffered = curl_stream({url_of(serve, "Buffered")});
    CHECK(buffered.exit_code == 0);
    CHECK(buffered.head.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(buffered.body == R"({"streamed":false})");
    CHECK(serve.stop() == 0);
}

TEST_CASE("an error, a crash or a timeout mid-stream ends the stream without its last chunk") {
    TempDir dir;
    ServeProcess serve({"-q", "--template", write_stream_template(dir), "--no-schedules"});
    for (const auto& [function, before] :
         {std::pair{"Fail", "partial"}, std::pair{"Crash", "partial"},
          std::pair{"Forever", "before the timeout\n"}}) {
        CAPTURE(function);
        CurlStream cut = curl_stream({url_of(serve, function)});
        CHECK(cut.head.rfind("HTTP/1.1 200", 0) == 0);
        CHECK(cut.body == before);
        // curl: 18, "transfer closed with outstanding read data remaining".
        CHECK(cut.exit_code == 18);
    }
    CHECK(serve.wait_for_log("aborted: "));
    CHECK(serve.stop() == 0);
}

TEST_CASE("a REST route in STREAM mode streams, with requests (stream=True) proving causality") {
    TempDir dir;
    GateDir gates;
    ServeProcess serve({"-q", "--template", write_stream_template(dir), "--no-schedules"});
    const std::string script = R"(
import json, sys, time, requests
base, gate = sys.argv[1], sys.argv[2]
out = {}
started = time.monotonic()
r = requests.post(base + "/Prod/Gated", json={"gate": gate}, stream=True, timeout=60)
out["status"] = r.status_code
body = ""
for piece in r.iter_content(chunk_size=None):
    body += piece.decode()
    if "first\n" in body and "before_gate" not in out:
        # "second" is written only once the gate exists: what came so far came before it.
        out["before_gate"] = body
        open(gate, "w").close()
out["body"] = body
out["seconds"] = time.monotonic() - started
h = requests.post(base + "/Prod/Http", stream=True, timeout=60)
out["http"] = {"status": h.status_code, "header": h.headers.get("x-streamed"),
               "cookie": h.headers.get("set-cookie"), "body": h.content.decode()}
try:
    f = requests.post(base + "/Prod/Fail", stream=True, timeout=60)
    out["fail"] = {"status": f.status_code, "body": f.content.decode()}
except requests.exceptions.ChunkedEncodingError as e:
    out["fail"] = {"cut": True}
print(json.dumps(out))
)";
    json out = run_python_json(script, {serve.url(), gates.gate("rest")});
    INFO(out.dump(2));
    CHECK(out["status"] == 200);
    CHECK(out["before_gate"] == "first\n");
    CHECK(out["body"] == "first\nsecond\n");
    CHECK(out["seconds"].get<double>() < 20.0);
    CHECK(out["http"] == json{{"status", 201},
                              {"header", "yes"},
                              {"cookie", "flavour=oat; Path=/"},
                              {"body", "hello world\n"}});
    CHECK(out["fail"] == json{{"cut", true}});
    CHECK(serve.stop() == 0);
}

TEST_CASE("a client that disconnects mid-stream: the invocation goes on, the server is fine") {
    TempDir dir;
    GateDir gates;
    ServeProcess serve({"--template", write_stream_template(dir), "--no-schedules"});
    const std::string gate = gates.gate("disconnect");
    const std::string script = R"(
import json, socket, sys
host, port, path, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port), timeout=30)
s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\n\r\n%s" % (path, len(body), body)).encode())
seen = b""
while b"first" not in seen:
    data = s.recv(4096)
    if not data:
        break
    seen += data
s.close()
print(json.dumps({"seen_first": b"first" in seen}))
)";
    json out = run_python_json(script, {"127.0.0.1", std::to_string(serve.port()),
                                        "/_lambda-url/Gated/", json{{"gate", gate}}.dump()});
    CHECK(out["seen_first"] == true);
    // The client is gone; the handler still waits for its gate, then writes its second piece
    // (discarded) and ends normally: both pieces counted, 6 + 7 bytes.
    run_process({"/usr/bin/touch", gate});
    CHECK(serve.wait_for_log(" 200 Gated "));
    CHECK(serve.wait_for_log("(streamed 13 B"));
    // The server still answers.
    CurlStream text = curl_stream({url_of(serve, "Text")});
    CHECK(text.body == "chunk 1\nchunk 2\nchunk 3\n");
    CHECK(serve.stop() == 0);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
