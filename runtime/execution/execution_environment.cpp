// An execution environment's life: a start, invocations one at a time, deadlines, and its end
// (the worker process is in execution_environment_worker.cpp, its frames in
// execution_environment_events.cpp).
#include "runtime/execution/execution_environment.hpp"

#include "runtime/execution/execution_environment_detail.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/protocol/worker_config.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/number_text.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <future>
#include <utility>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
using namespace detail;
using nlohmann::json;

std::string new_trace_id() {
    return "Root=1-" + hex_text(static_cast<unsigned long long>(epoch_ms() / 1000), 8) + "-" +
           random_hex(24) + ";Parent=" + random_hex(16) + ";Sampled=0";
}

ExecutionEnvironment::ExecutionEnvironment(loop::EventLoop& loop, FunctionSpec spec,
                                           EnvironmentOptions options)
    : m_loop(loop), m_spec(std::move(spec)), m_options(std::move(options)), m_deadline(loop),
      m_memory_timer(loop), m_kill_timer(loop), m_network_timer(loop), m_soon(loop) {
    if (!m_options.sandbox && m_options.network == NetworkMode::Isolated) {
        throw Error("--network isolated needs the sandbox: it cannot be used with --no-sandbox");
    }
    if (!m_options.sandbox && !m_spec.layers.empty()) {
        throw Error("layers need the sandbox (they are mounted at /opt in the environment's "
                    "own mount namespace): they cannot be used with --no-sandbox");
    }
}

