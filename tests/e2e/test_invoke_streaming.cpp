// End-to-end tests of `lambda-local invoke` on functions that stream their response (native
// ABI version 2, docs/streaming.md): the bytes reach stdout as the handler writes them, raw,
// and an error after the stream began goes to stderr.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace lambda_local::e2e {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A directory the sandboxed handler can see (the environment's /tmp is its own; the build
// tree is visible, read-only, to the sandbox user), removed with this object.
class GateDirectory {
  public:
    GateDirectory() {
        std::random_device random;
        m_path = std::string(LL_SAMPLES_DIR) + "/e2e-gates/" + std::to_string(random());
        fs::create_directories(m_path);
        for (const std::string& dir : {std::string(LL_SAMPLES_DIR) + "/e2e-gates", m_path}) {
            ::chmod(dir.c_str(), 0755);
        }
    }
    GateDirectory(const GateDirectory&) = delete;
    GateDirectory& operator=(const GateDirectory&) = delete;
    ~GateDirectory() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

  private:
    std::string m_path;
};

std::vector<std::string> invoke_stream(const std::string& handler, const std::string& event) {
    return {"invoke", "-l", sample_library("libstream_cpp.so"), "-H", handler, "-d", event};
}

} // namespace

TEST_SUITE_BEGIN("e2e::invoke streaming");

TEST_CASE("a streamed piece reaches stdout while the handler still runs") {
    GateDirectory gates;
    const std::string gate = gates.file("gate");
    RunOptions options;
    options.bound = std::chrono::seconds(60);
    // The handler writes "second\n" only once the gate exists, and the gate is made only once
    // stdout shows "first\n": the second piece proves the first came out while it ran.
    options.when_stdout_contains = "first\n";
    bool opened = false;
    options.on_stdout = [&] {
        std::ofstream(gate) << "open\n";
        opened = true;
    };
    const ProcessResult r =
        lambda_local({"invoke", "-t", "30", "-l", sample_library("libstream_cpp.so"), "-H",
                      "stream_gated", "-d", json({{"gate", gate}}).dump()},
                     options);
    INFO(describe(r));
    CHECK(opened);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "first\nsecond\n");
    CHECK(r.err.find("Task timed out") == std::string::npos);
}

TEST_CASE("invoke writes a streamed response raw, the HTTP prelude included") {
    SUBCASE("text") {
        const ProcessResult r = lambda_local(invoke_stream("stream_text", "{}"));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "chunk 1\nchunk 2\nchunk 3\n");
    }
    SUBCASE("binary") {
        const ProcessResult r = lambda_local(invoke_stream("stream_binary", "{}"));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        std::string expected;
        for (int i = 0; i < 256; ++i) {
            expected += static_cast<char>(i);
        }
        expected += std::string(expected.rbegin(), expected.rend());
        CHECK(r.out == expected);
    }
    SUBCASE("HTTP integration form") {
        const ProcessResult r = lambda_local(invoke_stream("stream_http", "{}"));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        const std::string prelude =
            R"({"statusCode":201,"headers":{"content-type":"text/plain","x-streamed":"yes"},)"
            R"("cookies":["flavour=oat; Path=/"]})";
        CHECK(r.out == prelude + std::string(8, '\0') + "hello world\n");
    }
}

TEST_CASE("an error after the stream began: the bytes on stdout, Lambda's error on stderr") {
    const ProcessResult r = lambda_local(invoke_stream("stream_fail", "{}"));
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.out == "partial");
    CHECK(r.err.find(R"({"errorMessage":"went wrong mid-stream","errorType":"StreamFailure",)") !=
          std::string::npos);
    CHECK(r.err.find("lambda-local: the response stream ended after 7 bytes: the function "
                     "reported StreamFailure") != std::string::npos);
}

TEST_CASE("a function that times out mid-stream keeps what it wrote") {
    const ProcessResult r = lambda_local(
        {"invoke", "-t", "1", "-l", sample_library("libstream_cpp.so"), "-H", "stream_forever"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.out == "before the timeout\n");
    CHECK(r.err.find("Task timed out after 1.00 seconds") != std::string::npos);
    CHECK(r.err.find("the response stream ended after 19 bytes: the function timed out") !=
          std::string::npos);
}

TEST_CASE("the Rust streaming sample streams lines, and fails mid-stream when asked to") {
    const std::string library = rust_sample_library("librust_streaming.so");
    SUBCASE("lines") {
        const ProcessResult r =
            lambda_local({"invoke", "-l", library, "-H", "handle", "-d", R"({"lines": 2})"});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "line 1 of 2\nline 2 of 2\n");
    }
    SUBCASE("mid-stream error") {
        const ProcessResult r = lambda_local(
            {"invoke", "-l", library, "-H", "handle", "-d", R"({"lines": 2, "fail": true})"});
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(r.out == "line 1 of 2\n");
        CHECK(r.err.find(R"("errorType":"RustStreamError")") != std::string::npos);
    }
    SUBCASE("HTTP") {
        const ProcessResult r = lambda_local({"invoke", "-l", library, "-H", "handle_http"});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == R"({"statusCode":200,"headers":{"content-type":"text/html"},)"
                       R"("cookies":["lang=rust"]})" +
                           std::string(8, '\0') + "<p>streamed from rust</p>\n");
    }
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
