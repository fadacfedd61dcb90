// Lambda's asynchronous invocation, for `serve`: an Event of the Invoke API or a scheduled rule
// is queued, run when its function has room, and retried as Lambda retries it.
#pragma once

#include "runtime/execution/invocation.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/server/function_pool.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>

namespace lambda_local::runtime::server {

// How a function's asynchronous invocations are retried (AWS: "Asynchronous invocation",
// "Error handling and automatic retries"; SAM's EventInvokeConfig, serverless.yml's
// maximumRetryAttempts and maximumEventAge).
struct AsyncSettings {
    int max_retries = 2; // MaximumRetryAttempts, 0 to 2: after an error, tried this often again
    std::chrono::seconds max_age{21600}; // MaximumEventAgeInSeconds: older, it is dropped
    // The wait before the first retry after an error; the second waits twice it (Lambda: one
    // minute, then two). `serve --retry-delay`.
    std::chrono::milliseconds retry_delay{std::chrono::minutes(1)};
};

// The asynchronous invocations of every function of one `serve`, on its loop. An event is
// tried when its function has room; throttled (no room, the queue full), it is tried again
// after 1 s, then 2, 4... up to 5 minutes (logged the first time); failed (any error: the
// function's, a crash, a timeout), it is tried again after retry_delay, then twice that, up to
// max_retries times, with the same request id. An event older than max_age is dropped. Each retry
// and drop is logged. At most k_max_pending events wait or run at once, across functions.
class AsyncInvoker {
  public:
    static constexpr std::size_t k_max_pending = 1000;

    // `log` writes one line of lambda-local's own.
    AsyncInvoker(loop::EventLoop& loop, std::function<void(const std::string&)> log);
    AsyncInvoker(const AsyncInvoker&) = delete;
    AsyncInvoker& operator=(const AsyncInvoker&) = delete;
    // Drops what is waiting (see stop()).
    ~AsyncInvoker();

    // Queues `request` for `pool` (which must outlive this object's invocations, or stop()
    // must come first); false when k_max_pending events are pending already (the caller
    // answers 429). `function` names it in the log.
    bool invoke(FunctionPool& pool, const std::string& function, InvocationRequest request,
                const AsyncSettings& settings);
    // Drops the events waiting for a retry, and says how many in the log; those running end
    // with their pools.
    void stop();
    // Events waiting or running.
    std::size_t pending() const { return m_pending; }

  private:
    struct Event;
    void attempt(const std::shared_ptr<Event>& event);
    void outcome(const std::shared_ptr<Event>& event, std::variant<PoolInvocation, Throttled> done);
    // Tries `event` again after `delay`, unless it would be older than its max_age by then;
    // logs `why` and the delay unless `quiet` (a drop is always logged).
    void later(const std::shared_ptr<Event>& event, std::chrono::milliseconds delay,
               const std::string& why, bool quiet = false);
    void done(); // an event is over, run or dropped

    loop::EventLoop& m_loop;
    std::function<void(const std::string&)> m_log;
    std::list<std::shared_ptr<Event>> m_waiting; // for a retry, each with its timer
    std::size_t m_pending = 0;
    bool m_stopped = false;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // for pools' late callbacks
};

} // namespace lambda_local::runtime::server
