// The execution environments of one function while serving.
#include "runtime/server/function_pool.hpp"

#include "runtime/report.hpp"
#include "runtime/util/error.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

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
    slot->log = m_logs.add_source("[" + m_spec.name + "]");
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

void FunctionPool::write_log(Slot& slot, const std::string& text) {
    std::string_view left = text;
    while (!left.empty()) {
        ssize_t n = ::write(slot.log.write.get(), left.data(), left.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        left.remove_prefix(static_cast<std::size_t>(n));
    }
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

std::variant<PoolInvocation, Throttled> FunctionPool::invoke(const InvocationRequest& request,
                                                             const InvocationControls& controls) {
    std::unique_ptr<Slot> slot;
    std::vector<std::unique_ptr<Slot>> dead;
    int memory_mb = 0;
    double timeout_s = 0;
    {
        std::unique_lock lock(m_mutex);
        if (m_stopping) {
            return Throttled{};
        }
        // An idle environment whose worker has died is ended and replaced (a cold start).
        while (!m_idle.empty() && !m_idle.back()->environment->idle_worker_alive()) {
            dead.push_back(std::move(m_idle.back()));
            m_idle.pop_back();
            --m_environments;
        }
        if (!m_idle.empty()) {
            slot = std::move(m_idle.back());
            m_idle.pop_back();
        } else if (m_environments < m_settings.max_concurrency) {
            slot = new_slot();
            ++m_environments;
        } else {
            // Every environment is busy: wait in line, first come first served. A release hands
            // its environment (or the place of one that ended) to the first waiter.
            if (static_cast<int>(m_waiters.size()) >= m_settings.max_queued) {
                return Throttled{};
            }
            Waiter waiter;
            m_waiters.push_back(&waiter);
            waiter.ready.wait(lock, [&waiter] { return waiter.done; });
            if (waiter.refused) {
                return Throttled{};
            }
            slot = std::move(waiter.slot);
            if (slot && !slot->environment->idle_worker_alive()) {
                dead.push_back(std::move(slot));
            }
            if (!slot) {
                slot = new_slot(); // the place is counted in m_environments already
            }
        }
        ++m_busy;
        m_in_use.push_back(slot.get());
        memory_mb = m_spec.memory_mb;
        timeout_s = m_spec.timeout_s;
    }
    for (auto& gone : dead) {
        end(std::move(gone));
    }

    PoolInvocation done;
    std::future<std::string> captured;
    if (controls.capture_log) {
        captured = m_logs.capture(slot->log.id, request.request_id);
    }
    bool armed = controls.give_up_after &&
                 controls.give_up_after->count() < static_cast<long>(timeout_s * 1000.0);
    if (armed) {
        arm(slot->give_up_timer.get(), *controls.give_up_after);
    }
    write_log(*slot, start_line(request.request_id));
    done.result = slot->environment->invoke(request);
    if (armed) {
        disarm(slot->give_up_timer.get());
        std::uint64_t expirations = 0;
        [[maybe_unused]] ssize_t ignored =
            ::read(slot->give_up_timer.get(), &expirations, sizeof expirations);
    }
    if (done.result.init_duration_ms) {
        std::lock_guard lock(m_mutex);
        ++m_cold_starts;
    }
    note_sandbox(*slot->environment);

    std::string log;
    for (const auto& line : done.result.log_lines) {
        log += line + "\n";
    }
    if (done.result.status == InvocationStatus::Cancelled) {
        log += "lambda-local: the integration timed out; the invocation was stopped\n";
    }
    ReportFigures figures;
    figures.duration_ms = done.result.duration_ms;
    figures.memory_size_mb = memory_mb;
    figures.max_memory_used_mb = done.result.max_memory_used_mb;
    figures.init_duration_ms = done.result.init_duration_ms;
    std::string after = controls.after ? controls.after(done.result) : std::string();
    log += end_line(request.request_id);
    log += report_line(request.request_id, figures);
    if (!after.empty()) {
        log += k_unattributed_line + after + "\n";
    }
    write_log(*slot, log);
    if (captured.valid() && captured.wait_for(k_log_capture_wait) == std::future_status::ready) {
        try {
            done.log = captured.get();
        } catch (const std::future_error&) {
            done.log.clear();
        }
    }
    bool reusable = slot->environment->warm();
    release(std::move(slot), reusable);
    return done;
}

void FunctionPool::release(std::unique_ptr<Slot> slot, bool reusable) {
    std::unique_ptr<Slot> ended;
    {
        std::lock_guard lock(m_mutex);
        --m_busy;
        std::erase(m_in_use, slot.get());
        if (reusable && !m_stopping && slot->generation == m_generation) {
            slot->idle_since = MonotonicClock::now();
            if (!m_waiters.empty()) {
                hand_over(std::move(slot));
            } else {
                m_idle.push_back(std::move(slot));
            }
        } else {
            ended = std::move(slot);
            if (!m_stopping && !m_waiters.empty()) {
                hand_over(nullptr); // the first waiter starts a new environment in its place
            } else {
                --m_environments;
            }
        }
        if (m_stopping && m_busy == 0) {
            m_drained.notify_all();
        }
    }
    if (ended) {
        end(std::move(ended));
    }
}

void FunctionPool::hand_over(std::unique_ptr<Slot> slot) {
    Waiter* waiter = m_waiters.front();
    m_waiters.pop_front();
    waiter->slot = std::move(slot);
    waiter->done = true;
    waiter->ready.notify_one();
}

void FunctionPool::make_room() {
    while (!m_waiters.empty() && m_environments < m_settings.max_concurrency) {
        ++m_environments;
        hand_over(nullptr);
    }
}

void FunctionPool::end(std::unique_ptr<Slot> slot) {
    slot->environment->shutdown();
    slot.reset();
}

int FunctionPool::start_warm(int count) {
    int warm = 0;
    for (int i = 0; i < count; ++i) {
        std::unique_ptr<Slot> slot;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping || m_environments >= m_settings.max_concurrency) {
                break;
            }
            slot = new_slot();
            ++m_environments;
            ++m_busy;
            m_in_use.push_back(slot.get());
        }
        InvocationResult failure;
        bool started = slot->environment->start_now(failure);
        note_sandbox(*slot->environment);
        if (started) {
            ++warm;
            std::lock_guard lock(m_mutex);
            ++m_cold_starts;
        } else {
            for (const auto& line : failure.log_lines) {
                write_log(*slot, line + "\n");
            }
            write_log(*slot, "lambda-local: --warm: the environment did not start: " +
                                 failure.payload + "\n");
        }
        release(std::move(slot), started);
    }
    return warm;
}