ExecutionEnvironment::~ExecutionEnvironment() {
    *m_alive = false;
    disarm();
    m_control_watch.reset();
    m_frames_watch.reset();
    m_invoke_watch.reset();
    m_cancel_watch.reset();
    m_exit_watch.reset();
    m_network_watch.reset();
    m_outbound.stop();
    m_runtime_api.reset();
    m_debug_relay.reset();
    if (m_worker_pid > 0 && !m_worker_status) {
        m_control.reset(); // the worker ends the environment
        m_socket.reset();
        m_frames.reset();
        int status = 0;
        if (!reap_worker(m_worker_pid, m_worker_exit,
                         std::chrono::duration_cast<std::chrono::milliseconds>(k_worker_exit_bound),
                         status)) {
            ::kill(m_worker_pid, SIGKILL); // this process's unreaped child: the pid is its own
            while (::waitpid(m_worker_pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }
    m_cgroup.reset();
}

void ExecutionEnvironment::invoke(InvocationRequest request, Done done) {
    if (busy() || m_phase == Phase::Ending) {
        throw Error("internal error: an execution environment runs one invocation at a time");
    }
    m_request = std::move(request);
    m_done = std::move(done);
    m_start_only = false;
    m_result = InvocationResult();
    m_result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
    m_answered = false;
    if (m_phase == Phase::Idle && m_runtime_api && runtime_gone()) {
        // The runtime ended after its last answer: this invocation starts anew.
        m_phase = Phase::Starting; // busy while it ends
        std::weak_ptr<bool> alive = m_alive;
        end_environment([this, alive] {
            if (!alive.expired()) {
                m_phase = Phase::Cold;
                start_or_fail();
            }
        });
        return;
    }
    if (m_phase == Phase::Idle) {
        begin_invoke();
        return;
    }
    try {
        begin_start();
    } catch (...) {
        // The worker could not be started: the caller hears of it from the exception.
        m_done = nullptr;
        m_request.reset();
        m_phase = Phase::Cold;
        throw;
    }
}

void ExecutionEnvironment::start_now(Done done) {
    if (m_phase == Phase::Idle) {
        done(InvocationResult());
        return;
    }
    if (m_phase != Phase::Cold) {
        throw Error("internal error: an execution environment starts once at a time");
    }
    m_request.reset();
    m_done = std::move(done);
    m_start_only = true;
    m_result = InvocationResult();
    try {
        begin_start();
    } catch (...) {
        m_done = nullptr;
        m_phase = Phase::Cold;
        throw;
    }
}

void ExecutionEnvironment::start_or_fail() {
    try {
        begin_start();
    } catch (const Error& e) {
        // Only from a callback: the worker could not be started at all.
        InvocationResult result;
        result.status = InvocationStatus::Crashed;
        result.error_type = "Runtime.Unknown";
        result.payload = error_payload(result.error_type, e.what(), false);
        result.log_lines.push_back(std::string("lambda-local: ") + e.what());
        m_phase = Phase::Cold;
        Done done = std::exchange(m_done, nullptr);
        if (done) {
            done(std::move(result));
        }
    }
}

void ExecutionEnvironment::begin_start() {
    spawn();
    m_phase = Phase::Starting;
    m_init_started = MonotonicClock::now();
    arm(m_init_started + k_init_limit);
    schedule_pump(); // never the caller's callback from inside this call
}

void ExecutionEnvironment::begin_invoke() {
    m_phase = Phase::Invoking;
    m_begin = MonotonicClock::now();
    m_invoke_write_failed = false;
    const InvocationRequest& request = *m_request;
    auto timeout = std::chrono::duration_cast<MonotonicClock::duration>(
        std::chrono::duration<double>(m_spec.timeout_s));
    std::int64_t deadline_ms = epoch_ms() + static_cast<std::int64_t>(m_spec.timeout_s * 1000.0);
    std::string trace_id = request.trace_id.empty() ? new_trace_id() : request.trace_id;
    std::string invoked_function_arn =
        request.invoked_function_arn.empty() ? m_spec.arn() : request.invoked_function_arn;
    m_result.debugger_attached = m_debug_relay && m_debug_relay->connected_once();
    m_stream = std::make_unique<StreamRelay>(m_loop, request.stream, stream_limits());
    m_stream->on_ready([this] { stream_ready(); });
    m_stream_paused = false;
    m_stream_too_large = false;
    if (m_runtime_api) {
        arm(m_begin + timeout);
        runtime_api::Invocation invocation;
        invocation.request_id = request.request_id;
        invocation.event = request.event;
        invocation.deadline_ms = deadline_ms;
        invocation.invoked_function_arn = invoked_function_arn;
        invocation.trace_id = std::move(trace_id);
        invocation.client_context = request.client_context;
        invocation.cognito_identity = request.cognito_identity;
        m_runtime_api->state().receive_streams(runtime_stream_receiver());
        m_runtime_api->state().invoke(std::move(invocation));
        schedule_pump();
        return;
    }
    wire::InvokeMeta meta{request.request_id,
                          deadline_ms,
                          std::move(trace_id),
                          static_cast<std::int64_t>(stream_limits().max_bytes),
                          std::move(invoked_function_arn),
                          request.client_context};
    m_outgoing =
        wire::encode_head(wire::MessageType::Invoke, wire::pack(meta), request.event.size());
    m_outgoing_sent = 0;
    arm(m_begin + timeout);
    send_invoke();
    // The answer is heard when a channel becomes readable, on a later turn of the loop: never
    // from inside invoke(), where a caller that invokes again from its callback would recurse,
    // one level per queued invocation, and hear of them in reverse order. Only what was read
    // already needs a turn of its own (an idle environment has none: idle_worker_alive()).
    if (m_decoder.buffered() > 0 || m_control_decoder.buffered() > 0 || m_pending_exit) {
        schedule_pump();
    }
}

void ExecutionEnvironment::send_invoke() {
    if (!send_invoke_now()) {
        // The handler process is gone: its Exited frame says how, within a second.
        m_invoke_write_failed = true;
        arm_deadline(MonotonicClock::now() + std::chrono::seconds(1));
    }
}

bool ExecutionEnvironment::send_invoke_now() {
    const std::string& body = m_request->event;
    std::size_t total = m_outgoing.size() + body.size();
    while (m_outgoing_sent < total) {
        iovec parts[2];
        std::size_t count = 0;
        if (m_outgoing_sent < m_outgoing.size()) {
            parts[count++] = {m_outgoing.data() + m_outgoing_sent,
                              m_outgoing.size() - m_outgoing_sent};
        }
        std::size_t body_sent = m_outgoing_sent - std::min(m_outgoing_sent, m_outgoing.size());
        if (body_sent < body.size()) {
            parts[count++] = {const_cast<char*>(body.data()) + body_sent, body.size() - body_sent};
        }
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = count;
        ssize_t n = ::sendmsg(m_socket.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            m_outgoing_sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!m_invoke_watch) {
                m_invoke_watch = std::make_unique<loop::FdWatch>(m_loop, m_socket.get());
            }
            m_invoke_watch->start(UV_WRITABLE, [this](int) { send_invoke(); });
            return true;
        }
        break;
    }
    if (m_invoke_watch) {
        m_invoke_watch->stop();
    }
    if (m_outgoing_sent < total) {
        return false;
    }
    m_outgoing.clear(); // sent: nothing of this frame is left in flight
    m_outgoing_sent = 0;
    return true;
}

void ExecutionEnvironment::arm(MonotonicClock::time_point deadline) {
    m_deadline_passed = false;
    m_memory_check_due = false;
    m_cancelled = false;
    arm_deadline(deadline);
    if (m_cgroup) {
        m_memory_timer.repeat(
            std::chrono::duration_cast<std::chrono::milliseconds>(k_memory_check_interval), [this] {
                m_memory_check_due = true;
                pump();
            });
    }
    if (!m_control_watch) {
        m_control_watch = std::make_unique<loop::FdWatch>(m_loop, m_control.get());
    }
    m_control_watch->start(UV_READABLE, [this](int) {
        m_control_readable = true;
        channel_ready();
    });
    if (m_frames_open) {
        if (!m_frames_watch) {
            m_frames_watch = std::make_unique<loop::FdWatch>(m_loop, m_frames.get());
        }
        m_frames_watch->start(UV_READABLE, [this](int) { channel_ready(); });
    }
    if (m_options.cancel_fd >= 0) {
        if (!m_cancel_watch) {
            m_cancel_watch = std::make_unique<loop::FdWatch>(m_loop, m_options.cancel_fd);
        }
        m_cancel_watch->start(UV_READABLE, [this](int) {
            m_cancelled = true;
            pump();
        });
    }
}

void ExecutionEnvironment::arm_deadline(MonotonicClock::time_point deadline) {
    if (debugger_holds()) {
        m_deadline.stop(); // armed again from now when the debugger's session ends
        return;
    }
    m_deadline.start(until(deadline), [this, deadline] {
        if (MonotonicClock::now() < deadline) {
            arm_deadline(deadline); // a millisecond timer's rounding: never early
            return;
        }
        m_deadline_passed = true;
        pump();
    });
}

void ExecutionEnvironment::debugger_left() {
    m_debug_session_over = true;
    if (m_phase == Phase::Starting && !m_connecting_network) {
        arm_deadline(MonotonicClock::now() + k_init_limit);
    } else if (m_phase == Phase::Invoking) {
        arm_deadline(MonotonicClock::now() + std::chrono::duration_cast<MonotonicClock::duration>(
                                                 std::chrono::duration<double>(m_spec.timeout_s)));
    }
}

void ExecutionEnvironment::disarm() {
    m_deadline.stop();
    m_memory_timer.stop();
    if (!m_ending) {
        m_soon.stop();
    }
    // The channels' watches stay: see arm() and channel_ready().
    if (m_invoke_watch) {
        m_invoke_watch->stop();
    }
    if (m_cancel_watch) {
        m_cancel_watch->stop();
    }
}

void ExecutionEnvironment::channel_ready() {
    if (m_phase != Phase::Idle) {
        pump();
        return;
    }
    // An idle environment's worker sends nothing: this is its Exited, a hang-up, or a handler
    // writing on its own. Nothing is read (the watches stop, so the loop does not hear of it
    // again) and the environment is not used again (idle_worker_alive).
    m_idle_disturbed = true;
    if (m_control_watch) {
        m_control_watch->stop();
    }
    if (m_frames_watch) {
        m_frames_watch->stop();
    }
}

void ExecutionEnvironment::schedule_pump() {
    // Not from inside the caller (a Runtime API request that this environment's end would
    // free): on the loop's next turn.
    if (!m_soon.active()) {
        m_soon.start(std::chrono::milliseconds(0), [this] { pump(); });
    }
}

void ExecutionEnvironment::cancel() {
    if (busy()) {
        m_cancelled = true;
        pump();
    }
}

void ExecutionEnvironment::shutdown(std::function<void()> done) {
    switch (m_phase) {
    case Phase::Cold:
        if (done) {
            done();
        }
        return;
    case Phase::Starting:
    case Phase::Invoking:
        // The invocation ends Cancelled; the environment ends with it.
        if (done) {
            m_ended.push_back(std::move(done));
        }
        m_cancelled = true;
        pump();
        return;
    case Phase::Ending:
        if (done) {
            m_ended.push_back(std::move(done));
        }
        return;
    case Phase::Idle:
        m_phase = Phase::Ending;
        end_environment(std::move(done));
        return;
    }
}

bool ExecutionEnvironment::over_memory_size() const {
    return m_cgroup && m_cgroup->anonymous_bytes() > (std::int64_t(m_spec.memory_mb) << 20);
}

void ExecutionEnvironment::finish(InvocationResult result, bool end_environment_now) {
    disarm();
    if (!m_outgoing.empty()) {
        // Part of the Invoke frame is in the handler channel: the next frame could not follow.
        end_environment_now = true;
    }
    m_stream.reset(); // the sink hears nothing more of this invocation
    m_stream_paused = false;
    if (m_debug_session_over) {
        end_environment_now = true; // the next invocation waits for a debugger again
    }
    m_result = InvocationResult();
    Done done = std::exchange(m_done, nullptr);
    m_request.reset();
    auto deliver = [done = std::move(done), result = std::move(result)]() mutable {
        if (done) {
            done(std::move(result));
        }
    };
    if (!end_environment_now) {
        m_phase = Phase::Idle;
        m_completed = std::move(deliver);
        if (!m_pumping) {
            std::function<void()> completed = std::exchange(m_completed, nullptr);
            completed();
        }
        return;
    }
    m_phase = Phase::Ending;
    // The result reaches the caller once the environment is gone; then whoever waited for
    // its end.
    end_environment(std::move(deliver));
}

bool ExecutionEnvironment::idle_worker_alive() const {
    if (!warm()) {
        return false;
    }
    // An idle environment sends nothing: bytes already read, a channel readable since it became
    // idle (heard on the loop, channel_ready()), mean an Exited frame, a hang-up, or a handler
    // writing on its own.
    return !m_idle_disturbed && m_decoder.buffered() == 0 && m_control_decoder.buffered() == 0 &&
           !m_pending_exit;
}

InvocationResult invoke_and_wait(loop::EventLoop& loop, ExecutionEnvironment& environment,
                                 InvocationRequest request) {
    std::optional<InvocationResult> result;
    environment.invoke(std::move(request),
                       [&result](InvocationResult done) { result = std::move(done); });
    loop.run_until([&result] { return result.has_value(); });
    if (!result) {
        throw Error("internal error: the event loop ran out of work before the invocation "
                    "ended");
    }
    return std::move(*result);
}

void shutdown_and_wait(loop::EventLoop& loop, ExecutionEnvironment& environment) {
    bool ended = false;
    environment.shutdown([&ended] { ended = true; });
    loop.run_until([&ended] { return ended; });
}

} // namespace lambda_local::runtime
