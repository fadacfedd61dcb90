// Tests of reading, checking and converting invocation events.
#include "runtime/invoke/event_file.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using lambda_local::Error;
using lambda_local::k_max_request_payload;
using lambda_local::runtime::EventSource;
using lambda_local::runtime::json_syntax_error;
using lambda_local::runtime::load_event;
using lambda_local::runtime::yaml_to_json;

namespace {

// A temporary directory, removed with its files.
class EventDir {
  public:
    EventDir() {
        char pattern[] = "/tmp/ll-test-event-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        m_path = pattern;
    }
    ~EventDir() { std::filesystem::remove_all(m_path); }
    EventDir(const EventDir&) = delete;
    EventDir& operator=(const EventDir&) = delete;

    // Writes `name` with `content`; returns its path.
    std::string write(const std::string& name, const std::string& content) const {
        std::string path = m_path + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    const std::string& path() const { return m_path; }

  private:
    std::string m_path;
};

std::string load_file(const std::string& path) {
    std::istringstream no_stdin;
    return load_event({EventSource::Kind::File, path}, no_stdin);
}

std::string load_stdin(const std::string& text) {
    std::istringstream in(text);
    return load_event({EventSource::Kind::Stdin, ""}, in);
}

std::string load_inline(const std::string& text) {
    std::istringstream no_stdin;
    return load_event({EventSource::Kind::Inline, text}, no_stdin);
}

std::string yaml(const std::string& text) {
    return yaml_to_json(YAML::Load(text)).dump();
}

} // namespace

TEST_SUITE_BEGIN("runtime::event");

TEST_CASE("no event source gives an empty object") {
    std::istringstream no_stdin;
    CHECK(load_event({}, no_stdin) == "{}");
}

TEST_CASE("a JSON event file is returned byte for byte") {
    EventDir dir;
    const std::string text = "{\n  \"b\": 1.0,\n  \"a\": [1, 2e3, \"\\u00e9\"]\n}\n";
    CHECK(load_file(dir.write("event.json", text)) == text);
}

TEST_CASE("a UTF-8 byte order mark is dropped from a JSON event") {
    EventDir dir;
    CHECK(load_file(dir.write("event.json", "\xEF\xBB\xBF{\"a\": 1}")) == "{\"a\": 1}");
}

TEST_CASE("a second byte order mark is not passed on as part of the event") {
    CHECK_THROWS_WITH_AS(load_stdin("\xEF\xBB\xBF\xEF\xBB\xBF{\"a\": 1}"),
                         "event on standard input is not valid JSON: line 1, column 1: a second "
                         "byte order mark",
                         Error);
}

TEST_CASE("any JSON value is an event, not only an object") {
    EventDir dir;
    CHECK(load_file(dir.write("event.json", "\"hello\"")) == "\"hello\"");
    CHECK(load_file(dir.write("n.json", "42\n")) == "42\n");
}

TEST_CASE("a missing event file is reported with the reason") {
    CHECK_THROWS_WITH_AS(load_file("no-such-dir/x.json"),
                         "event file 'no-such-dir/x.json': cannot open: No such file or directory",
                         Error);
}

TEST_CASE("a directory given as the event file is reported") {
    EventDir dir;
    CHECK_THROWS_WITH_AS(load_file(dir.path()),
                         ("event file '" + dir.path() + "': cannot read: Is a directory").c_str(),
                         Error);
}

TEST_CASE("an empty event file is an error") {
    EventDir dir;
    SUBCASE("no bytes") {
        std::string path = dir.write("x.json", "");
        CHECK_THROWS_WITH_AS(load_file(path), ("event file '" + path + "' is empty").c_str(),
                             Error);
    }
    SUBCASE("only whitespace") {
        std::string path = dir.write("x.json", " \n\t\r\n");
        CHECK_THROWS_WITH_AS(load_file(path), ("event file '" + path + "' is empty").c_str(),
                             Error);
    }
    SUBCASE("an empty YAML file") {
        std::string path = dir.write("x.yaml", "# nothing here\n");
        CHECK_THROWS_WITH_AS(load_file(path), ("event file '" + path + "' is empty").c_str(),
                             Error);
    }
}

TEST_CASE("invalid JSON in an event file is reported with its line and column") {
    EventDir dir;
    std::string path = dir.write("x.json", "{\n  \"a\": 1,\n}\n");
    CHECK_THROWS_WITH_AS(load_file(path),
                         ("event file '" + path +
                          "' is not valid JSON: line 3, column 1: unexpected '}'; expected string "
                          "literal")
                             .c_str(),
                         Error);
}

TEST_CASE("a file named .yaml or .yml in any case is converted from YAML") {
    EventDir dir;
    const std::string text = "body: hello\ncount: 3\n";
    const std::string json = "{\"body\":\"hello\",\"count\":3}";
    CHECK(load_file(dir.write("e.yaml", text)) == json);
    CHECK(load_file(dir.write("e.yml", text)) == json);
    CHECK(load_file(dir.write("e.YML", text)) == json);
    CHECK(load_file(dir.write("e.Yaml", text)) == json);
}

TEST_CASE("a YAML event keeps the key order of the file") {
    EventDir dir;
    std::string path = dir.write("e.yaml", "zebra: 1\napple:\n  y: true\n  b: [x, 'y']\nmid: ~\n");
    CHECK(load_file(path) ==
          "{\"zebra\":1,\"apple\":{\"y\":true,\"b\":[\"x\",\"y\"]},\"mid\":null}");
}

TEST_CASE("invalid YAML is reported with its 1-based line and column") {
    EventDir dir;
    std::string path = dir.write("e.yaml", "a: [1,\n b: 2\n");
    CHECK_THROWS_WITH_AS(load_file(path),
                         ("event file '" + path +
                          "' is not valid YAML: line 3, column 1: end of sequence flow not found")
                             .c_str(),
                         Error);
}

TEST_CASE("a YAML event file with several documents is an error") {
    EventDir dir;
    std::string path = dir.write("e.yml", "a: 1\n---\nb: 2\n");
    CHECK_THROWS_WITH_AS(
        load_file(path),
        ("event file '" + path + "' holds 2 YAML documents; an event is one").c_str(), Error);
}

TEST_CASE("a YAML event that yaml-cpp reads as endless empty documents is an error, not a hang") {
    EventDir dir;
    std::string path = dir.write("e.yaml", ",0");
    CHECK_THROWS_WITH_AS(
        load_file(path),
        ("event file '" + path + "' is not valid YAML: line 1, column 1: unexpected ','").c_str(),
        Error);
    path = dir.write("f.yaml", "a: 1\n---\n  ,\n");
    CHECK_THROWS_WITH_AS(
        load_file(path),
        ("event file '" + path + "' is not valid YAML: line 3, column 3: unexpected ','").c_str(),
        Error);
}

TEST_CASE("a YAML event that cannot become JSON is reported") {
    EventDir dir;
    std::string path = dir.write("e.yaml", "? [a, b]\n: 1\n");
    CHECK_THROWS_WITH_AS(load_file(path),
                         ("event file '" + path +
                          "' cannot be converted to JSON: line 1, column 3: a mapping key must "
                          "be a scalar")
                             .c_str(),
                         Error);
}

TEST_CASE("an event on standard input must be JSON") {
    CHECK(load_stdin("{\"a\": [1]}\n") == "{\"a\": [1]}\n");
    CHECK_THROWS_WITH_AS(load_stdin("a: 1\n"),
                         "event on standard input is not valid JSON: line 1, column 1: invalid "
                         "literal",
                         Error);
    CHECK_THROWS_WITH_AS(load_stdin(""), "event on standard input is empty", Error);
}

TEST_CASE("an event file named - is read from standard input") {
    std::istringstream in("[true]");
    CHECK(load_event({EventSource::Kind::File, "-"}, in) == "[true]");
}

TEST_CASE("an inline event must be JSON") {
    CHECK(load_inline("{\"x\":1}") == "{\"x\":1}");
    CHECK_THROWS_WITH_AS(load_inline("{\"x\":}"),
                         "event given with --data is not valid JSON: line 1, column 6: unexpected "
                         "'}'; expected '[', '{', or a literal",
                         Error);
    CHECK_THROWS_WITH_AS(load_inline(""), "event given with --data is empty", Error);
}

TEST_CASE("an event larger than Lambda's payload limit is refused") {
    std::string at_limit = "\"" + std::string(k_max_request_payload - 2, 'x') + "\"";
    CHECK(load_inline(at_limit).size() == k_max_request_payload);
    std::string over = "\"" + std::string(k_max_request_payload - 1, 'x') + "\"";
    CHECK_THROWS_WITH_AS(
        load_inline(over),
        "event is 6291457 bytes; Lambda's synchronous payload limit is 6291456 bytes", Error);
}

TEST_CASE("the payload limit applies to the JSON a YAML event becomes") {
    EventDir dir;
    // Its JSON, {"x":"yyy..."}, is 8 bytes longer than the string: one byte over the limit.
    std::string path =
        dir.write("e.yaml", "x: '" + std::string(k_max_request_payload - 7, 'y') + "'\n");
    CHECK_THROWS_WITH_AS(
        load_file(path),
        "event is 6291457 bytes; Lambda's synchronous payload limit is 6291456 bytes", Error);
}

TEST_CASE("an event source that never ends is read only so far, then refused") {
    const std::string message =
        "is over 25165824 bytes; Lambda's synchronous payload limit is 6291456 bytes";
    // /dev/zero as the file: before, this read until the memory ran out.
    CHECK_THROWS_WITH_AS(load_file("/dev/zero"), ("event file '/dev/zero' " + message).c_str(),
                         Error);
    // Standard input longer than that: refused before the end of it.
    std::string endless(4 * k_max_request_payload + 1, ' ');
    CHECK_THROWS_WITH_AS(load_stdin(endless), ("event on standard input " + message).c_str(),
                         Error);
    // A large YAML event under the bound is still converted (its JSON is what is limited).
    EventDir dir;
    std::string path = dir.write("e.yaml", "# " + std::string(8u << 20, 'c') + "\nx: 1\n");
    CHECK(load_file(path) == "{\"x\":1}");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("runtime::event::json_syntax_error");

TEST_CASE("valid JSON has no syntax error") {
    CHECK_FALSE(json_syntax_error("{\"a\": [1, 2.5, null, true, \"s\"]}").has_value());
    CHECK_FALSE(json_syntax_error(" 7 ").has_value());
}

TEST_CASE("a syntax error is located by line and character column") {
    CHECK(json_syntax_error("[1,2") == "line 1, column 5: unexpected end of input; expected ']'");
    CHECK(json_syntax_error("{\"a\": 1} x") ==
          "line 1, column 10: invalid literal; expected end of input");
    CHECK(json_syntax_error("{\n\"été\": tru }") == "line 2, column 11: invalid literal");
    CHECK(json_syntax_error("[\"it's\", tru]") == "line 1, column 13: invalid literal");
    CHECK(json_syntax_error("{\n") ==
          "line 2, column 1: unexpected end of input; expected string literal");
}

TEST_CASE("a NUL byte after a value is a syntax error, not the end of the text") {
    CHECK(json_syntax_error(std::string("{\"a\": 1}\0junk", 13)) ==
          "line 1, column 9: unexpected NUL byte; expected end of input");
    CHECK(json_syntax_error(std::string("[1,\n 2] \0", 10)) ==
          "line 2, column 5: unexpected NUL byte; expected end of input");
    CHECK_THROWS_WITH_AS(load_stdin(std::string("[1]\0", 4)),
                         "event on standard input is not valid JSON: line 1, column 4: unexpected "
                         "NUL byte; expected end of input",
                         Error);
}

TEST_CASE("invalid UTF-8 in a string is a syntax error") {
    CHECK(json_syntax_error("\"a\xff\"") ==
          "line 1, column 3: invalid string: ill-formed UTF-8 byte");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("runtime::event::yaml_to_json");

TEST_CASE("plain scalars are typed with YAML 1.2's core schema") {
    CHECK(yaml("[true, True, TRUE, false, False, FALSE]") == "[true,true,true,false,false,false]");
    CHECK(yaml("[~, null, Null, NULL, ]") == "[null,null,null,null]");
    CHECK(yaml("[0, -12, +7, 007, 0o17, 0x1F, 0xff]") == "[0,-12,7,7,15,31,255]");
    CHECK(yaml("[1.5, -0.25, .5, 1., 1e3, 2.5E-1, +1.0]") == "[1.5,-0.25,0.5,1.0,1000.0,0.25,1.0]");
    CHECK(yaml("a: \nb:\n") == "{\"a\":null,\"b\":null}");
}

TEST_CASE("YAML 1.1 words and other plain text stay strings") {
    CHECK(yaml("[yes, no, on, off, y, n]") == "[\"yes\",\"no\",\"on\",\"off\",\"y\",\"n\"]");
    CHECK(yaml("[1_000, 12:30, 0b101, 1.2.3, -0x1, .inf, -.Inf, .nan, hello world]") ==
          "[\"1_000\",\"12:30\",\"0b101\",\"1.2.3\",\"-0x1\",\".inf\",\"-.Inf\",\".nan\","
          "\"hello world\"]");
}

TEST_CASE("integers beyond 64 bits keep their sign and size") {
    CHECK(yaml("[9223372036854775807, -9223372036854775808, 18446744073709551615]") ==
          "[9223372036854775807,-9223372036854775808,18446744073709551615]");
    CHECK(yaml("[18446744073709551616, -9223372036854775809]") ==
          "[1.8446744073709552e+19,-9.223372036854776e+18]");
}

TEST_CASE("quoted and block scalars always stay strings") {
    CHECK(yaml("[\"123\", '1.5', 'true', \"null\", '', \"~\"]") ==
          "[\"123\",\"1.5\",\"true\",\"null\",\"\",\"~\"]");
    CHECK(yaml("a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\n") ==
          "{\"a\":\"line 1\\nline 2\\n\",\"b\":\"folded text\\n\"}");
}

TEST_CASE("explicit tags are honoured and application tags are dropped") {
    CHECK(yaml("[!!str 123, !!int '42', !!bool 'true', !Ref MyBucket]") ==
          "[\"123\",42,true,\"MyBucket\"]");
}

TEST_CASE("mapping keys are strings in file order and a repeated key takes the last value") {
    CHECK(yaml("z: 1\n1: a\ntrue: b\n~: c\na: 2\nz: 3\n") ==
          "{\"z\":3,\"1\":\"a\",\"true\":\"b\",\"null\":\"c\",\"a\":2}");
}

TEST_CASE("aliases are expanded") {
    CHECK(yaml("base: &b {x: 1}\ncopy: *b\n") == "{\"base\":{\"x\":1},\"copy\":{\"x\":1}}");
}

TEST_CASE("a recursive alias is an error, not a crash") {
    CHECK_THROWS_WITH_AS(yaml("&a [*a]"),
                         "line 1, column 1: nested deeper than 512 levels (a recursive alias?)",
                         Error);
}

TEST_CASE("a non-scalar mapping key is an error naming its position") {
    CHECK_THROWS_WITH_AS(yaml("a: 1\n? {b: 2}\n: 3\n"),
                         "line 2, column 3: a mapping key must be a scalar", Error);
}

TEST_SUITE_END();
