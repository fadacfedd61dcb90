// JUnit XML of a test run, the format CI systems (GitLab, Jenkins, GitHub reporters) display.
#pragma once

#include "runtime/testing/runner.hpp"

#include <string>
#include <string_view>

namespace lambda_local::runtime::testing {

// `text` as an XML attribute value (or, `attribute` false, character data): & < > " '
// escaped, and in an attribute also tab and newline (which a parser would turn into spaces);
// carriage returns as &#13;; characters XML 1.0 does not allow (other control characters,
// U+FFFE, U+FFFF) and invalid UTF-8 replaced by U+FFFD.
std::string xml_escape(std::string_view text, bool attribute = true);

// <testsuites> with one <testsuite name="<file path>"> per file and one <testcase> per case:
// <failure message="<first line>"> with the problems for a failure, <skipped message=...> for
// a skipped case, the function's log in <system-out>; a file's own error in its <system-err>.
// Times in seconds.
std::string junit_xml(const RunResult& run);

// Writes junit_xml(run) to `path`. Throws lambda_local::Error when it cannot.
void write_junit(const std::string& path, const RunResult& run);

} // namespace lambda_local::runtime::testing
