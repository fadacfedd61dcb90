// Tests of the JUnit XML report: escaping, structure and well-formedness.
#include "runtime/testing/junit.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/testing/scratch.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace lambda_local::runtime::testing;
using lambda_local::runtime::testing::test_support::Scratch;

namespace {

// Checks that `xml` is well-formed as far as a JUnit consumer cares: one prolog, balanced
// elements, quoted attributes, entity references that exist, no raw '<' or '&' in text.
// Returns "" or the first problem.
std::string well_formed(const std::string& xml) {
    const std::string prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    if (xml.rfind(prolog, 0) != 0) {
        return "no XML declaration";
    }
    std::vector<std::string> open;
    std::size_t i = prolog.size();
    auto entity_ok = [&](std::size_t at) {
        const std::size_t end = xml.find(';', at);
        if (end == std::string::npos) {
            return false;
        }
        const std::string name = xml.substr(at + 1, end - at - 1);
        return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos" ||
               name == "#9" || name == "#10" || name == "#13";
    };
    while (i < xml.size()) {
        if (xml[i] == '&') {
            if (!entity_ok(i)) {
                return "bad entity at " + std::to_string(i);
            }
            ++i;
            continue;
        }
        if (xml[i] != '<') {
            const auto byte = static_cast<unsigned char>(xml[i]);
            if (byte < 0x20 && xml[i] != '\n' && xml[i] != '\t' && xml[i] != '\r') {
                return "control character at " + std::to_string(i);
            }
            ++i;
            continue;
        }
        std::size_t end = i + 1;
        bool in_quotes = false;
        while (end < xml.size() && (in_quotes || xml[end] != '>')) {
            if (xml[end] == '"') {
                in_quotes = !in_quotes;
            } else if (in_quotes && (xml[end] == '<' || xml[end] == '\n')) {
                return "raw '<' or newline in an attribute at " + std::to_string(end);
            } else if (in_quotes && xml[end] == '&' && !entity_ok(end)) {
                return "bad entity in an attribute at " + std::to_string(end);
            }
            ++end;
        }
        if (end >= xml.size()) {
            return "unterminated tag";
        }
        std::string tag = xml.substr(i + 1, end - i - 1);
        const bool closing = tag.front() == '/';
        const bool empty = tag.back() == '/';
        std::string name = tag.substr(closing ? 1 : 0);
        name = name.substr(0, name.find_first_of(" /"));
        if (closing) {
            if (open.empty() || open.back() != name) {
                return "</" + name + "> does not close <" + (open.empty() ? "" : open.back()) + ">";
            }
            open.pop_back();
        } else if (!empty) {
            open.push_back(name);
        }
        i = end + 1;
    }
    return open.empty() ? "" : "<" + open.back() + "> is not closed";
}

RunResult sample_run() {
    RunResult run;
    FileResult file;
    file.path = "tests/a&b.test.yaml";
    file.seconds = 0.25;
    CaseResult pass;
    pass.name = "passes <quietly>";
    pass.duration_ms = 1.0;
    pass.log = "START\nEND\n";
    CaseResult fail;
    fail.name = "fails \"loudly\"";
    fail.verdict = Verdict::Fail;
    fail.duration_ms = 12;
    fail.failures = {"the response differs:\n  at /a: expected 1, got 2", "second & last"};
    fail.log = "line with \x01 control and bad \xff byte\n";
    CaseResult skip;
    skip.name = "later";
    skip.verdict = Verdict::Skip;
    skip.skip_reason = "not 'yet'";
    file.cases = {pass, fail, skip};
    run.files.push_back(file);
    FileResult second;
    second.path = "b.test.json";
    second.error = "cannot write b.snap.json";
    run.files.push_back(second);
    return run;
}

} // namespace

TEST_SUITE("runtime::testing::JUnit") {

    TEST_CASE("XML escaping covers markup, quotes, control characters and invalid UTF-8") {
        CHECK(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
        CHECK(xml_escape("tab\tline\nret\r") == "tab&#9;line&#10;ret&#13;");
        CHECK(xml_escape("tab\tline\n", false) == "tab\tline\n");
        CHECK(xml_escape("x\x01y\x7f") == "x\xEF\xBF\xBDy\xEF\xBF\xBD");
        CHECK(xml_escape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
        CHECK(xml_escape("bad \xff \xC3 \xED\xA0\x80 end") ==
              "bad \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end");
        CHECK(xml_escape("\xEF\xBF\xBE") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    }

    TEST_CASE("a run becomes well-formed JUnit XML with counts, failures, skips and logs") {
        const std::string xml = junit_xml(sample_run());
        CHECK(well_formed(xml) == "");
        CHECK(xml.find("<testsuites name=\"lambda-local test\" tests=\"3\" failures=\"1\" "
                       "errors=\"1\" skipped=\"1\" time=\"0.250\">") != std::string::npos);
        CHECK(xml.find("<testsuite name=\"tests/a&amp;b.test.yaml\" tests=\"3\" failures=\"1\" "
                       "errors=\"0\" skipped=\"1\" time=\"0.250\">") != std::string::npos);
        CHECK(xml.find("<testcase name=\"passes &lt;quietly&gt;\" classname=\"tests/a&amp;b.test."
                       "yaml\" time=\"0.001\">") != std::string::npos);
        CHECK(xml.find("<failure message=\"the response differs:\" type=\"AssertionError\">the "
                       "response differs:\n  at /a: expected 1, got 2\nsecond &amp; last\n"
                       "</failure>") != std::string::npos);
        CHECK(xml.find("<skipped message=\"not &apos;yet&apos;\"/>") != std::string::npos);
        CHECK(xml.find("<system-out>line with \xEF\xBF\xBD control and bad \xEF\xBF\xBD byte\n"
                       "</system-out>") != std::string::npos);
        CHECK(xml.find("<testsuite name=\"b.test.json\" tests=\"0\" failures=\"0\" errors=\"1\"") !=
              std::string::npos);
        CHECK(xml.find("<system-err>cannot write b.snap.json</system-err>") != std::string::npos);
    }

    TEST_CASE("the checker used here rejects what is not well-formed") {
        CHECK(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b></a>") != "");
        CHECK(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>x & y</a>") != "");
        CHECK(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\x01</a>") != "");
    }

    TEST_CASE("the report is written to the --junit file") {
        Scratch dir;
        const std::string path = dir.path() + "/report.xml";
        write_junit(path, sample_run());
        CHECK(dir.read("report.xml") == junit_xml(sample_run()));
        CHECK_THROWS_AS(write_junit(dir.path() + "/no/such/dir/r.xml", sample_run()),
                        lambda_local::Error);
    }

} // TEST_SUITE
