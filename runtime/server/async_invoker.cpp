// Asynchronous invocations: queued, run, retried after errors and throttles, dropped when old.
#include "runtime/server/async_invoker.hpp"

#include <algorithm>
#include <utility>

namespace lambda_local::runtime::server {
namespace {

// A throttled event is tried again after 1 s, doubling up to 5 minutes (AWS).
constexpr std::chrono::milliseconds k_first_throttle_delay{1000};
constexpr std::chrono::milliseconds k_last_throttle_delay{std::chrono::minutes(5)};

std::string seconds_text(std::chrono::milliseconds delay) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(delay).count();
    return seconds > 0 ? std::to_string(seconds) + " s" : std::to_string(delay.count()) + " ms";
}

} // namespace

struct AsyncInvoker::Event {
    FunctionPool* pool = nullptr;
    std::string function;
    InvocationRequest request;
    AsyncSettings settings;
    MonotonicClock::time_point received = MonotonicClock::now();
    int failures = 0; // attempts that ended in an error
    std::chrono::milliseconds throttle_delay = k_first_throttle_delay;
    std::unique_ptr<loop::Timer> timer; // while waiting for a retry
};

AsyncInvoker::AsyncInvoker(loop::EventLoop& loop, std::function<void(const std::string&)> log)
    : m_loop(loop), m_log(std::move(log)) {}

AsyncInvoker::~AsyncInvoker() {
    *m_alive = false;
}

bool AsyncInvoker::invoke(FunctionPool& pool, const std::string& function,
                          InvocationRequest request, const AsyncSettings& settings) {
    if (m_stopped || m_pending >= k_max_pending) {
        return false;
    }
    auto event = std::make_shared<Event>();
    event->pool = &pool;
    event->function = function;
    event->request = std::move(request);
    event->settings = settings;
    ++m_pending;
    attempt(event);
    return true;
}

void AsyncInvoker::attempt(const std::shared_ptr<Event>& event) {
    // The request is kept for a retry: each attempt gets a copy, with the same request id.
    std::weak_ptr<bool> alive = m_alive;
    event->pool->submit(event->request, {},
                        [this, alive, event](std::variant<PoolInvocation, Throttled> done) {
                            if (auto live = alive.lock(); live && *live) {
                                outcome(event, std::move(done));
                            }
                        });
}

void AsyncInvoker::outcome(const std::shared_ptr<Event>& event,
                           std::variant<PoolInvocation, Throttled> result) {
    const std::string name = "lambda-local: " + event->function + ": asynchronous invocation " +
                             event->request.request_id;
    if (m_stopped) {
        done();
        return;
    }
    if (std::holds_alternative<Throttled>(result)) {
        std::chrono::milliseconds delay = event->throttle_delay;
        event->throttle_delay = std::min(delay * 2, k_last_throttle_delay);
        // Said once per event: a busy function may throttle a thousand of them again and again.
        later(event, delay, name + " throttled", delay != k_first_throttle_delay);
        return;
    }
    const InvocationResult& invocation = std::get<PoolInvocation>(result).result;
    if (invocation.ok() || invocation.status == InvocationStatus::Cancelled) {
        done();
        return;
    }
    ++event->failures;
    if (event->failures > event->settings.max_retries) {
        m_log(name + " failed (" + invocation.error_type + ") " + std::to_string(event->failures) +
              " time(s); dropped (MaximumRetryAttempts " +
              std::to_string(event->settings.max_retries) + ")");
        done();
        return;
    }
    later(event, event->settings.retry_delay * (1 << (event->failures - 1)),
          name + " failed (" + invocation.error_type + "); retry " +
              std::to_string(event->failures) + " of " +
              std::to_string(event->settings.max_retries));
}

void AsyncInvoker::later(const std::shared_ptr<Event>& event, std::chrono::milliseconds delay,
                         const std::string& why, bool quiet) {
    auto at = MonotonicClock::now() + delay;
    if (at - event->received > event->settings.max_age) {
        m_log(why + "; dropped: older than MaximumEventAgeInSeconds (" +
              std::to_string(event->settings.max_age.count()) + ") by then");
        done();
        return;
    }
    if (!quiet) {
        m_log(why + "; tried again in " + seconds_text(delay));
    }
    event->timer = std::make_unique<loop::Timer>(m_loop);
    auto position = m_waiting.insert(m_waiting.end(), event);
    event->timer->start(delay, [this, position] {
        std::shared_ptr<Event> waiting = std::move(*position);
        m_waiting.erase(position);
        waiting->timer.reset(); // a one-shot timer may be ended by its own callback
        attempt(waiting);
    });
}

void AsyncInvoker::done() {
    --m_pending;
}

void AsyncInvoker::stop() {
    m_stopped = true;
    if (!m_waiting.empty()) {
        m_log("lambda-local: " + std::to_string(m_waiting.size()) +
              " asynchronous invocation(s) waiting for a retry dropped at shutdown");
    }
    m_pending -= m_waiting.size();
    m_waiting.clear();
}

} // namespace lambda_local::runtime::server
