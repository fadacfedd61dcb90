// Tests of ApplicationLogReader: a function's output bytes into log lines, as Lambda filters them.
#include "runtime/application_log.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace lambda_local::runtime;

namespace {

LoggingConfig json_at(LogLevel level) {
    LoggingConfig config;
    config.format = LogFormat::Json;
    config.application_level = level;
    return config;
}

// The lines kept of `output` given in one piece and flushed at its end.
std::vector<std::string> lines_of(const LoggingConfig& config, const std::string& output) {
    ApplicationLogReader reader(config);
    std::vector<std::string> lines;
    reader.feed(output, lines);
    reader.flush(lines);
    return lines;
}

// The same, `output` given `size` bytes at a time.
std::vector<std::string> lines_in_chunks(const LoggingConfig& config, const std::string& output,
                                         std::size_t size) {
    ApplicationLogReader reader(config);
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < output.size(); at += size) {
        reader.feed(std::string_view(output).substr(at, size), lines);
    }
    reader.flush(lines);
    return lines;
}

using Lines = std::vector<std::string>;

const std::string k_each_level = R"({"level":"TRACE","msg":"t"}
{"level":"debug","msg":"d"}
{"level":"Info","msg":"i"}
{"level":"WARN","msg":"w"}
{"level":"error","msg":"e"}
{"level":"FATAL","msg":"f"}
)";

} // namespace

