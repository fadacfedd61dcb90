// Tests of LogResult: the end of an invocation's log, as the Invoke API and `invoke` give it.
#include "runtime/logs/log_result.hpp"

#include "runtime/util/encoding.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace lambda_local::runtime;

TEST_SUITE("runtime::LogResult") {

    TEST_CASE("the log tail is the last 4 KB, cut at a line or a UTF-8 character") {
        SUBCASE("a short log is whole") {
            CHECK(tail_of_log("") == "");
            CHECK(tail_of_log("a\nb\n") == "a\nb\n");
            const std::string exactly(4096, 'x');
            CHECK(tail_of_log(exactly) == exactly);
        }
        SUBCASE("a long log starts at the first line inside the window") {
            std::string log;
            for (int i = 0; i < 100; ++i) {
                log += std::string(99, static_cast<char>('a' + i % 26)) + "\n"; // 100-byte lines
            }
            std::string tail = tail_of_log(log);
            CHECK(tail.size() == 4000);
            CHECK(tail == log.substr(log.size() - 4000));
        }
        SUBCASE("a window that starts on a line keeps all of it") {
            std::string log;
            for (int i = 0; i < 128; ++i) {
                log += std::string(63, 'z') + "\n"; // 64-byte lines
            }
            CHECK(tail_of_log(log) == log.substr(log.size() - 4096));
        }
        SUBCASE("one long line starts at a character, not inside one") {
            std::string euros;
            for (int i = 0; i < 2000; ++i) {
                euros += "\xe2\x82\xac"; // U+20AC, three bytes
            }
            std::string tail = tail_of_log(euros);
            CHECK(tail.size() == 4095);
            CHECK(tail == euros.substr(euros.size() - 4095));
            CHECK(tail_of_log(euros + "\n") == euros.substr(euros.size() - 4095) + "\n");
        }
    }

    TEST_CASE("LogResult is the tail in base64") {
        CHECK(log_result("START RequestId: 1 Version: $LATEST\n") ==
              lambda_local::base64_encode("START RequestId: 1 Version: $LATEST\n"));
        std::string log(10000, 'x');
        CHECK(lambda_local::base64_decode(log_result(log)) == std::string(4096, 'x'));
    }

    TEST_CASE("a log kept for its tail stays small and keeps the same tail") {
        std::string kept;
        std::string whole;
        for (int i = 0; i < 20000; ++i) {
            const std::string line = "line " + std::to_string(i) + " \xc3\xa9\xc3\xa9\n";
            keep_log_tail(kept, line);
            whole += line;
            CHECK(kept.size() <= 64 * 1024);
            if (i % 997 == 0) {
                CHECK(tail_of_log(kept) == tail_of_log(whole));
            }
        }
        CHECK(tail_of_log(kept) == tail_of_log(whole));
        keep_log_tail(kept, std::string(300 * 1024, 'x')); // one line longer than all of it
        CHECK(kept.size() == 8192);
        CHECK(tail_of_log(kept) == std::string(4096, 'x'));
    }
} // TEST_SUITE
