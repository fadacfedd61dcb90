// Tests of OutputRelay: `invoke`'s function output read from a pipe, in order with the
// platform's lines, filtered by level, and the end of the log kept for LogResult.
#include "runtime/output_relay.hpp"

#include "tests/runtime/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

using namespace lambda_local::runtime;

namespace {

using OutputFile = lambda_local::tests::OutputFile;

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

TEST_SUITE("runtime::OutputRelay") {

    TEST_CASE("the platform's lines come after all the output written before them") {
        OutputFile out;
        std::string output;
        for (int i = 0; i < 12000; ++i) {
            output +=
                "output line " + std::to_string(i) + " .......................................\n";
        }
        {
            OutputRelay relay({}, out.fd());
            REQUIRE(::fcntl(relay.write_fd(), F_SETPIPE_SZ, 1 << 20) >= 1 << 20);
            relay.platform("START\n");
            write_all(relay.write_fd(), output + "in progress");
            relay.platform("END\n");
            relay.finish();
        }
        CHECK(out.text() == "START\n" + output + "in progress\nEND\n");
    }

    TEST_CASE("the log keeps what LogResult needs: the end, with the platform's lines") {
        OutputFile out;
        OutputRelay relay({}, out.fd());
        std::string big;
        for (int i = 0; i < 5000; ++i) {
            big += "line " + std::to_string(i) + " of a chatty handler's output\n";
        }
        relay.platform("START\n");
        write_all(relay.write_fd(), big);
        relay.platform("END\nREPORT\n", false);
        relay.own("lambda-local: warning: not in the log\n");
        const std::string log = relay.log();
        CHECK(log.size() >= 4097);
        CHECK(log.size() < 100 * 1024);
        CHECK(log.ends_with("line 4999 of a chatty handler's output\nEND\nREPORT\n"));
        relay.finish();
        // REPORT was kept out of the output (-q), the warning is in it.
        const std::string text = out.text();
        CHECK_FALSE(text.ends_with("REPORT\n"));
        CHECK(text.ends_with("output\nlambda-local: warning: not in the log\n"));
    }

    TEST_CASE("with JSON, lines below the application log level are dropped") {
        OutputFile out;
        LoggingConfig logging;
        logging.format = LogFormat::Json;
        logging.application_level = LogLevel::Error;
        {
            OutputRelay relay(logging, out.fd());
            write_all(relay.write_fd(), "text\n{\"level\":\"WARN\"}\n{\"level\":\"FATAL\"}\n");
            relay.platform("{\"type\":\"platform.report\"}\n");
        }
        CHECK(out.text() == "{\"level\":\"FATAL\"}\n{\"type\":\"platform.report\"}\n");
    }

    TEST_CASE("finish writes what came after the last platform lines") {
        OutputFile out;
        {
            OutputRelay relay({}, out.fd());
            relay.platform("END\n");
            write_all(relay.write_fd(), "late\nlast");
            relay.finish();
            relay.finish(); // twice is harmless
        }
        CHECK(out.text() == "END\nlate\nlast\n");
    }

} // TEST_SUITE
