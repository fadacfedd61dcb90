// The execution environments of one function while serving: warm reuse, a concurrency limit
// with a bounded queue, idle reaping, and retiring environments that run old code.
#pragma once

#include "runtime/execution_environment.hpp"
#include "runtime/function_spec.hpp"
#include "runtime/invocation.hpp"
#include "runtime/server/log_pump.hpp"
#include "runtime/util/clock.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace lambda_local::runtime::server {

// How many environments a function may have and how long they stay.
struct PoolSettings {
    int max_concurrency = 10; // environments at once (Lambda's reserved concurrency)
    int max_queued = 100;     // invocations waiting for an environment beyond that
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)}; // then an idle one ends
};

// An invocation refused because every environment is busy and the queue is full.
struct Throttled {};

// What an invocation through the pool gives.
struct PoolInvocation {
    InvocationResult result;
    std::string log; // START..REPORT as shown, when asked for (the Invoke API's Tail)
};

// Extra wishes of one invocation.
struct InvocationControls {
    bool capture_log = false; // fill PoolInvocation::log
    // When set and earlier than the function's own timeout: end the invocation then and
    // report it Cancelled (API Gateway's integration timeout).
    std::optional<std::chrono::milliseconds> give_up_after;
    // Called with the result before END and REPORT are logged; the line it returns (an access
    // line) is logged after REPORT without the function's prefix, in order with its output.
    std::function<std::string(const InvocationResult&)> after;
};

// Counts for logs and tests.
struct PoolStats {
    int environments = 0; // started or starting
    int busy = 0;
    int queued = 0;
    int cold_starts = 0; // since the pool began
};

// Called once with the outcome of a submitted invocation, on the thread of the environment
// that ran it (or on the submitting thread, when it is refused at once).
using InvocationDone = std::function<void(std::variant<PoolInvocation, Throttled>)>;

// The environments of one function. Each environment has a thread of its own, which starts
// it, runs its invocations one after another and ends it (a worker ends with the thread that
// started it, so the pool owns those threads). Invocations come from any thread into one
// first-come-first-served queue; under load an environment's thread takes the next queued
// invocation as soon as it is done with one, without waking anyone.
class FunctionPool {
  public:
    FunctionPool(FunctionSpec spec, PoolSettings settings, EnvironmentOptions options,
                 LogPump& logs);
    FunctionPool(const FunctionPool&) = delete;
    FunctionPool& operator=(const FunctionPool&) = delete;
    ~FunctionPool();

    // Queues one invocation for an idle warm environment, or a new one while fewer than
    // max_concurrency run; `done` gets the outcome. Throttled (at once) when every environment
    // is busy and max_queued invocations wait already, or when the pool is stopping.
    void submit(InvocationRequest request, InvocationControls controls, InvocationDone done);
    // submit(), waiting for the outcome.
    std::variant<PoolInvocation, Throttled> invoke(const InvocationRequest& request,
                                                   const InvocationControls& controls = {});
    // Starts up to `count` environments now and runs their init (`serve --warm N`); returns
    // how many are warm.
    int start_warm(int count);
    // Ends environments idle since before now − idle_timeout; returns how many ended.
    int reap_idle(MonotonicClock::time_point now = MonotonicClock::now());
    // New code (a rebuilt .so): idle environments end now, busy ones after their invocation.
    void replace_code(FunctionSpec spec);
    // Ends every environment; later invocations are refused (Throttled), and so are queued ones.
    // Invocations in progress may finish within `grace`; after it they are stopped (Cancelled).
    void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));

    FunctionSpec spec() const;
    PoolStats stats() const;

  private:
    struct Slot {
        std::unique_ptr<ExecutionEnvironment> environment;
        LogSource log;
        Fd give_up_timer; // a timerfd: the environment's cancel descriptor
        int generation = 0;
    };
    struct Job {
        InvocationRequest request;
        InvocationControls controls;
        InvocationDone done;
    };
    // One place of the concurrency limit: a thread and the environment it runs (none yet, or
    // none after a crash, until its next invocation).
    struct Runner {
        std::thread thread;
        std::unique_ptr<Slot> slot;
        bool busy = false;
        bool idle = false; // waiting for a job
        MonotonicClock::time_point idle_since;
        bool retire = false;    // end the environment and the thread (reaped, stopping)
        bool finished = false;  // the thread has ended its environment and is returning
        bool warm_only = false; // start_warm: start, report, then wait for jobs
        std::optional<bool> warm_started;
    };

    std::unique_ptr<Slot> new_slot(); // m_mutex held
    void run(Runner& runner);
    // Runs one job in the runner's environment, starting (or replacing) it first when needed.
    PoolInvocation run_job(Runner& runner, Job& job);
    void warm_up(Runner& runner);
    Runner& add_runner(bool warm_only); // m_mutex held
    void join_finished();               // m_mutex held
    // Wakes the runners marked to retire and waits, with `lock` on m_mutex, until they are gone.
    void end_retired(std::unique_lock<std::mutex>& lock);
    int active_runners() const; // not retiring; m_mutex held
    void end(std::unique_ptr<Slot> slot);
    void note_sandbox(const ExecutionEnvironment& environment);

    mutable std::mutex m_mutex;
    std::condition_variable m_work;    // runners wait here for jobs
    std::condition_variable m_changed; // a runner went idle, started, or finished
    std::deque<Job> m_queue;           // first come, first served
    std::list<Runner> m_runners;       // at most max_concurrency
    int m_idle = 0;                    // runners waiting for a job
    FunctionSpec m_spec;
    PoolSettings m_settings;
    EnvironmentOptions m_options;
    LogPump& m_logs;
    int m_cold_starts = 0;
    int m_generation = 0;
    bool m_stopping = false;
    bool m_noted_sandbox = false;
};

} // namespace lambda_local::runtime::server