int FunctionPool::reap_idle(MonotonicClock::time_point now) {
    std::vector<std::unique_ptr<Slot>> ended;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_idle.begin(); it != m_idle.end();) {
            if (now - (*it)->idle_since >= m_settings.idle_timeout) {
                ended.push_back(std::move(*it));
                it = m_idle.erase(it);
                --m_environments;
            } else {
                ++it;
            }
        }
        make_room();
    }
    for (auto& slot : ended) {
        end(std::move(slot));
    }
    return static_cast<int>(ended.size());
}

void FunctionPool::replace_code(FunctionSpec spec) {
    std::vector<std::unique_ptr<Slot>> ended;
    {
        std::lock_guard lock(m_mutex);
        m_spec = std::move(spec);
        ++m_generation;
        m_environments -= static_cast<int>(m_idle.size());
        ended = std::move(m_idle);
        m_idle.clear();
        make_room();
    }
    for (auto& slot : ended) {
        end(std::move(slot));
    }
}

void FunctionPool::shutdown(std::chrono::milliseconds grace) {
    std::vector<std::unique_ptr<Slot>> ended;
    {
        std::unique_lock lock(m_mutex);
        m_stopping = true;
        for (Waiter* waiter : m_waiters) {
            waiter->refused = true;
            waiter->done = true;
            waiter->ready.notify_one();
        }
        m_waiters.clear();
        if (!m_drained.wait_for(lock, grace, [this] { return m_busy == 0; })) {
            // Past the grace period: the cancel timer of each busy environment ends it now.
            for (Slot* busy : m_in_use) {
                arm(busy->give_up_timer.get(), std::chrono::milliseconds(0));
            }
            m_drained.wait(lock, [this] { return m_busy == 0; });
        }
        m_environments -= static_cast<int>(m_idle.size());
        ended = std::move(m_idle);
        m_idle.clear();
    }
    for (auto& slot : ended) {
        end(std::move(slot));
    }
}

FunctionSpec FunctionPool::spec() const {
    std::lock_guard lock(m_mutex);
    return m_spec;
}

PoolStats FunctionPool::stats() const {
    std::lock_guard lock(m_mutex);
    return {m_environments, m_busy, static_cast<int>(m_waiters.size()), m_cold_starts};
}

} // namespace lambda_local::runtime::server
