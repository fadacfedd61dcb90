// End-to-end tests of a custom runtime that streams its response (`invoke --bootstrap` of the
// streaming sample, docs/custom-runtimes.md "Response streaming"): the bytes exactly as
// streamed, the HTTP form kept byte for byte, and a mid-stream error reported.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <string>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

ProcessResult invoke_streaming(const json& event, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"invoke", "--bootstrap", sample_library("bootstrap-streaming"),
                                  "-d",     event.dump(),  "-t",
                                  "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    return lambda_local(args);
}

} // namespace

TEST_SUITE_BEGIN("e2e::runtime_api_streaming");

TEST_CASE("a streamed response reaches stdout byte for byte") {
    LeftoverWatch watch;
    // Pieces that look like chunk framing stay bytes; 70000 bytes more span several chunks.
    const ProcessResult r =
        invoke_streaming({{"pieces", {"first ", "0\r\n\r\n", "third"}}, {"bytes", 70000}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "first 0\r\n\r\nthird" + std::string(70000, 'x'));
    CHECK(find_line_starting(split_lines(r.err), "REPORT RequestId: ").has_value());
}

TEST_CASE("the HTTP form's prelude, its 8 NUL bytes and the body are kept as streamed") {
    LeftoverWatch watch;
    const json prelude = {
        {"statusCode", 201}, {"headers", {{"Content-Type", "text/html"}}}, {"cookies", {"a=b"}}};
    const ProcessResult r = invoke_streaming({{"http", prelude}, {"pieces", {"<p>", "hi</p>"}}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == prelude.dump() + std::string(8, '\0') + "<p>hi</p>");
}

TEST_CASE("an error in the trailers after the stream began fails the invocation") {
    LeftoverWatch watch;
    const ProcessResult r = invoke_streaming({{"pieces", {"partial"}}, {"fail", "broke midway"}});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    // The error is reported (its JSON as the payload, or after the bytes already streamed).
    const std::string all = r.out + r.err;
    CHECK(all.find("StreamError") != std::string::npos);
    CHECK(all.find("broke midway") != std::string::npos);
}

TEST_CASE("a runtime that exits mid-stream is Runtime.ExitError") {
    LeftoverWatch watch;
    const ProcessResult r = invoke_streaming({{"pieces", {"cut"}}, {"exit", true}});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK((r.out + r.err).find("Runtime.ExitError") != std::string::npos);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
