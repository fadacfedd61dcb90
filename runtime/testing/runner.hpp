// Running test files: each file's cases in one execution environment reused while warm, files in
// parallel on `jobs` threads that each own their environments.
#pragma once

#include "runtime/execution/execution_environment.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/testing/case_authorizers.hpp"
#include "runtime/testing/test_file.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace lambda_local::runtime::testing {

// How a case ended.
enum class Verdict { Pass, Fail, Skip };

// One case's result, for the reporters.
struct CaseResult {
    std::string name;
    Verdict verdict = Verdict::Pass;
    double duration_ms = 0;                 // Lambda's Duration of the invocation
    std::optional<double> init_duration_ms; // set on a cold start
    std::int64_t max_memory_used_mb = 0;
    std::string skip_reason;
    std::vector<std::string> failures; // one readable block per expectation that failed
    std::string log;                   // START, the handler's output, END, REPORT
    std::string note;                  // "snapshot recorded"
};

// One file's results, in the file's case order (cases left out by --filter are absent).
struct FileResult {
    std::string path;
    std::vector<CaseResult> cases;
    double seconds = 0;
    std::string error; // a problem of the file as a whole (its snapshot file could not be written)
};

// A whole run.
struct RunResult {
    std::vector<FileResult> files; // in the order of the files given
    bool interrupted = false;      // Ctrl-C or SIGTERM ended the run early
};

// What the runner tells as it goes; called from the threads that run the files.
class RunListener {
  public:
    virtual ~RunListener() = default;
    // A case of file number `file` finished (cases of one file arrive in order).
    virtual void case_finished(std::size_t file, const CaseResult& result) = 0;
    // File number `file` finished.
    virtual void file_finished(std::size_t file, const FileResult& result) = 0;
    // Something the sandbox does not enforce here; told once per distinct note.
    virtual void sandbox_note(const std::string& note) = 0;
};

// How to run.
struct RunOptions {
    std::size_t jobs = 1;             // files run at the same time
    bool update_snapshots = false;    // --update: record answers instead of comparing
    std::optional<std::regex> filter; // runs only the cases whose name it finds
    EnvironmentOptions environment;   // worker, sandbox, host, cancel_fd (output_fd is set here)
    runtime_api::HostFactory runtime_api; // for custom runtimes' files (required by them)
    // For the files whose `authorization: run` cases meet a JWT or Cognito authorizer
    // (required by them: needs_token_authorizers).
    TokenAuthorizers token_authorizers;
};

// Whether `options` runs `test` (its name matches the filter, or there is none).
bool is_selected(const RunOptions& options, const TestCase& test);

// Runs the selected cases of `files`. Each file gets one execution environment, reused warm
// from case to case, restarted for a `cold: true` case and after a timeout, crash or
// out-of-memory (which fail their case; the run goes on). A file with `authorization: run`
// cases also gets its authorizers (CaseAuthorizers).
RunResult run_test_files(const std::vector<TestFile>& files, const RunOptions& options,
                         RunListener& listener);

} // namespace lambda_local::runtime::testing
