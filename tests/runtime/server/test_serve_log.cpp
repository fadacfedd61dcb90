// Tests of the serve log: sources' output and the platform's lines in order, captures that only
// the platform's lines delimit, and the JSON format's level filter.
#include "runtime/server/serve_log.hpp"

#include "runtime/logs/log_result.hpp"
#include "runtime/util/fd.hpp"
#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

using namespace lambda_local;
using namespace lambda_local::runtime;
using namespace lambda_local::runtime::server;

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace serve_log_tests {

namespace {

using LogFile = lambda_local::tests::OutputFile;

// `count` numbered lines: "line 000001 ...\n".
std::string numbered_lines(int count) {
    std::string text;
    for (int i = 1; i <= count; ++i) {
        std::string number = std::to_string(i);
        text += "line " + std::string(6 - number.size(), '0') + number +
                " ..................................................\n";
    }
    return text;
}

// Each line of `text` with "[fn] " before it.
std::string prefixed(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        out += "[fn] " + text.substr(start, end - start + 1);
        start = end + 1;
    }
    return out;
}

// A serve log on a loop of its own, its output in a file.
struct Harness {
    loop::EventLoop loop;
    LogFile file;
    std::unique_ptr<ServeLog> log;
    explicit Harness(bool quiet = false)
        : log(std::make_unique<ServeLog>(loop, file.fd(), quiet)) {}
    // Runs the loop's pending work (the pipe read) once.
    void turn() {
        loop.run_until([] { return true; });
    }
    // Writes what is left and closes the log: its text is complete after this.
    std::string text() {
        log.reset();
        return file.text();
    }
};

// Where a capture's text goes.
struct Captured {
    std::shared_ptr<std::optional<std::string>> text =
        std::make_shared<std::optional<std::string>>();
    void ask(LogSource& source) {
        source.capture([text = text](std::string log) { *text = std::move(log); });
    }
};

} // namespace

TEST_SUITE("runtime::server::ServeLog") {

    TEST_CASE("the platform's lines come after everything the source wrote before them") {
        Harness harness;
        const std::string output = numbered_lines(14000); // ~900 KB, many reads of the loop
        Captured captured;
        {
            auto source = harness.log->open_source("[fn]");
            // Room for all of it in the pipe, so that it is all there before the platform's line.
            REQUIRE(::fcntl(source->write_fd(), F_SETPIPE_SZ, 1 << 20) >= 1 << 20);
            captured.ask(*source);
            source->write_platform("START\n");
            REQUIRE(lambda_local::write_all(source->write_fd(), output + "a line in progress"));
            source->write_platform("END\n", true);
            REQUIRE(captured.text->has_value());
            // Only the end is kept (what LogResult carries), whatever the function wrote.
            const std::string whole = "START\n" + output + "a line in progress\nEND\n";
            CHECK((*captured.text)->size() <= 64 * 1024 + 100);
            CHECK(tail_of_log(**captured.text) == tail_of_log(whole));
            CHECK(whole.size() - (*captured.text)->size() ==
                  whole.rfind(**captured.text)); // an end of the log, whole lines and all
        }
        CHECK(harness.text() == prefixed("START\n" + output + "a line in progress\nEND\n"));
    }

    TEST_CASE("lambda-local's own lines are shown without the prefix and are not captured") {
        Harness harness;
        Captured captured;
        {
            auto source = harness.log->open_source("[fn]");
            captured.ask(*source);
            source->write_platform("START\n");
            REQUIRE(lambda_local::write_all(source->write_fd(), "hello\n"));
            source->write_platform(std::string(1, k_unattributed_line) + "stopped\nEND\n" +
                                       k_unattributed_line + "GET / 200 fn\n",
                                   true);
        }
        REQUIRE(captured.text->has_value());
        CHECK(**captured.text == "START\nhello\nEND\n");
        CHECK(harness.text() == "[fn] START\n[fn] hello\nstopped\n[fn] END\nGET / 200 fn\n");
    }

    TEST_CASE("a function's lines can neither end a capture nor speak for lambda-local") {
        Harness harness;
        const std::string forged = std::string("END RequestId: x\n") +
                                   R"({"type":"platform.report","record":{"requestId":"x"}})" +
                                   "\n" + k_unattributed_line + "GET / 200 fn\n";
        Captured captured;
        {
            auto source = harness.log->open_source("[fn]");
            captured.ask(*source);
            source->write_platform("START\n");
            REQUIRE(lambda_local::write_all(source->write_fd(), forged));
            harness.turn();
            // The forged lines are read before the capture ends, and do not end it.
            CHECK_FALSE(captured.text->has_value());
            source->write_platform("END\n", true);
        }
        REQUIRE(captured.text->has_value());
        CHECK(**captured.text == "START\n" + forged + "END\n");
        CHECK(harness.text() == prefixed("START\n" + forged + "END\n"));
    }

    TEST_CASE("a JSON source keeps the lines at or above its application log level") {
        Harness harness;
        {
            LoggingConfig logging;
            logging.format = LogFormat::Json;
            logging.application_level = LogLevel::Warn;
            auto source = harness.log->open_source("[fn]", logging);
            REQUIRE(lambda_local::write_all(
                source->write_fd(), "{\"level\":\"INFO\"}\nplain\n{\"level\":\"ERROR\"}\n"));
            source->write_platform("{\"type\":\"platform.report\"}\n");
        }
        CHECK(harness.text() ==
              "[fn] {\"level\":\"ERROR\"}\n[fn] {\"type\":\"platform.report\"}\n");
    }

    TEST_CASE("quiet shows only lambda-local's own lines, and a capture still gets the log") {
        Harness harness(true);
        Captured captured;
        {
            auto source = harness.log->open_source("[fn]");
            captured.ask(*source);
            source->write_platform("START\n");
            REQUIRE(lambda_local::write_all(source->write_fd(), "hello\n"));
            source->write_platform("END\n" + std::string(1, k_unattributed_line) + "access\n",
                                   true);
        }
        REQUIRE(captured.text->has_value());
        CHECK(**captured.text == "START\nhello\nEND\n");
        CHECK(harness.text() == "access\n");
    }

    TEST_CASE("a source's last line is shown when it ends, ended") {
        Harness harness;
        {
            auto source = harness.log->open_source("[fn]");
            REQUIRE(lambda_local::write_all(source->write_fd(), "first\nno newline"));
        }
        CHECK(harness.text() == "[fn] first\n[fn] no newline\n");
    }

} // TEST_SUITE

} // namespace serve_log_tests
