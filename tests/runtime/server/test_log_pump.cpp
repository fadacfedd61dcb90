// Tests of LogPump: sources' output and the platform's lines in order, captures that only the
// platform's lines delimit, and the JSON format's level filter.
#include "runtime/server/log_pump.hpp"

#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

using namespace lambda_local::runtime;
using namespace lambda_local::runtime::server;

namespace {

using LogFile = lambda_local::tests::OutputFile;

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

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

std::string wait_for(std::future<std::string>& captured) {
    REQUIRE(captured.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return captured.get();
}

} // namespace

TEST_SUITE("runtime::server::LogPump") {

    TEST_CASE("the platform's lines come after everything the source wrote before them") {
        LogFile log;
        const std::string output = numbered_lines(14000); // ~900 KB, many of the pump's reads
        {
            LogPump pump(log.fd());
            LogSource source = pump.add_source("[fn]");
            // Room for all of it in the pipe, so that it is all there before the platform's line.
            REQUIRE(::fcntl(source.write.get(), F_SETPIPE_SZ, 1 << 20) >= 1 << 20);
            std::future<std::string> captured = pump.capture(source.id);
            pump.write_platform(source.id, "START\n");
            write_all(source.write.get(), output + "a line in progress");
            pump.write_platform(source.id, "END\n", true);
            CHECK(wait_for(captured) == "START\n" + output + "a line in progress\nEND\n");
        }
        CHECK(log.text() == prefixed("START\n" + output + "a line in progress\nEND\n"));
    }

    TEST_CASE("lambda-local's own lines are shown without the prefix and are not captured") {
        LogFile log;
        std::string captured_text;
        {
            LogPump pump(log.fd());
            LogSource source = pump.add_source("[fn]");
            std::future<std::string> captured = pump.capture(source.id);
            pump.write_platform(source.id, "START\n");
            write_all(source.write.get(), "hello\n");
            pump.write_platform(source.id,
                                std::string(1, k_unattributed_line) + "stopped\nEND\n" +
                                    k_unattributed_line + "GET / 200 fn\n",
                                true);
            captured_text = wait_for(captured);
        }
        CHECK(captured_text == "START\nhello\nEND\n");
        CHECK(log.text() == "[fn] START\n[fn] hello\nstopped\n[fn] END\nGET / 200 fn\n");
    }

    TEST_CASE("a function's lines can neither end a capture nor speak for lambda-local") {
        LogFile log;
        const std::string forged = std::string("END RequestId: x\n") +
                                   R"({"type":"platform.report","record":{"requestId":"x"}})" +
                                   "\n" + k_unattributed_line + "GET / 200 fn\n";
        std::string captured_text;
        {
            LogPump pump(log.fd());
            LogSource source = pump.add_source("[fn]");
            std::future<std::string> captured = pump.capture(source.id);
            pump.write_platform(source.id, "START\n");
            write_all(source.write.get(), forged);
            // The forged lines are read before the capture ends, and do not end it.
            CHECK(captured.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
            pump.write_platform(source.id, "END\n", true);
            captured_text = wait_for(captured);
        }
        CHECK(captured_text == "START\n" + forged + "END\n");
        CHECK(log.text() == prefixed("START\n" + forged + "END\n"));
    }

    TEST_CASE("a JSON source keeps the lines at or above its application log level") {
        LogFile log;
        {
            LogPump pump(log.fd());
            LoggingConfig logging;
            logging.format = LogFormat::Json;
            logging.application_level = LogLevel::Warn;
            LogSource source = pump.add_source("[fn]", logging);
            write_all(source.write.get(), "{\"level\":\"INFO\"}\nplain\n{\"level\":\"ERROR\"}\n");
            pump.write_platform(source.id, "{\"type\":\"platform.report\"}\n");
        }
        CHECK(log.text() == "[fn] {\"level\":\"ERROR\"}\n[fn] {\"type\":\"platform.report\"}\n");
    }

    TEST_CASE("quiet shows only lambda-local's own lines, and a capture still gets the log") {
        LogFile log;
        std::string captured_text;
        {
            LogPump pump(log.fd(), true);
            LogSource source = pump.add_source("[fn]");
            std::future<std::string> captured = pump.capture(source.id);
            pump.write_platform(source.id, "START\n");
            write_all(source.write.get(), "hello\n");
            pump.write_platform(source.id,
                                "END\n" + std::string(1, k_unattributed_line) + "access\n", true);
            captured_text = wait_for(captured);
        }
        CHECK(captured_text == "START\nhello\nEND\n");
        CHECK(log.text() == "access\n");
    }

    TEST_CASE("a source's last line is shown when the pump stops, ended") {
        LogFile log;
        {
            LogPump pump(log.fd());
            LogSource source = pump.add_source("[fn]");
            write_all(source.write.get(), "first\nno newline");
        }
        CHECK(log.text() == "[fn] first\n[fn] no newline\n");
    }

} // TEST_SUITE
