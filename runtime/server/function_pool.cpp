// The execution environments of one function while serving.
#include "runtime/server/function_pool.hpp"

#include "runtime/platform_log.hpp"
#include "runtime/report.hpp"
#include "runtime/util/error.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <future>

namespace lambda_local::runtime::server {

namespace {

// How long to wait for the log pump to have read an invocation's REPORT line.
constexpr auto k_log_capture_wait = std::chrono::seconds(2);

void arm(int timer, std::chrono::milliseconds after) {
    itimerspec spec{};
    spec.it_value.tv_sec = after.count() / 1000;
    spec.it_value.tv_nsec = (after.count() % 1000) * 1000000;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) {
        spec.it_value.tv_nsec = 1;
    }
    ::timerfd_settime(timer, 0, &spec, nullptr);
}

void disarm(int timer) {
    itimerspec spec{};
    ::timerfd_settime(timer, 0, &spec, nullptr);
}

} // namespace

FunctionPool::FunctionPool(FunctionSpec spec, PoolSettings settings, EnvironmentOptions options,
                           LogPump& logs)
    : m_spec(std::move(spec)), m_settings(settings), m_options(std::move(options)), m_logs(logs) {
    if (m_settings.max_concurrency < 1) {
        m_settings.max_concurrency = 1;
    }
}

FunctionPool::~FunctionPool() {
    shutdown();
}

std::unique_ptr<FunctionPool::Slot> FunctionPool::new_slot() {
    auto slot = std::make_unique<Slot>();
    slot->log = m_logs.add_source("[" + m_spec.name + "]", m_spec.logging);
    slot->give_up_timer = Fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!slot->give_up_timer) {
        throw Error(os_error("timerfd_create"));
    }
    EnvironmentOptions options = m_options;
    options.output_fd = slot->log.write.get();
    options.cancel_fd = slot->give_up_timer.get();
    slot->environment = std::make_unique<ExecutionEnvironment>(m_spec, std::move(options));
    slot->generation = m_generation;
    return slot;
}

void FunctionPool::note_sandbox(const ExecutionEnvironment& environment) {
    {
        std::lock_guard lock(m_mutex);
        if (m_noted_sandbox || environment.sandbox_notes().empty()) {
            return;
        }
        m_noted_sandbox = true;
    }
    for (const auto& note : environment.sandbox_notes()) {
        m_logs.write_line("lambda-local: warning: sandbox: " + note);
    }
}

FunctionPool::Runner& FunctionPool::add_runner(bool warm_only) {
    Runner& runner = m_runners.emplace_back();
    runner.warm_only = warm_only;
    runner.thread = std::thread([this, &runner] { run(runner); });
    return runner;
}

void FunctionPool::join_finished() {
    for (auto it = m_runners.begin(); it != m_runners.end();) {
        if (it->finished) {
            it->thread.join(); // it has left the pool's data: only its return is left
            it = m_runners.erase(it);
        } else {
            ++it;
        }
    }
}

void FunctionPool::submit(InvocationRequest request, InvocationControls controls,
                          InvocationDone done) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            join_finished();
            int places = active_runners();
            // Each idle runner takes one queued job; beyond them, a new place when there is room,
            // else a wait in the queue while it has room.
            bool runner_free = static_cast<int>(m_queue.size()) < m_idle;
            bool room = places < m_settings.max_concurrency;
            if (runner_free || room ||
                static_cast<int>(m_queue.size()) - m_idle < m_settings.max_queued) {
                m_queue.push_back({std::move(request), std::move(controls), std::move(done)});
                if (runner_free) {
                    m_work.notify_one();
                } else if (room) {
                    add_runner(false);
                }
                return;
            }
        }
    }
    done(Throttled{});
}

std::variant<PoolInvocation, Throttled> FunctionPool::invoke(const InvocationRequest& request,
                                                             const InvocationControls& controls) {
    std::promise<std::variant<PoolInvocation, Throttled>> promise;
    auto outcome = promise.get_future();
    submit(request, controls, [&promise](std::variant<PoolInvocation, Throttled> result) {
        promise.set_value(std::move(result));
    });
    return outcome.get();
}

