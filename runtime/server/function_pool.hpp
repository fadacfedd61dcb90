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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

// The environments of one function. Invocations come from any thread; an environment is
// started by the thread that first uses it, so callers must be long-lived threads (the
// server's pool, the scheduler's thread), as ExecutionEnvironment requires.
class FunctionPool {
  public:
    FunctionPool(FunctionSpec spec, PoolSettings settings, EnvironmentOptions options,
                 LogPump& logs);
    FunctionPool(const FunctionPool&) = delete;
    FunctionPool& operator=(const FunctionPool&) = delete;
    ~FunctionPool();

    // Runs one invocation in an idle warm environment, or a new one, waiting while all are
    // busy; Throttled when the queue is full too.
    std::variant<PoolInvocation, Throttled> invoke(const InvocationRequest& request,
                                                   const InvocationControls& controls = {});
    // Starts up to `count` environments now and runs their init (`serve --warm N`); returns
    // how many are warm.
    int start_warm(int count);
    // Ends environments idle since before now − idle_timeout; returns how many ended.
    int reap_idle(MonotonicClock::time_point now = MonotonicClock::now());
    // New code (a rebuilt .so): idle environments end now, busy ones after their invocation.
    void replace_code(FunctionSpec spec);
    // Ends every environment; later invocations are refused (Throttled). Invocations in progress
    // may finish within `grace`; after it they are stopped (Cancelled).
    void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));

    FunctionSpec spec() const;
    PoolStats stats() const;

  private:
    struct Slot {
        std::unique_ptr<ExecutionEnvironment> environment;
        LogSource log;
        Fd give_up_timer; // a timerfd: the environment's cancel descriptor
        int generation = 0;
        MonotonicClock::time_point idle_since;
    };

    // An invocation waiting for an environment; release() hands it one, or the place of one.
    struct Waiter {
        std::condition_variable ready;
        std::unique_ptr<Slot> slot; // an idle environment; null: start a new one
        bool done = false;
        bool refused = false; // the pool is stopping
    };

    std::unique_ptr<Slot> new_slot();           // m_mutex held
    void hand_over(std::unique_ptr<Slot> slot); // to the first waiter; m_mutex held
    void make_room();                           // places freed: to the waiters; m_mutex held
    void write_log(Slot& slot, const std::string& text);
    void release(std::unique_ptr<Slot> slot, bool reusable);
    void end(std::unique_ptr<Slot> slot);
    void note_sandbox(const ExecutionEnvironment& environment);

    mutable std::mutex m_mutex;
    std::condition_variable m_drained; // m_busy reached 0 while stopping
    std::deque<Waiter*> m_waiters;     // first come, first served
    FunctionSpec m_spec;
    PoolSettings m_settings;
    EnvironmentOptions m_options;
    LogPump& m_logs;
    std::vector<std::unique_ptr<Slot>> m_idle; // most recently used last
    std::vector<Slot*> m_in_use;               // owned by the invocations running them
    int m_environments = 0;
    int m_busy = 0;
    int m_cold_starts = 0;
    int m_generation = 0;
    bool m_stopping = false;
    bool m_noted_sandbox = false;
};

} // namespace lambda_local::runtime::server
