// The execution environments of one function while serving: warm reuse, a concurrency limit
// with a bounded queue, idle reaping, and retiring environments that run old code.
#pragma once

#include "runtime/execution/execution_environment.hpp"
#include "runtime/execution/invocation.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/server/serve_log.hpp"
#include "runtime/util/clock.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lambda_local::runtime::server {

// How many environments a function may have and how long they stay.
struct PoolSettings {
    int max_concurrency = 10; // environments at once (Lambda's reserved concurrency); 0: none
    int max_queued = 100;     // invocations waiting for an environment beyond that
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)}; // then an idle one ends
};

// An invocation refused because every environment is busy and the queue is full.
struct Throttled {};

// What an invocation through the pool gives.
struct PoolInvocation {
    InvocationResult result;
    std::string log; // START..REPORT as written, when asked for (the Invoke API's Tail)
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

// Called once with the outcome of a submitted invocation, on the loop's thread.
using InvocationDone = std::function<void(std::variant<PoolInvocation, Throttled>)>;

// The environments of one function, all on the serve loop: invocations go to one
// first-come-first-served queue; an idle warm environment takes the next at once, a new one
// is started while fewer than max_concurrency exist, and beyond the queue's room an
// invocation is throttled. Every member is called on the loop's thread.
class FunctionPool {
  public:
    FunctionPool(loop::EventLoop& loop, FunctionSpec spec, PoolSettings settings,
                 EnvironmentOptions options, ServeLog& log);
    FunctionPool(const FunctionPool&) = delete;
    FunctionPool& operator=(const FunctionPool&) = delete;
    // Ends what is left at once (blocking briefly): shutdown() first.
    ~FunctionPool();

    // Runs one invocation, now or when an environment is free; `done` gets the outcome (at
    // once, Throttled, when the queue is full or the pool is stopping).
    void submit(InvocationRequest request, InvocationControls controls, InvocationDone done);
    // Starts up to `count` environments now and runs their init (`serve --warm N`); `done`
    // gets how many are warm.
    void start_warm(int count, std::function<void(int warm)> done);
    // Ends environments idle since before now − idle_timeout; returns how many.
    int reap_idle(MonotonicClock::time_point now = MonotonicClock::now());
    // New code (a rebuilt .so): idle environments end now, busy ones after their invocation.
    void replace_code(FunctionSpec spec);
    // Refuses new and queued invocations (Throttled), lets those in progress finish within
    // `grace`, then ends them (Cancelled); `done` once every environment has ended.
    void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

    const FunctionSpec& spec() const { return m_spec; }
    PoolStats stats() const;

  private:
    struct Job {
        InvocationRequest request;
        InvocationControls controls;
        InvocationDone done;
    };
    // One place of the concurrency limit: an environment and its log.
    struct Slot {
        std::unique_ptr<ExecutionEnvironment> environment;
        std::unique_ptr<LogSource> log;
        std::unique_ptr<loop::Timer> give_up; // the integration timeout
        int generation = 0;
        bool busy = false;
        bool ending = false; // shutting down; removed once it has ended
        MonotonicClock::time_point idle_since;
    };

    struct Running;
    Slot& new_slot();
    // Runs `job` in `slot`, which is idle.
    void run(Slot& slot, Job job);
    // Logs the end of an invocation, frees its slot, and delivers its outcome (once its log
    // was read back, for the Invoke API's Tail).
    void job_done(Slot& slot, const std::shared_ptr<Running>& running, InvocationResult result);
    void deliver(const std::shared_ptr<Running>& running);
    // `slot` is free: the next queued job, or idle.
    void next(Slot& slot);
    // Ends the environment of `slot` and removes the slot once it has ended.
    void retire(Slot& slot);
    void removed();
    void note_sandbox(const ExecutionEnvironment& environment);
    int live_slots() const; // not ending

    loop::EventLoop& m_loop;
    FunctionSpec m_spec;
    PoolSettings m_settings;
    EnvironmentOptions m_options;
    ServeLog& m_log;
    std::list<Slot> m_slots;
    std::deque<Job> m_queue;
    int m_cold_starts = 0;
    int m_generation = 0;
    bool m_stopping = false;
    bool m_noted_sandbox = false;
    std::function<void()> m_stopped; // shutdown()'s callback, once no slot is left
    loop::Timer m_grace;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace lambda_local::runtime::server