void FunctionPool::run(Runner& runner) {
    if (runner.warm_only) {
        warm_up(runner);
    }
    std::unique_lock lock(m_mutex);
    auto become_idle = [&] {
        runner.idle = true;
        runner.idle_since = MonotonicClock::now();
        ++m_idle;
        m_changed.notify_all();
    };
    for (;;) {
        if (!m_queue.empty() && !runner.retire) {
            if (runner.idle) {
                runner.idle = false;
                --m_idle;
            }
            Job job = std::move(m_queue.front());
            m_queue.pop_front();
            runner.busy = true;
            lock.unlock();
            PoolInvocation done;
            try {
                done = run_job(runner, job);
            } catch (const std::exception& e) {
                // The worker could not be started at all (a missing executable, no descriptors).
                done.result.status = InvocationStatus::Crashed;
                done.result.error_type = "Runtime.Unknown";
                done.result.payload = error_payload(done.result.error_type, e.what(), false);
                m_logs.write_line("lambda-local: " + m_spec.name + ": " + e.what());
            }
            lock.lock();
            runner.busy = false;
            // Idle before the caller hears of it, as seen from stats() and reap_idle().
            become_idle();
            lock.unlock();
            try {
                job.done(std::move(done));
            } catch (const std::exception& e) {
                m_logs.write_line(std::string("lambda-local: internal error: ") + e.what());
            }
            job = {}; // the caller's captures go before the lock is taken again
            lock.lock();
            continue;
        }
        if (m_stopping || runner.retire) {
            break;
        }
        // Warm and idle, or (after a crash) without an environment until the next job.
        if (!runner.idle) {
            become_idle();
        }
        m_work.wait(lock);
    }
    if (runner.idle) {
        runner.idle = false;
        --m_idle;
    }
    std::unique_ptr<Slot> slot = std::move(runner.slot);
    lock.unlock();
    if (slot) {
        end(std::move(slot));
    }
    lock.lock();
    runner.finished = true;
    // A job queued for this runner as it retired gets a runner of its own.
    if (!m_stopping && !m_queue.empty() && active_runners() < m_settings.max_concurrency) {
        add_runner(false);
    }
    m_changed.notify_all();
}

int FunctionPool::active_runners() const {
    int active = 0;
    for (const Runner& runner : m_runners) {
        active += runner.retire || runner.finished ? 0 : 1;
    }
    return active;
}

void FunctionPool::warm_up(Runner& runner) {
    std::unique_ptr<Slot> slot;
    std::optional<PlatformLog> platform;
    {
        std::lock_guard lock(m_mutex);
        slot = new_slot();
        platform.emplace(m_spec);
    }
    m_logs.write_platform(slot->log.id, platform->init_start());
    InvocationResult failure;
    bool started = slot->environment->start_now(failure);
    note_sandbox(*slot->environment);
    if (!started) {
        m_logs.write_platform(
            slot->log.id,
            platform->faults(failure.log_lines) + k_unattributed_line +
                "lambda-local: --warm: the environment did not start: " + failure.payload + "\n");
        end(std::move(slot));
    }
    std::lock_guard lock(m_mutex);
    if (started) {
        ++m_cold_starts;
        runner.slot = std::move(slot);
    }
    runner.warm_started = started;
    m_changed.notify_all();
}

PoolInvocation FunctionPool::run_job(Runner& runner, Job& job) {
    const InvocationRequest& request = job.request;
    const InvocationControls& controls = job.controls;
    std::unique_ptr<Slot> stale;
    std::optional<PlatformLog> platform;
    double timeout_s = 0;
    {
        std::lock_guard lock(m_mutex);
        // An environment on old code, or whose worker has died while idle, is replaced.
        Slot* slot = runner.slot.get();
        if (slot != nullptr &&
            (slot->generation != m_generation || !slot->environment->idle_worker_alive())) {
            stale = std::move(runner.slot);
        }
        if (!runner.slot) {
            runner.slot = new_slot();
        }
        platform.emplace(m_spec);
        timeout_s = m_spec.timeout_s;
    }
    if (stale) {
        end(std::move(stale));
    }
    Slot& slot = *runner.slot;

    PoolInvocation done;
    std::future<std::string> captured;
    if (controls.capture_log) {
        captured = m_logs.capture(slot.log.id);
    }
    const bool cold = !slot.environment->warm();
    bool armed = controls.give_up_after &&
                 controls.give_up_after->count() < static_cast<long>(timeout_s * 1000.0);
    if (armed) {
        arm(slot.give_up_timer.get(), *controls.give_up_after);
    }
    m_logs.write_platform(slot.log.id, platform->start(request.request_id, cold));
    done.result = slot.environment->invoke(request);
    if (armed) {
        disarm(slot.give_up_timer.get());
        std::uint64_t expirations = 0;
        [[maybe_unused]] ssize_t ignored =
            ::read(slot.give_up_timer.get(), &expirations, sizeof expirations);
    }
    if (done.result.init_duration_ms) {
        std::lock_guard lock(m_mutex);
        ++m_cold_starts;
    }
    note_sandbox(*slot.environment);

    std::string log;
    if (done.result.status == InvocationStatus::Cancelled) {
        // lambda-local's own line (shown under -q too), in order with the function's.
        log += k_unattributed_line;
        log += "lambda-local: the integration timed out; the invocation was stopped\n";
    }
    std::string after = controls.after ? controls.after(done.result) : std::string();
    log += platform->end(request.request_id, done.result);
    if (!after.empty()) {
        log += k_unattributed_line + after + "\n";
    }
    m_logs.write_platform(slot.log.id, std::move(log), true);
    if (captured.valid() && captured.wait_for(k_log_capture_wait) == std::future_status::ready) {
        try {
            done.log = captured.get();
        } catch (const std::future_error&) {
            done.log.clear();
        }
    }
    // A timeout, crash or out-of-memory ended the environment: the next job starts a fresh one.
    if (!slot.environment->warm()) {
        std::unique_ptr<Slot> ended;
        {
            std::lock_guard lock(m_mutex);
            ended = std::move(runner.slot);
        }
        end(std::move(ended));
    }
    return done;
}

