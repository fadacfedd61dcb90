// Finding the test files that `lambda-local test` is pointed at.
#pragma once

#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// The test files of `paths`: a file as given (whatever its name); a folder searched
// recursively, hidden folders skipped, for *.test.yaml, *.test.yml and *.test.json, sorted.
// A file found twice is listed once. Throws lambda_local::Error when a path does not exist or
// nothing is found.
std::vector<std::string> find_test_files(const std::vector<std::string>& paths);

// Whether a file name is a test file's: *.test.yaml, *.test.yml or *.test.json.
bool is_test_file_name(const std::string& name);

} // namespace lambda_local::runtime::testing
