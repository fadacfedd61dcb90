// End-to-end tests of function URLs in `lambda-local serve` (docs/serve.md, "Function URLs"),
// with real clients: curl (which resolves *.localhost itself) for the URL's own origin, Python
// requests with botocore's SigV4 signer for AWS_IAM; and the gateway fidelity fixes (binary
// responses by Accept, X-Amzn-Trace-Id, X-Forwarded-For) through serve.
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

namespace lambda_local::e2e {

using nlohmann::json;
using runtime::http::Response;

namespace {

constexpr const char* k_forbidden =
    R"({"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"})";
constexpr const char* k_access_key = "AKIDLOCALTEST";
constexpr const char* k_secret_key = "local-secret-key";

// The host ("<id>.lambda-url.localhost:PORT") serve printed for `function`'s URL.
std::string url_host(const ServeProcess& serve, const std::string& function) {
    REQUIRE(serve.wait_for_log("function URL of " + function + " "));
    std::smatch found;
    std::string log = serve.log();
    std::regex line("function URL of " + function +
                    " \\([A-Z_]+\\): http://([a-z0-9]{32}\\.lambda-url\\.localhost:[0-9]+)/");
    REQUIRE(std::regex_search(log, found, line));
    return found[1];
}

// curl's answer: the status line's code and the body (`-i` headers kept in `headers`).
struct CurlAnswer {
    int status = 0;
    std::string headers;
    std::string body;
};

CurlAnswer curl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-s", "-i", "--max-time", "30"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = run_process(argv);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CurlAnswer answer;
    std::size_t end = r.out.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    answer.headers = r.out.substr(0, end);
    answer.body = r.out.substr(end + 4);
    REQUIRE(answer.headers.size() > 12);
    answer.status = std::stoi(answer.headers.substr(9, 3));
    return answer;
}

// A SAM template: Echo with an AWS_IAM URL and CORS (and an HttpApi route), Open with a NONE
// URL (bare string response), Failing with an AWS::Lambda::Url.
std::string write_url_template(const TempDir& dir) {
    return dir.write("template.yaml", R"(Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: )" + samples_dir() + R"(, Runtime: provided.al2023, Timeout: 10}
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:echo
      FunctionUrlConfig:
        AuthType: AWS_IAM
        Cors:
          AllowOrigins: [https://app.example]
          AllowMethods: [GET, POST]
          AllowHeaders: [authorization, x-amz-date, content-type]
          MaxAge: 600
      Events:
        Api: {Type: HttpApi, Properties: {Path: /echo, Method: GET}}
  Open:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:bare_string
      FunctionUrlConfig: {AuthType: NONE, InvokeMode: RESPONSE_STREAM}
  Failing:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libecho_cpp.so:fail_typed
  FailingUrl:
    Type: AWS::Lambda::Url
    Properties: {TargetFunctionArn: !GetAtt Failing.Arn, AuthType: NONE}
)");
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve function URLs");

TEST_CASE("a function URL has its own origin on the serve port, reached with curl by its Host") {
    ServeProcess serve({"-q", "-l", sample_library("libhttp_api.so"), "-H", "echo",
                        "--function-url", "--no-schedules"});
    const std::string host = url_host(serve, "http_api");
    const std::string id = host.substr(0, 32);
    CHECK(serve.log().find("(or http://127.0.0.1:" + std::to_string(serve.port()) +
                           "/_lambda-url/http_api/)") != std::string::npos);

    // curl resolves <anything>.localhost to the loopback itself.
    CurlAnswer answer =
        curl({"http://" + host + "/orders/42?tag=a&tag=b", "-H", "Content-Type: application/json",
              "-H", "X-Forwarded-For: 203.0.113.9", "--data", R"({"qty":1})"});
    INFO(answer.headers << "\n" << answer.body);
    REQUIRE(answer.status == 200);
    json event = parse_json(answer.body);
    CHECK(event["version"] == "2.0");
    CHECK(event["routeKey"] == "$default");
    CHECK(event["rawPath"] == "/orders/42");
    CHECK(event["rawQueryString"] == "tag=a&tag=b");
    CHECK(event["queryStringParameters"] == json{{"tag", "a,b"}});
    CHECK(event["body"] == R"({"qty":1})");
    CHECK(event["headers"]["host"] == host);
    CHECK(event["headers"]["x-forwarded-for"] == "203.0.113.9, 127.0.0.1");
    CHECK(std::regex_match(event["headers"]["x-amzn-trace-id"].get<std::string>(),
                           std::regex("Root=1-[0-9a-f]{8}-[0-9a-f]{24}")));
    const json& context = event["requestContext"];
    CHECK(context["accountId"] == "anonymous");
    CHECK(context["apiId"] == id);
    CHECK(context["domainName"] == host);
    CHECK(context["domainPrefix"] == id);
    CHECK(context["stage"] == "$default");
    CHECK(context["routeKey"] == "$default");
    CHECK(context["http"]["method"] == "POST");
    CHECK(context["http"]["path"] == "/orders/42");
    CHECK_FALSE(context.contains("authorizer"));

    // Without its Host: the path prefix, by name or url-id; the event is the same shape.
    for (const std::string& prefix : {std::string("/_lambda-url/http_api"), "/_lambda-url/" + id}) {
        Response r = serve_request(serve, "GET", prefix + "/a/b?x=1");
        INFO(describe(r));
        REQUIRE(r.status == 200);
        json by_prefix = parse_json(r.body);
        CHECK(by_prefix["rawPath"] == "/a/b");
        CHECK(by_prefix["headers"]["host"] == host);
        CHECK(by_prefix["requestContext"]["domainPrefix"] == id);
    }
    // A URL that does not exist, and the API beside the URL.
    CHECK(curl({"http://0123456789abcdef0123456789abcdef.lambda-url.localhost:" +
                std::to_string(serve.port()) + "/"})
              .status == 404);
    Response api = serve_request(serve, "GET", "/pets");
    CHECK(api.status == 200);
    CHECK(parse_json(api.body)["requestContext"]["apiId"] == "locallocal");
}

TEST_CASE("AWS_IAM: botocore-signed requests pass; unsigned, wrong-secret and tampered ones get "
          "403") {
    TempDir dir;
    RunOptions options;
    options.extra_env = {{"AWS_ACCESS_KEY_ID", k_access_key},
                         {"AWS_SECRET_ACCESS_KEY", k_secret_key}};
    options.extra_env.emplace_back("AWS_SESSION_TOKEN", "");
    ServeProcess serve({"-q", "--template", write_url_template(dir), "--no-schedules"}, options);
    const std::string host = url_host(serve, "Echo");
    const std::string script = R"(
import json, sys, requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
host, port, key, secret = sys.argv[1:5]
base, local = "http://" + host, "http://127.0.0.1:" + port
def prepared(method, path, body=b"", creds=None, query=False):
    request = AWSRequest(method=method, url=base + path, data=body,
                         headers={"Content-Type": "application/json"})
    creds = creds or Credentials(key, secret)
    signer = SigV4QueryAuth(creds, "lambda", "us-east-1", expires=300) if query \
        else SigV4Auth(creds, "lambda", "us-east-1")
    signer.add_auth(request)
    return request.prepare()
def send(p, url=None, body=None):
    # requests cannot resolve *.localhost: to 127.0.0.1 with the URL's Host header.
    headers = dict(p.headers.items())
    headers["Host"] = host
    r = requests.request(p.method, (url or p.url).replace(base, local, 1), headers=headers,
                         data=p.body if body is None else body, timeout=30)
    return r
def summary(r):
    out = {"status": r.status_code, "body": r.text, "error_type": r.headers.get("x-amzn-ErrorType")}
    if r.status_code == 200:
        out["event"] = r.json()
    return out
out = {}
out["signed_post"] = summary(send(prepared("POST", "/orders?x=1", b'{"qty":1}')))
out["signed_get"] = summary(send(prepared("GET", "/a%20b/c")))
out["presigned"] = summary(send(prepared("GET", "/report?month=1", query=True)))
unsigned = requests.post(local + "/orders", data=b"{}", headers={"Host": host}, timeout=30)
out["unsigned"] = summary(unsigned)
out["wrong_secret"] = summary(send(prepared("POST", "/orders", b"{}",
                                             creds=Credentials(key, "not-the-secret"))))
out["wrong_key"] = summary(send(prepared("POST", "/orders", b"{}",
                                          creds=Credentials("AKIDSOMEONEELSE", secret))))
p = prepared("POST", "/orders", b'{"qty":1}')
out["tampered_body"] = summary(send(p, body=b'{"qty":100}'))
out["tampered_path"] = summary(send(p, url=base + "/admin"))
print(json.dumps(out))
)";
    json out =
        run_python_json(script, {host, std::to_string(serve.port()), k_access_key, k_secret_key});
    INFO(out.dump(2));
    for (const char* allowed : {"signed_post", "signed_get", "presigned"}) {
        INFO(allowed);
        REQUIRE(out[allowed]["status"] == 200);
        const json& context = out[allowed]["event"]["requestContext"];
        CHECK(context["accountId"] == "123456789012");
        CHECK(context["authorizer"]["iam"]["accessKey"] == k_access_key);
        CHECK(context["authorizer"]["iam"]["userArn"] ==
              "arn:aws:iam::123456789012:user/lambda-local");
        CHECK(context["domainName"] == host);
    }
    CHECK(out["signed_post"]["event"]["body"] == R"({"qty":1})");
    CHECK(out["signed_post"]["event"]["rawQueryString"] == "x=1");
    CHECK(out["signed_get"]["event"]["rawPath"] == "/a%20b/c");
    for (const char* refused :
         {"unsigned", "wrong_secret", "wrong_key", "tampered_body", "tampered_path"}) {
        INFO(refused);
        CHECK(out[refused]["status"] == 403);
        CHECK(out[refused]["body"] == k_forbidden);
        CHECK(out[refused]["error_type"] == "AccessDeniedException");
    }
    // The log says why, the client only that it is forbidden.
    CHECK(serve.wait_for_log("lambda-local: Echo: AWS_IAM: the request is not signed"));
    CHECK(serve.wait_for_log("lambda-local: Echo: AWS_IAM: the signature does not match"));
    CHECK(serve.wait_for_log(
        "lambda-local: Echo: AWS_IAM: the access key AKIDSOMEONEELSE is not the configured one"));
}

TEST_CASE("a function URL answers with its own CORS, its response inference and its errors") {
    TempDir dir;
    ServeProcess serve({"-q", "--template", write_url_template(dir), "--no-schedules",
                        "--access-key-id", k_access_key, "--secret-access-key", k_secret_key});
    const std::string echo = url_host(serve, "Echo");
    const std::string open = url_host(serve, "Open");
    const std::string failing = url_host(serve, "Failing");
    CHECK(serve.log().find("/_lambda-url/Open/); RESPONSE_STREAM") != std::string::npos);

    // A preflight is answered by the URL's CORS, without a signature.
    CurlAnswer preflight =
        curl({"-X", "OPTIONS", "http://" + echo + "/orders", "-H", "Origin: https://app.example",
              "-H", "Access-Control-Request-Method: POST"});
    INFO(preflight.headers);
    CHECK(preflight.status == 204);
    CHECK(preflight.headers.find("access-control-allow-origin: https://app.example") !=
          std::string::npos);
    CHECK(preflight.headers.find("access-control-allow-methods: GET,POST") != std::string::npos);
    CHECK(preflight.headers.find("access-control-max-age: 600") != std::string::npos);
    // The 403 of an unsigned request carries the CORS headers too (a browser can read it).
    CurlAnswer refused = curl({"http://" + echo + "/orders", "-H", "Origin: https://app.example"});
    CHECK(refused.status == 403);
    CHECK(refused.body == k_forbidden);
    CHECK(refused.headers.find("access-control-allow-origin: https://app.example") !=
          std::string::npos);

    // "Hello" without a statusCode: 200, application/json, the JSON text as the body.
    CurlAnswer hello = curl({"http://" + open + "/"});
    INFO(hello.headers);
    CHECK(hello.status == 200);
    CHECK(hello.body == "\"Hello\"");
    CHECK(hello.headers.find("content-type: application/json") != std::string::npos);
    // A function error: 502.
    CHECK(curl({"http://" + failing + "/"}).status == 502);
    // The template's HTTP API still serves Echo on 127.0.0.1.
    CHECK(serve_request(serve, "GET", "/echo").status == 200);
}

TEST_CASE("gateway fidelity: X-Forwarded-For is appended to, X-Amzn-Trace-Id added or kept, "
          "REST binary by Accept") {
    TempDir dir;
    std::string path = dir.write("template.yaml", R"(Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: )" + samples_dir() + R"(, Runtime: provided.al2023, Timeout: 10}
  Api: {BinaryMediaTypes: [image~1png]}
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:echo
      Events:
        Rest: {Type: Api, Properties: {Path: /echo, Method: GET}}
        Http: {Type: HttpApi, Properties: {Path: /echo, Method: GET}}
  Binary:
    Type: AWS::Serverless::Function
    Properties:
      Handler: libhttp_api.so:binary
      Events:
        Rest: {Type: Api, Properties: {Path: /binary, Method: GET}}
)");
    ServeProcess serve({"-q", "--template", path, "--no-schedules"});
    for (const char* target : {"/Prod/echo", "/echo"}) {
        INFO(target);
        Response fresh = serve_request(serve, "GET", target);
        REQUIRE(fresh.status == 200);
        json headers = parse_json(fresh.body)["headers"];
        bool rest = std::string(target) == "/Prod/echo";
        std::string trace = headers[rest ? "X-Amzn-Trace-Id" : "x-amzn-trace-id"];
        CHECK(std::regex_match(trace, std::regex("Root=1-[0-9a-f]{8}-[0-9a-f]{24}")));
        CHECK(headers[rest ? "X-Forwarded-For" : "x-forwarded-for"] == "127.0.0.1");

        Response forwarded =
            serve_request(serve, "GET", target,
                          {{"X-Forwarded-For", "203.0.113.1, 198.51.100.2"},
                           {"X-Amzn-Trace-Id", "Root=1-5f84c7a9-0123456789abcdef01234567"}});
        REQUIRE(forwarded.status == 200);
        headers = parse_json(forwarded.body)["headers"];
        CHECK(headers[rest ? "X-Forwarded-For" : "x-forwarded-for"] ==
              "203.0.113.1, 198.51.100.2, 127.0.0.1");
        CHECK(headers[rest ? "X-Amzn-Trace-Id" : "x-amzn-trace-id"] ==
              "Root=1-5f84c7a9-0123456789abcdef01234567");
    }
    // isBase64Encoded on a REST API: binary only when the first Accept type is a binary one.
    CHECK(serve_request(serve, "GET", "/Prod/binary", {{"Accept", "image/png"}}).body ==
          std::string("\x89PNG\r\n\x1a\n", 8));
    CHECK(serve_request(serve, "GET", "/Prod/binary", {{"Accept", "*/*"}}).body == "iVBORw0KGgo=");
    CHECK(serve_request(serve, "GET", "/Prod/binary", {{"Accept", "text/html,image/png;q=0.9"}})
              .body == "iVBORw0KGgo=");
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