void FunctionPool::end(std::unique_ptr<Slot> slot) {
    slot->environment->shutdown();
    slot.reset();
}

int FunctionPool::start_warm(int count) {
    std::vector<Runner*> started;
    std::unique_lock lock(m_mutex);
    join_finished();
    for (int i = 0; i < count && !m_stopping && active_runners() < m_settings.max_concurrency;
         ++i) {
        started.push_back(&add_runner(true));
    }
    int warm = 0;
    for (Runner* runner : started) {
        m_changed.wait(lock, [runner] { return runner->warm_started.has_value(); });
        warm += *runner->warm_started ? 1 : 0;
    }
    return warm;
}

void FunctionPool::end_retired(std::unique_lock<std::mutex>& lock) {
    m_work.notify_all();
    m_changed.wait(lock, [this] {
        for (const Runner& runner : m_runners) {
            if (runner.retire && !runner.finished) {
                return false;
            }
        }
        return true;
    });
    join_finished();
}

int FunctionPool::reap_idle(MonotonicClock::time_point now) {
    std::unique_lock lock(m_mutex);
    int ended = 0;
    for (Runner& runner : m_runners) {
        if (runner.idle && !runner.retire && runner.slot &&
            now - runner.idle_since >= m_settings.idle_timeout) {
            runner.retire = true;
            ++ended;
        }
    }
    // Runners idle without an environment (after a crash) end too: they hold no process.
    for (Runner& runner : m_runners) {
        if (runner.idle && !runner.retire && !runner.slot) {
            runner.retire = true;
        }
    }
    end_retired(lock);
    return ended;
}

void FunctionPool::replace_code(FunctionSpec spec) {
    std::unique_lock lock(m_mutex);
    m_spec = std::move(spec);
    ++m_generation;
    // Idle environments end now; busy ones are replaced before their next invocation.
    for (Runner& runner : m_runners) {
        if (runner.idle && !runner.retire) {
            runner.retire = true;
        }
    }
    end_retired(lock);
}

void FunctionPool::shutdown(std::chrono::milliseconds grace) {
    std::deque<Job> refused;
    std::unique_lock lock(m_mutex);
    m_stopping = true;
    refused = std::move(m_queue);
    m_queue.clear();
    m_work.notify_all();
    lock.unlock();
    for (Job& job : refused) {
        job.done(Throttled{});
    }
    lock.lock();
    auto none_busy = [this] {
        for (const Runner& runner : m_runners) {
            if (runner.busy) {
                return false;
            }
        }
        return true;
    };
    if (!m_changed.wait_for(lock, grace, none_busy)) {
        // Past the grace period: the cancel timer of each busy environment ends it now.
        for (Runner& runner : m_runners) {
            if (runner.busy && runner.slot) {
                arm(runner.slot->give_up_timer.get(), std::chrono::milliseconds(0));
            }
        }
    }
    m_changed.wait(lock, [this] {
        for (const Runner& runner : m_runners) {
            if (!runner.finished) {
                return false;
            }
        }
        return true;
    });
    join_finished();
}

FunctionSpec FunctionPool::spec() const {
    std::lock_guard lock(m_mutex);
    return m_spec;
}

PoolStats FunctionPool::stats() const {
    std::lock_guard lock(m_mutex);
    PoolStats stats;
    for (const Runner& runner : m_runners) {
        if (runner.finished || runner.retire) {
            continue;
        }
        stats.environments += runner.slot || runner.busy ? 1 : 0;
        stats.busy += runner.busy ? 1 : 0;
    }
    stats.queued = static_cast<int>(m_queue.size());
    stats.cold_starts = m_cold_starts;
    return stats;
}

} // namespace lambda_local::runtime::server
