// The execution environments of one function while serving, on the serve loop.
#include "runtime/server/function_pool.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/logs/platform_log.hpp"
#include "runtime/util/error.hpp"

#include <algorithm>
#include <utility>

namespace lambda_local::runtime::server {

namespace {

// How long the Invoke API's Tail waits for the log to have read an invocation's REPORT line.
constexpr auto k_log_capture_wait = std::chrono::seconds(2);

// The result of an invocation whose worker could not be started at all (a missing executable,
// no descriptors left).
InvocationResult not_started(const std::string& why) {
    InvocationResult result;
    result.status = InvocationStatus::Crashed;
    result.error_type = "Runtime.Unknown";
    result.payload = error_payload(result.error_type, why, false);
    return result;
}

} // namespace

// One invocation in progress: the job, and its outcome as it comes together (the result, and
// for the Invoke API's Tail the log as read back).
struct FunctionPool::Running {
    Job job;
    PoolInvocation outcome;
    bool result_ready = false;
    bool log_ready = false;
    bool delivered = false;
    std::unique_ptr<loop::Timer> log_wait;
};

FunctionPool::FunctionPool(loop::EventLoop& loop, FunctionSpec spec, PoolSettings settings,
                           EnvironmentOptions options, ServeLog& log)
    : m_loop(loop), m_spec(std::move(spec)), m_settings(settings), m_options(std::move(options)),
      m_log(log), m_grace(loop) {
    // 0 is a function's reserved concurrency of 0: every invocation throttled.
    m_settings.max_concurrency = std::max(0, m_settings.max_concurrency);
}

FunctionPool::~FunctionPool() {
    *m_alive = false;
    m_slots.clear(); // each environment ends at once, its log with it
}

FunctionPool::Slot& FunctionPool::new_slot() {
    Slot& slot = m_slots.emplace_back();
    slot.log = m_log.open_source("[" + m_spec.name + "]", m_spec.logging);
    EnvironmentOptions options = m_options;
    options.output_fd = slot.log->write_fd();
    slot.environment = std::make_unique<ExecutionEnvironment>(m_loop, m_spec, std::move(options));
    slot.give_up = std::make_unique<loop::Timer>(m_loop);
    slot.generation = m_generation;
    slot.idle_since = MonotonicClock::now();
    return slot;
}

int FunctionPool::live_slots() const {
    int live = 0;
    for (const Slot& slot : m_slots) {
        live += slot.ending ? 0 : 1;
    }
    return live;
}

void FunctionPool::note_sandbox(const ExecutionEnvironment& environment) {
    if (m_noted_sandbox || environment.sandbox_notes().empty()) {
        return;
    }
    m_noted_sandbox = true;
    for (const auto& note : environment.sandbox_notes()) {
        m_log.write_line("lambda-local: warning: sandbox: " + note);
    }
}

void FunctionPool::submit(InvocationRequest request, InvocationControls controls,
                          InvocationDone done) {
    if (m_stopping) {
        done(Throttled{});
        return;
    }
    Job job{std::move(request), std::move(controls), std::move(done)};
    // A warm idle environment first, then any idle one, then a new one while there is room.
    Slot* idle = nullptr;
    for (Slot& slot : m_slots) {
        if (!slot.busy && !slot.ending) {
            if (slot.environment->warm()) {
                idle = &slot;
                break;
            }
            idle = idle != nullptr ? idle : &slot;
        }
    }
    if (idle != nullptr) {
        run(*idle, std::move(job));
        return;
    }
    if (live_slots() < m_settings.max_concurrency) {
        run(new_slot(), std::move(job));
        return;
    }
    if (static_cast<int>(m_queue.size()) < m_settings.max_queued) {
        m_queue.push_back(std::move(job));
        return;
    }
    job.done(Throttled{});
}

void FunctionPool::run(Slot& chosen, Job job) {
    Slot* slot = &chosen;
    // An environment on old code, or whose worker has died while idle, is replaced.
    if (slot->generation != m_generation ||
        (slot->environment->warm() && !slot->environment->idle_worker_alive())) {
        retire(*slot);
        slot = &new_slot();
    }
    slot->busy = true;
    auto running = std::make_shared<Running>();
    running->job = std::move(job);
    const InvocationRequest& request = running->job.request;
    std::weak_ptr<bool> alive = m_alive;
    if (running->job.controls.capture_log) {
        slot->log->capture([this, alive, running](std::string log) {
            if (alive.expired()) {
                return;
            }
            running->outcome.log = std::move(log);
            running->log_ready = true;
            if (running->result_ready) {
                deliver(running);
            }
        });
    }
    const auto& give_up = running->job.controls.give_up_after;
    if (give_up && give_up->count() < static_cast<long>(m_spec.timeout_s * 1000.0)) {
        ExecutionEnvironment* environment = slot->environment.get();
        slot->give_up->start(*give_up, [environment] { environment->cancel(); });
    }
    slot->log->write_platform(
        PlatformLog(m_spec).start(request.request_id, !slot->environment->warm()));
    try {
        slot->environment->invoke(request, [this, alive, slot, running](InvocationResult result) {
            if (!alive.expired()) {
                job_done(*slot, running, std::move(result));
            }
        });
    } catch (const Error& e) {
        m_log.write_line("lambda-local: " + m_spec.name + ": " + e.what());
        job_done(*slot, running, not_started(e.what()));
    }
}

void FunctionPool::job_done(Slot& slot, const std::shared_ptr<Running>& running,
                            InvocationResult result) {
    slot.give_up->stop();
    if (result.init_duration_ms) {
        ++m_cold_starts;
    }
    note_sandbox(*slot.environment);
    const InvocationRequest& request = running->job.request;
    std::string log;
    if (result.status == InvocationStatus::Cancelled) {
        // lambda-local's own line (shown under -q too), in order with the function's.
        log += k_unattributed_line;
        log += "lambda-local: the integration timed out; the invocation was stopped\n";
    }
    const InvocationControls& controls = running->job.controls;
    std::string after = controls.after ? controls.after(result) : std::string();
    log += PlatformLog(m_spec).end(request.request_id, result);
    if (!after.empty()) {
        log += k_unattributed_line + after + "\n";
    }
    slot.log->write_platform(std::move(log), true);
    running->outcome.result = std::move(result);
    running->result_ready = true;
    // The slot is free before its caller hears of it (as stats() and reap_idle() see it).
    next(slot);
    if (!controls.capture_log || running->log_ready) {
        deliver(running);
        return;
    }
    running->log_wait = std::make_unique<loop::Timer>(m_loop);
    std::weak_ptr<bool> alive = m_alive;
    running->log_wait->start(
        std::chrono::duration_cast<std::chrono::milliseconds>(k_log_capture_wait),
        [this, alive, running] {
            if (!alive.expired()) {
                deliver(running);
            }
        });
}

void FunctionPool::deliver(const std::shared_ptr<Running>& running) {
    if (running->delivered) {
        return;
    }
    running->delivered = true;
    if (running->log_wait) {
        running->log_wait->stop();
    }
    InvocationDone done = std::move(running->job.done);
    try {
        done(std::move(running->outcome));
    } catch (const std::exception& e) {
        m_log.write_line(std::string("lambda-local: internal error: ") + e.what());
    }
}

void FunctionPool::next(Slot& slot) {
    slot.busy = false;
    slot.idle_since = MonotonicClock::now();
    if (m_stopping || slot.generation != m_generation) {
        retire(slot);
        if (!m_stopping && !m_queue.empty() && live_slots() < m_settings.max_concurrency) {
            Job job = std::move(m_queue.front());
            m_queue.pop_front();
            run(new_slot(), std::move(job));
        }
        return;
    }
    if (!m_queue.empty()) {
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        run(slot, std::move(job));
    }
}

void FunctionPool::retire(Slot& slot) {
    if (slot.ending) {
        return;
    }
    slot.ending = true;
    slot.give_up->stop();
    std::weak_ptr<bool> alive = m_alive;
    Slot* ended = &slot;
    slot.environment->shutdown([this, alive, ended] {
        if (alive.expired()) {
            return;
        }
        // Not from inside the environment's own callback: on the loop's next turn.
        m_loop.post([this, alive, ended] {
            if (alive.expired()) {
                return;
            }
            for (auto it = m_slots.begin(); it != m_slots.end(); ++it) {
                if (&*it == ended) {
                    m_slots.erase(it);
                    break;
                }
            }
            removed();
        });
    });
}

void FunctionPool::removed() {
    if (m_stopping && m_slots.empty() && m_stopped) {
        m_grace.stop();
        std::function<void()> stopped = std::exchange(m_stopped, nullptr);
        stopped();
    }
}

void FunctionPool::start_warm(int count, std::function<void(int warm)> done) {
    struct Warming {
        int waiting = 0;
        int warm = 0;
        std::function<void(int)> done;
    };
    auto warming = std::make_shared<Warming>();
    warming->done = std::move(done);
    std::vector<Slot*> started;
    for (int i = 0; i < count && !m_stopping && live_slots() < m_settings.max_concurrency; ++i) {
        started.push_back(&new_slot());
    }
    warming->waiting = static_cast<int>(started.size());
    if (started.empty()) {
        warming->done(0);
        return;
    }
    std::weak_ptr<bool> alive = m_alive;
    for (Slot* slot : started) {
        slot->busy = true;
        slot->log->write_platform(PlatformLog(m_spec).init_start());
        auto reported = [this, alive, slot, warming](InvocationResult result) {
            if (alive.expired()) {
                return;
            }
            note_sandbox(*slot->environment);
            bool ok = result.ok();
            if (ok) {
                ++m_cold_starts;
                ++warming->warm;
            } else {
                slot->log->write_platform(
                    PlatformLog(m_spec).faults(result.log_lines) + k_unattributed_line +
                    "lambda-local: --warm: the environment did not start: " + result.payload +
                    "\n");
            }
            if (ok) {
                next(*slot);
            } else {
                slot->busy = false;
                retire(*slot);
            }
            if (--warming->waiting == 0) {
                warming->done(warming->warm);
            }
        };
        try {
            slot->environment->start_now(reported);
        } catch (const Error& e) {
            reported(not_started(e.what()));
        }
    }
}

int FunctionPool::reap_idle(MonotonicClock::time_point now) {
    int ended = 0;
    std::vector<Slot*> idle;
    for (Slot& slot : m_slots) {
        if (slot.busy || slot.ending) {
            continue;
        }
        if (!slot.environment->warm()) {
            idle.push_back(&slot); // nothing running (after a crash): nothing to keep
        } else if (now - slot.idle_since >= m_settings.idle_timeout) {
            idle.push_back(&slot);
            ++ended;
        }
    }
    for (Slot* slot : idle) {
        retire(*slot);
    }
    return ended;
}

void FunctionPool::replace_code(FunctionSpec spec) {
    m_spec = std::move(spec);
    ++m_generation;
    // Idle environments end now; busy ones are replaced after their invocation.
    std::vector<Slot*> idle;
    for (Slot& slot : m_slots) {
        if (!slot.busy && !slot.ending) {
            idle.push_back(&slot);
        }
    }
    for (Slot* slot : idle) {
        retire(*slot);
    }
}

void FunctionPool::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
    m_stopping = true;
    m_stopped = std::move(done);
    std::deque<Job> refused = std::move(m_queue);
    m_queue.clear();
    for (Job& job : refused) {
        job.done(Throttled{});
    }
    std::vector<Slot*> idle;
    bool busy = false;
    for (Slot& slot : m_slots) {
        if (!slot.busy && !slot.ending) {
            idle.push_back(&slot);
        }
        busy = busy || slot.busy;
    }
    for (Slot* slot : idle) {
        retire(*slot);
    }
    if (busy) {
        // Past the grace period, what is still running ends now (Cancelled).
        std::weak_ptr<bool> alive = m_alive;
        m_grace.start(grace, [this, alive] {
            if (alive.expired()) {
                return;
            }
            for (Slot& slot : m_slots) {
                if (slot.busy) {
                    slot.environment->cancel();
                }
            }
        });
    }
    if (m_slots.empty()) {
        removed();
    }
}

PoolStats FunctionPool::stats() const {
    PoolStats stats;
    for (const Slot& slot : m_slots) {
        if (slot.ending) {
            continue;
        }
        stats.environments += slot.busy || slot.environment->warm() ? 1 : 0;
        stats.busy += slot.busy ? 1 : 0;
    }
    stats.queued = static_cast<int>(m_queue.size());
    stats.cold_starts = m_cold_starts;
    return stats;
}

} // namespace lambda_local::runtime::server
