// Running the cases of test files in execution environments, on one or more threads.
#include "runtime/testing/runner.hpp"

#include "runtime/logs/application_log.hpp"
#include "runtime/logs/platform_log.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/testing/expectations.hpp"
#include "runtime/testing/http_case.hpp"
#include "runtime/testing/log_capture.hpp"
#include "runtime/testing/snapshot.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/interrupt.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace lambda_local::runtime::testing {
namespace {

// What the threads of one run share.
struct SharedState {
    SharedState(const std::vector<TestFile>& f, const RunOptions& o, RunListener& l)
        : files(f), options(o), listener(l) {}

    const std::vector<TestFile>& files;
    const RunOptions& options;
    RunListener& listener;
    std::atomic<std::size_t> next_file{0};
    std::atomic<bool> stop{false};
    std::mutex notes_mutex;
    std::set<std::string> notes;
};

// Runs one case in `environment`; the handler's output is read from `capture`.
// `authorizers` runs the route's authorizer for `authorization: run` (null when the file has
// no such case).
CaseOutcome execute_case(loop::EventLoop& loop, const TestFile& file, const TestCase& test,
                         ExecutionEnvironment& environment, LogCapture& capture,
                         CaseAuthorizers* authorizers) {
    CaseOutcome outcome;
    InvocationRequest request;
    request.request_id = new_request_id();
    PreparedRequest prepared;
    std::string authorizer_output; // what the authorizer's function printed: the log's start
    if (test.request) {
        prepared = prepare_request(*file.http, file.function, *test.request, test.authorization);
        if (!prepared.problem.empty()) {
            outcome.problem = prepared.problem;
            return outcome;
        }
        if (prepared.needs_authorizer) {
            if (authorizers == nullptr) {
                outcome.problem = "internal: the file's authorizers were not made";
                return outcome;
            }
            capture.take(); // output that arrived between cases belongs to none
            apply_verdict(*file.http, prepared, authorizers->authorize(prepared.integration));
            authorizer_output = capture.take();
        }
        if (prepared.integration.answer) {
            outcome.invoked = false;
            outcome.http = prepared.integration.answer;
            outcome.log = std::move(authorizer_output);
            return outcome;
        }
        request.event = prepared.integration.event;
    } else {
        request.event = test.event;
    }
    if (authorizer_output.empty()) {
        capture.take(); // output that arrived between cases belongs to none
    } else {
        authorizer_output += capture.take(); // the authorizer's, still arriving
    }
    const PlatformLog platform(file.function);
    const bool cold = !environment.warm();
    const WallClock::time_point started = WallClock::now();
    try {
        outcome.invocation = invoke_and_wait(loop, environment, request);
    } catch (const Error& e) {
        outcome.problem = std::string("cannot start the execution environment: ") + e.what();
        return outcome;
    }
    const InvocationResult& result = outcome.invocation;
    std::vector<std::string> lines;
    ApplicationLogReader output(file.function.logging);
    output.feed(capture.take(), lines);
    output.flush(lines);
    std::string log = authorizer_output + platform.start(request.request_id, cold, started);
    for (const std::string& line : lines) {
        log += line;
        log += '\n';
    }
    log += platform.end(request.request_id, result);
    outcome.log = std::move(log);
    if (test.request) {
        outcome.http = http_answer(*file.http, prepared, result);
    }
    return outcome;
}

void report_notes(SharedState& state, const ExecutionEnvironment& environment) {
    std::lock_guard lock(state.notes_mutex);
    for (const std::string& note : environment.sandbox_notes()) {
        if (state.notes.insert(note).second) {
            state.listener.sandbox_note(note);
        }
    }
}

CaseResult run_case(SharedState& state, loop::EventLoop& loop, const TestFile& file,
                    const TestCase& test, ExecutionEnvironment& environment, LogCapture& capture,
                    CaseAuthorizers* authorizers,
                    std::vector<std::pair<std::string, nlohmann::json>>& recorded) {
    CaseResult result;
    result.name = test.name;
    if (test.skip) {
        result.verdict = Verdict::Skip;
        result.skip_reason = *test.skip;
        return result;
    }
    if (test.cold) {
        shutdown_and_wait(loop, environment);
    }
    const CaseOutcome outcome = execute_case(loop, file, test, environment, capture, authorizers);
    if (outcome.invocation.status == InvocationStatus::Cancelled || received_interrupt() != 0) {
        state.stop = true;
        result.verdict = Verdict::Skip;
        result.skip_reason = "interrupted";
        return result;
    }
    report_notes(state, environment);
    result.duration_ms = outcome.invocation.duration_ms;
    result.init_duration_ms = outcome.invocation.init_duration_ms;
    result.max_memory_used_mb = outcome.invocation.max_memory_used_mb;
    result.log = outcome.log;
    result.failures = check_expectations(test, outcome);
    if (test.expect.snapshot && outcome.problem.empty()) {
        nlohmann::json value = snapshot_value(test, outcome);
        if (state.options.update_snapshots) {
            recorded.emplace_back(test.name, std::move(value));
            result.note = "snapshot recorded";
        } else if (auto failure = check_snapshot(test, value, file.snapshots)) {
            result.failures.push_back(*failure);
        }
    }
    result.verdict = result.failures.empty() ? Verdict::Pass : Verdict::Fail;
    return result;
}

FileResult run_file(SharedState& state, std::size_t index) {
    const TestFile& file = state.files[index];
    const auto begin = std::chrono::steady_clock::now();
    FileResult result;
    result.path = file.path;

    // The file's own loop: its environment's channels and timers, and (for a custom runtime)
    // the Runtime API's server. Declared first, so that it goes last.
    loop::EventLoop loop;
    std::unique_ptr<runtime_api::Host> host;
    std::unique_ptr<LogCapture> capture;
    std::unique_ptr<ExecutionEnvironment> environment;
    std::unique_ptr<CaseAuthorizers> authorizers;
    std::string problem;
    try {
        capture = std::make_unique<LogCapture>(loop);
        bool needs_runtime_api = file.function.is_bootstrap();
        if (file.runs_authorizers) {
            for (const FunctionSpec& spec : file.http->authorizer_functions) {
                needs_runtime_api = needs_runtime_api || spec.is_bootstrap();
            }
        }
        if (needs_runtime_api) {
            if (!state.options.runtime_api) {
                throw runtime_api::NeedsRuntimeApi(); // checked before the run: not reached
            }
            host = state.options.runtime_api(loop);
        }
        EnvironmentOptions options = state.options.environment;
        options.output_fd = capture->fd();
        if (file.network) {
            options.network = *file.network;
        }
        options.runtime_api = host.get();
        if (file.runs_authorizers) {
            authorizers = std::make_unique<CaseAuthorizers>(loop, *file.http, options,
                                                            state.options.token_authorizers);
        }
        environment =
            std::make_unique<ExecutionEnvironment>(loop, file.function, std::move(options));
    } catch (const Error& e) {
        problem = e.what();
    }

    std::vector<std::pair<std::string, nlohmann::json>> recorded;
    for (const TestCase& test : file.cases) {
        if (!is_selected(state.options, test)) {
            continue;
        }
        if (state.stop || received_interrupt() != 0) {
            state.stop = true;
            break;
        }
        CaseResult case_result;
        if (!problem.empty()) {
            case_result.name = test.name;
            case_result.verdict = test.skip ? Verdict::Skip : Verdict::Fail;
            case_result.skip_reason = test.skip.value_or("");
            if (!test.skip) {
                case_result.failures.push_back(problem);
            }
        } else {
            try {
                case_result = run_case(state, loop, file, test, *environment, *capture,
                                       authorizers.get(), recorded);
            } catch (const std::exception& e) {
                // A bug of lambda-local's own fails the case, not the whole run.
                case_result = CaseResult{};
                case_result.name = test.name;
                case_result.verdict = Verdict::Fail;
                case_result.failures.push_back(std::string("internal error: ") + e.what());
            }
            if (state.stop) {
                break;
            }
        }
        state.listener.case_finished(index, case_result);
        result.cases.push_back(std::move(case_result));
    }
    if (environment) {
        shutdown_and_wait(loop, *environment);
        environment.reset();
    }
    if (authorizers) {
        authorizers->shutdown();
        authorizers.reset();
    }

    if (state.options.update_snapshots && !recorded.empty() && !state.stop) {
        std::vector<std::string> names;
        for (const TestCase& test : file.cases) {
            if (test.expect.snapshot) {
                names.push_back(test.name);
            }
        }
        const nlohmann::ordered_json entries = updated_snapshots(file.snapshots, recorded, names);
        if (entries != file.snapshots) {
            try {
                save_snapshots(file.snapshot_path, entries);
            } catch (const Error& e) {
                result.error = e.what();
            }
        }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    state.listener.file_finished(index, result);
    return result;
}

// Takes files from the shared queue until none is left (or the run is stopped).
void work(SharedState& state, std::vector<FileResult>& results) {
    for (;;) {
        const std::size_t index = state.next_file++;
        if (index >= state.files.size() || state.stop) {
            return;
        }
        results[index] = run_file(state, index);
    }
}

} // namespace

bool is_selected(const RunOptions& options, const TestCase& test) {
    return !options.filter || std::regex_search(test.name, *options.filter);
}

RunResult run_test_files(const std::vector<TestFile>& files, const RunOptions& options,
                         RunListener& listener) {
    SharedState state(files, options, listener);
    RunResult run;
    run.files.resize(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        run.files[i].path = files[i].path;
    }
    const std::size_t threads = std::max<std::size_t>(1, std::min(options.jobs, files.size()));
    if (threads == 1) {
        // The environments are started on this thread, which outlives them.
        work(state, run.files);
    } else {
        // Each thread starts, uses and ends its own environments (a worker ends with the thread
        // that started it).
        std::vector<std::thread> pool;
        for (std::size_t i = 0; i < threads; ++i) {
            pool.emplace_back([&state, &run] { work(state, run.files); });
        }
        for (std::thread& thread : pool) {
            thread.join();
        }
    }
    run.interrupted = state.stop;
    return run;
}

} // namespace lambda_local::runtime::testing
