// Tests of the console output: case lines, failure details, ordering and the summary.
#include "runtime/testing/console_reporter.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace lambda_local::runtime::testing;

namespace {

CaseResult passed(const std::string& name, double ms) {
    CaseResult result;
    result.name = name;
    result.duration_ms = ms;
    result.log = "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\n";
    return result;
}

CaseResult failing(const std::string& name) {
    CaseResult result = passed(name, 2);
    result.verdict = Verdict::Fail;
    result.failures = {"status: expected 200, got 500\n  body: \"x\""};
    return result;
}

CaseResult skipped(const std::string& name, const std::string& reason) {
    CaseResult result;
    result.name = name;
    result.verdict = Verdict::Skip;
    result.skip_reason = reason;
    return result;
}

} // namespace

TEST_SUITE("runtime::testing::ConsoleReporter") {

    TEST_CASE("a passing case is one line with its duration") {
        CHECK(format_case(passed("echoes", 0.256), Detail::Normal) == "  PASS  echoes (0.26 ms)\n");
        CaseResult noted = passed("recorded", 1);
        noted.note = "snapshot recorded";
        CHECK(format_case(noted, Detail::Normal) ==
              "  PASS  recorded (1.00 ms) [snapshot recorded]\n");
        CHECK(format_case(skipped("later", "not yet"), Detail::Normal) ==
              "  SKIP  later (not yet)\n");
    }

    TEST_CASE("a failing case shows its problems and its log, indented") {
        CHECK(format_case(failing("status"), Detail::Normal) ==
              "  FAIL  status (2.00 ms)\n"
              "        status: expected 200, got 500\n"
              "          body: \"x\"\n"
              "        log:\n"
              "        | START RequestId: 1 Version: $LATEST\n"
              "        | END RequestId: 1\n");
    }

    TEST_CASE("verbose shows every log, with init duration and memory") {
        CaseResult result = passed("cold", 1);
        result.init_duration_ms = 3.5;
        result.max_memory_used_mb = 7;
        CHECK(format_case(result, Detail::Verbose) ==
              "  PASS  cold (1.00 ms, init 3.50 ms, 7 MB)\n"
              "        log:\n"
              "        | START RequestId: 1 Version: $LATEST\n"
              "        | END RequestId: 1\n");
    }

    TEST_CASE("a long log shows only its end unless verbose") {
        CaseResult result = failing("noisy");
        result.log.clear();
        for (std::size_t i = 1; i <= k_log_tail_lines + 5; ++i) {
            result.log += "line " + std::to_string(i) + "\n";
        }
        const std::string text = format_case(result, Detail::Normal);
        CHECK(
            text.find("        | ... (5 earlier lines; --verbose shows all)\n        | line 6\n") !=
            std::string::npos);
        CHECK(text.find("| line 5\n") == std::string::npos);
        CHECK(format_case(result, Detail::Verbose).find("| line 1\n") != std::string::npos);
    }

    TEST_CASE("the summary counts passed and failed, and skipped when any") {
        RunResult run;
        run.files.resize(2);
        run.files[0].cases = {passed("a", 1), failing("b"), passed("c", 1)};
        CHECK(summary_line(run) == "2 passed, 1 failed");
        CHECK_FALSE(all_passed(run));
        run.files[1].cases = {skipped("d", "x")};
        run.files[0].cases.erase(run.files[0].cases.begin() + 1);
        CHECK(summary_line(run) == "2 passed, 0 failed, 1 skipped");
        CHECK(all_passed(run));
        run.files[1].error = "cannot write the snapshot file";
        CHECK_FALSE(all_passed(run));
    }

    TEST_CASE("files are printed in the order given, whatever order they finish in") {
        std::ostringstream out;
        std::ostringstream err;
        ConsoleReporter reporter(out, err, Detail::Normal, {"one.test.yaml", "two.test.yaml"});
        reporter.case_finished(1, passed("second file's case", 1));
        CHECK(out.str() == "");
        reporter.case_finished(0, passed("first file's case", 1));
        CHECK(out.str() == "one.test.yaml\n  PASS  first file's case (1.00 ms)\n");
        FileResult two;
        two.cases = {passed("second file's case", 1)};
        reporter.file_finished(1, two);
        FileResult one;
        one.cases = {passed("first file's case", 1)};
        reporter.file_finished(0, one);
        RunResult run;
        run.files = {one, two};
        reporter.finish(run);
        CHECK(out.str() == "one.test.yaml\n"
                           "  PASS  first file's case (1.00 ms)\n"
                           "two.test.yaml\n"
                           "  PASS  second file's case (1.00 ms)\n"
                           "2 passed, 0 failed\n");
        reporter.sandbox_note("no memory cgroup");
        CHECK(err.str() == "lambda-local: warning: sandbox: no memory cgroup\n");
    }

    TEST_CASE("quiet prints only failing cases, under their file's name") {
        std::ostringstream out;
        std::ostringstream err;
        ConsoleReporter reporter(out, err, Detail::Quiet, {"a.test.yaml", "b.test.yaml"});
        reporter.case_finished(0, passed("fine", 1));
        reporter.file_finished(0, FileResult{});
        reporter.case_finished(1, failing("broken"));
        reporter.file_finished(1, FileResult{});
        RunResult run;
        run.files.resize(2);
        run.files[0].cases = {passed("fine", 1)};
        run.files[1].cases = {failing("broken")};
        reporter.finish(run);
        const std::string text = out.str();
        CHECK(text.find("a.test.yaml") == std::string::npos);
        CHECK(text.rfind("b.test.yaml\n  FAIL  broken (2.00 ms)\n", 0) == 0);
        CHECK(text.substr(text.size() - std::string("1 passed, 1 failed\n").size()) ==
              "1 passed, 1 failed\n");
    }

} // TEST_SUITE