TEST_SUITE("runtime::ApplicationLogReader") {

    TEST_CASE("with Text every line is kept as written, whatever it holds") {
        const std::string output = "plain\n{\"level\":\"TRACE\"}\n\n  indented\t\r\nlast";
        CHECK(lines_of({}, output) ==
              Lines{"plain", "{\"level\":\"TRACE\"}", "", "  indented\t\r", "last"});
    }

    TEST_CASE("lines split anywhere across reads come out whole, in order") {
        const std::string output = "first line\nsecond, longer line\n{\"level\":\"ERROR\"}\nend\n";
        const Lines whole = lines_of(json_at(LogLevel::Info), output);
        CHECK(whole == Lines{"first line", "second, longer line", "{\"level\":\"ERROR\"}", "end"});
        for (std::size_t size : {1u, 2u, 3u, 7u, 64u}) {
            CAPTURE(size);
            CHECK(lines_in_chunks(json_at(LogLevel::Info), output, size) == whole);
        }
    }

    TEST_CASE("a line in progress waits for its end, and flush ends it") {
        ApplicationLogReader reader({});
        Lines lines;
        reader.feed("no newline yet", lines);
        CHECK(lines.empty());
        reader.feed(", still", lines);
        CHECK(lines.empty());
        reader.flush(lines);
        CHECK(lines == Lines{"no newline yet, still"});
        reader.flush(lines);
        CHECK(lines.size() == 1); // nothing in progress: nothing added
        reader.feed("next\n", lines);
        CHECK(lines.back() == "next");
    }

    TEST_CASE("with JSON a line's level keeps it or drops it, from TRACE to FATAL") {
        CHECK(lines_of(json_at(LogLevel::Trace), k_each_level).size() == 6);
        CHECK(lines_of(json_at(LogLevel::Debug), k_each_level).size() == 5);
        CHECK(lines_of(json_at(LogLevel::Info), k_each_level) ==
              Lines{R"({"level":"Info","msg":"i"})", R"({"level":"WARN","msg":"w"})",
                    R"({"level":"error","msg":"e"})", R"({"level":"FATAL","msg":"f"})"});
        CHECK(lines_of(json_at(LogLevel::Warn), k_each_level).size() == 3);
        CHECK(lines_of(json_at(LogLevel::Error), k_each_level).size() == 2);
        CHECK(lines_of(json_at(LogLevel::Fatal), k_each_level) ==
              Lines{R"({"level":"FATAL","msg":"f"})"});
    }

    TEST_CASE("a kept JSON line is the function's bytes, not encoded again") {
        const std::string line = R"(  { "level" : "warn",  "msg":"caf\u00e9 €", "n": 1.50 }  )";
        CHECK(lines_of(json_at(LogLevel::Warn), line + "\n") == Lines{line});
    }

    TEST_CASE("a missing or invalid level counts as INFO") {
        SUBCASE("the level of each kind of line") {
            CHECK(ApplicationLogReader::level_of(R"({"level":"DEBUG"})") == LogLevel::Debug);
            CHECK(ApplicationLogReader::level_of(R"({"msg":"no level"})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":"VERBOSE"})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":"WARNING"})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":""})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":20})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":null})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":true})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":["ERROR"]})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":{"name":"ERROR"}})") ==
                  LogLevel::Info);
            // Only the top level counts; the last "level" when there are several.
            CHECK(ApplicationLogReader::level_of(R"({"ctx":{"level":"ERROR"}})") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":"DEBUG","x":{"level":"FATAL"}})") ==
                  LogLevel::Debug);
            CHECK(ApplicationLogReader::level_of(R"({"level":"DEBUG","level":"ERROR"})") ==
                  LogLevel::Error);
        }
        SUBCASE("lines that are not a JSON object: text at INFO") {
            CHECK(ApplicationLogReader::level_of("plain text with level ERROR") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"(["level","ERROR"])") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"("level")") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":"ERROR")") == LogLevel::Info);
            CHECK(ApplicationLogReader::level_of(R"({"level":"ERROR"} trailing)") ==
                  LogLevel::Info);
            CHECK(ApplicationLogReader::level_of("") == LogLevel::Info);
        }
        SUBCASE("so they are kept at INFO and dropped at WARN") {
            const std::string output = "plain\n{\"msg\":1}\n{\"level\":7}\n{\"level\":\"ERROR\"}\n";
            CHECK(lines_of(json_at(LogLevel::Info), output).size() == 4);
            CHECK(lines_of(json_at(LogLevel::Warn), output) == Lines{R"({"level":"ERROR"})"});
        }
    }

    TEST_CASE("lines that look like the platform's records are the function's, filtered the same") {
        const std::string forged =
            R"({"time":"2024-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"x"}})";
        const std::string output =
            forged + "\nREPORT RequestId: x\tDuration: 1.00 ms\t\n" + "\x1e" + "GET / 200 fn\n";
        CHECK(lines_of(json_at(LogLevel::Info), output) ==
              Lines{forged, "REPORT RequestId: x\tDuration: 1.00 ms\t", "\x1eGET / 200 fn"});
        CHECK(lines_of(json_at(LogLevel::Error), output).empty());
    }

    TEST_CASE("invalid UTF-8 and NUL bytes pass through as text, never as JSON") {
        const std::string invalid = std::string("{\"level\":\"ERROR\",\"msg\":\"\xff\xfe\"}");
        const std::string with_nul = std::string("{\"level\":\"ERROR\"}\0tail", 22);
        const std::string output = invalid + "\n" + with_nul + "\n" + "\xc3\x28 text\n";
        CHECK(ApplicationLogReader::level_of(invalid) == LogLevel::Info);
        CHECK(ApplicationLogReader::level_of(with_nul) == LogLevel::Info);
        CHECK(lines_of(json_at(LogLevel::Info), output) ==
              Lines{invalid, with_nul, "\xc3\x28 text"});
        CHECK(lines_of(json_at(LogLevel::Error), output).empty());
    }

    TEST_CASE("a line longer than the cap is cut into pieces, and memory stays bounded") {
        SUBCASE("megabytes without a newline, a byte at a time or all at once") {
            const std::string flood(3 * k_max_log_line_bytes + 100, 'x');
            for (std::size_t size : {std::size_t{4096}, std::size_t{65536}, flood.size()}) {
                CAPTURE(size);
                ApplicationLogReader reader({});
                Lines lines;
                for (std::size_t at = 0; at < flood.size(); at += size) {
                    reader.feed(std::string_view(flood).substr(at, size), lines);
                    for (const std::string& line : lines) {
                        CHECK(line.size() == k_max_log_line_bytes);
                    }
                }
                CHECK(lines.size() == 3); // whole pieces only, the rest still in progress
                reader.feed("!\n", lines);
                REQUIRE(lines.size() == 4);
                CHECK(lines[3] == std::string(100, 'x') + "!");
            }
        }
        SUBCASE("a cut does not split a UTF-8 character") {
            std::string line(k_max_log_line_bytes - 1, 'a');
            line += "\xe2\x82\xac"; // '€' straddles the cap
            line += "rest";
            Lines lines = lines_of({}, line + "\n");
            REQUIRE(lines.size() == 2);
            CHECK(lines[0] == std::string(k_max_log_line_bytes - 1, 'a'));
            CHECK(lines[1] == "\xe2\x82\xacrest");
        }
        SUBCASE("the pieces of a JSON line are text at INFO") {
            std::string big =
                R"({"level":"DEBUG","msg":")" + std::string(k_max_log_line_bytes, 'd') + "\"}";
            CHECK(lines_of(json_at(LogLevel::Info), big + "\n").size() == 2);
            CHECK(lines_of(json_at(LogLevel::Warn), big + "\n").empty());
            // Exactly at the cap it is whole, and its level counts.
            std::string at_cap = R"({"level":"DEBUG","msg":")";
            at_cap += std::string(k_max_log_line_bytes - at_cap.size() - 2, 'd') + "\"}";
            REQUIRE(at_cap.size() == k_max_log_line_bytes);
            CHECK(lines_of(json_at(LogLevel::Info), at_cap + "\n").empty());
            CHECK(lines_of(json_at(LogLevel::Debug), at_cap + "\n") == Lines{at_cap});
        }
    }

    TEST_CASE("deeply nested JSON is read without recursion") {
        std::string deep = R"({"level":"ERROR","x":)";
        deep += std::string(100000, '[') + std::string(100000, ']') + "}";
        CHECK(ApplicationLogReader::level_of(deep) == LogLevel::Error);
        CHECK(ApplicationLogReader::level_of(std::string(200000, '{')) == LogLevel::Info);
    }

} // TEST_SUITE
