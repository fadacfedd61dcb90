// Starting, talking to, and ending a worker process.
#include "runtime/execution_environment.hpp"

#include "runtime/execution_environment_detail.hpp"

#include "runtime/layers/layers.hpp"
#include "runtime/report.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/worker_config.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <future>
#include <utility>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
namespace {

using detail::elapsed_ms;
using detail::first_child;
using detail::k_memory_check_interval;
using detail::meta_value;
using nlohmann::json;

// Lambda's limit for the init phase of an on-demand execution environment.
constexpr auto k_init_limit = std::chrono::seconds(10);
// How long pasta may take to configure an isolated environment's network namespace.
constexpr auto k_network_limit = std::chrono::seconds(5);
// How long the worker has to end its environment once told to, before it is killed itself.
constexpr auto k_worker_exit_bound = std::chrono::seconds(5);
// The most the handler channel may carry in one frame: a response of Lambda's largest size.
constexpr wire::Limits k_handler_limits{wire::k_max_meta, k_max_response_payload};
// The Runtime API's address inside an environment of its own network namespace (Lambda's).
constexpr const char* k_isolated_runtime_api = "127.0.0.1:9001";

// Moves one end of a new channel above the worker's descriptors 3 to 5, close-on-exec, so
// that placing the three cannot overwrite one with another.
Fd above_worker_fds(int fd) {
    Fd moved(::fcntl(fd, F_DUPFD_CLOEXEC, 10));
    ::close(fd);
    if (!moved) {
        throw Error(os_error("fcntl"));
    }
    return moved;
}

// Waits up to `bound` for the worker (this process's child) to end, and reaps it; false when
// it is still running.
bool reap_worker(pid_t pid, const Fd& exit_fd, std::chrono::milliseconds bound, int& status) {
    auto deadline = MonotonicClock::now() + bound;
    for (;;) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            return true;
        }
        auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - MonotonicClock::now()).count();
        if (left <= 0) {
            return false;
        }
        if (exit_fd) {
            pollfd ready{exit_fd.get(), POLLIN, 0};
            ::poll(&ready, 1, static_cast<int>(left));
        } else {
            ::usleep(1000);
        }
    }
}

std::string executable_dir() {
    char path[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        return ".";
    }
    std::string exe(path, static_cast<std::size_t>(n));
    return exe.substr(0, exe.rfind('/'));
}

// Milliseconds from now until `deadline`, rounded up: a deadline must never fire early.
std::chrono::milliseconds until(MonotonicClock::time_point deadline) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::ceil<std::chrono::milliseconds>(deadline - MonotonicClock::now()));
}

std::string cgroup_name() {
    static std::atomic<int> counter{0};
    return "lambda-local-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

} // namespace

std::string new_trace_id() {
    char epoch[16];
    std::snprintf(epoch, sizeof epoch, "%08llx",
                  static_cast<unsigned long long>(epoch_ms() / 1000));
    return "Root=1-" + std::string(epoch) + "-" + random_hex(24) + ";Parent=" + random_hex(16) +
           ";Sampled=0";
}

std::string find_worker_executable() {
    if (const char* named = std::getenv("LAMBDA_LOCAL_WORKER"); named != nullptr && *named) {
        if (::access(named, X_OK) != 0) {
            throw Error("LAMBDA_LOCAL_WORKER=" + std::string(named) + " is not executable");
        }
        return named;
    }
    std::string dir = executable_dir();
    for (const std::string& candidate :
         {dir + "/lambda-local-worker", dir + "/../libexec/lambda-local/lambda-local-worker"}) {
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    throw Error("cannot find lambda-local-worker beside " + dir +
                "/lambda-local (reinstall, or set LAMBDA_LOCAL_WORKER)");
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

void ExecutionEnvironment::spawn() {
    m_log_stream = new_log_stream_name(WallClock::now());
    bool isolated = m_options.sandbox && m_options.network == NetworkMode::Isolated;
    std::string runtime_api_address;
    if (m_spec.is_bootstrap()) {
        if (m_options.runtime_api == nullptr) {
            throw Error("a custom runtime needs the Runtime API, which this executable cannot "
                        "serve (run it with lambda-local-serve)");
        }
        if (isolated) {
            // Served from the listening socket the worker makes inside the namespace.
            runtime_api_address = k_isolated_runtime_api;
        } else {
            // Listening first: the runtime is told where, in AWS_LAMBDA_RUNTIME_API.
            m_runtime_api = m_options.runtime_api->open(Fd(), [this] { schedule_pump(); });
            runtime_api_address = m_runtime_api->address();
        }
    }
    EnvVars vars =
        build_lambda_environment(m_spec, m_log_stream, m_options.host, runtime_api_address);
    std::vector<std::string> entries;
    entries.reserve(vars.size());
    for (const auto& [key, value] : vars) {
        entries.push_back(key + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& entry : entries) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    // The worker ends itself when this process does; it is told whom to watch.
    std::string worker = m_options.worker_path;
    std::string parent = std::to_string(::getpid());
    char* argv[] = {worker.data(), parent.data(), nullptr};

    // The control channel (a socketpair), and the handler channel: a socket in, a pipe back
    // (see worker::Channels).
    int control_pair[2];
    int invoke_pair[2];
    int result_pipe[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control_pair) != 0) {
        throw Error(os_error("socketpair"));
    }
    Fd control(control_pair[0]);
    Fd theirs_control = above_worker_fds(control_pair[1]);
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, invoke_pair) != 0) {
        throw Error(os_error("socketpair"));
    }
    Fd ours(invoke_pair[0]);
    Fd theirs_invoke = above_worker_fds(invoke_pair[1]);
    if (::pipe2(result_pipe, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    Fd frames(result_pipe[0]);
    ::fcntl(frames.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(control.get(), F_SETFL, O_NONBLOCK);
    Fd theirs_results = above_worker_fds(result_pipe[1]);
    // --debug: gdbserver's standard streams, relayed to the debugger's connection.
    Fd debug_channel;
    Fd theirs_debug;
    if (m_options.debug) {
        int debug_pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, debug_pair) != 0) {
            throw Error(os_error("socketpair"));
        }
        debug_channel = Fd(debug_pair[0]);
        theirs_debug = above_worker_fds(debug_pair[1]);
    }

    // Making the cgroup (~0.3 ms of file system work) overlaps the worker's exec:
    // the worker waits for its configuration before forking anything.
    m_notes.clear();
    std::future<std::unique_ptr<Cgroup>> cgroup;
    std::string cgroup_why;
    if (m_options.sandbox) {
        // /tmp is a tmpfs, whose pages the kernel charges to the cgroup: the hard
        // limit leaves room for it, and the memory size itself is enforced on
        // anonymous memory by over_memory_size().
        std::uint64_t limit = std::uint64_t(m_spec.memory_mb + m_spec.tmp_mb) << 20;
        cgroup = std::async(std::launch::async, [limit, &cgroup_why] {
            return Cgroup::create(cgroup_name(), limit, k_processes_limit, cgroup_why);
        });
    }

    // posix_spawn (a vfork underneath) does not copy the supervisor's page tables.
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, m_options.output_fd, 1);
    ::posix_spawn_file_actions_adddup2(&actions, m_options.output_fd, 2);
    ::posix_spawn_file_actions_adddup2(&actions, theirs_control.get(), 3);
    ::posix_spawn_file_actions_adddup2(&actions, theirs_invoke.get(), 4);
    ::posix_spawn_file_actions_adddup2(&actions, theirs_results.get(), 5);
    if (theirs_debug) {
        ::posix_spawn_file_actions_adddup2(&actions, theirs_debug.get(), 6);
    }
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    sigset_t all;
    sigset_t none;
    ::sigfillset(&all);
    ::sigemptyset(&none);
    ::posix_spawnattr_setsigdefault(&attributes, &all);
    ::posix_spawnattr_setsigmask(&attributes, &none);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int failed = ::posix_spawn(&pid, worker.c_str(), &actions, &attributes, argv, envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    if (cgroup.valid()) {
        m_cgroup = cgroup.get();
        if (!m_cgroup) {
            m_notes.push_back("no memory cgroup (" + cgroup_why +
                              "): the memory size is enforced with RLIMIT_DATA, so an "
                              "allocation past it fails instead of ending the environment");
        } else {
            m_oom_kills_at_start = m_cgroup->oom_kills();
        }
    }
    if (failed != 0) {
        m_cgroup.reset();
        m_runtime_api.reset();
        throw Error("cannot start the worker " + worker + ": " + os_error("posix_spawn", failed));
    }
    m_worker_pid = pid;
    m_worker_status.reset();
#ifdef SYS_pidfd_open
    m_worker_exit = Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#endif
    m_control = std::move(control);
    m_socket = std::move(ours);
    m_frames = std::move(frames);
    m_control_decoder = wire::FrameDecoder();
    m_decoder = wire::FrameDecoder(k_handler_limits);
    m_frames_open = true;
    m_sandbox_reported = false;
    m_pending_exit.reset();
    m_held_frame.reset();
    m_passed_fds.clear();
    m_runtime_pid = -1;
    if (m_cgroup && !m_cgroup->add(pid)) {
        m_notes.push_back("memory cgroup not joined: " + os_error("write cgroup.procs"));
    }

    WorkerConfig config;
    config.library = m_spec.library;
    config.bootstrap = m_spec.bootstrap;
    config.handler = m_spec.handler;
    config.abi = m_spec.abi;
    config.task_root = m_spec.code_dir;
    config.layers = m_spec.layers;
    config.layer_mount = layers::layer_mount_override();
    config.tmp_mb = m_spec.tmp_mb;
    config.sandbox.isolate = m_options.sandbox;
    config.sandbox.memory_rlimit = m_options.sandbox && !m_cgroup;
    config.sandbox.memory_bytes = std::uint64_t(m_spec.memory_mb) << 20;
    config.sandbox.isolated_network = isolated;
    config.function_name = m_spec.name;
    config.invoked_function_arn = m_spec.arn();
    config.memory_mb = m_spec.memory_mb;
    config.log_group_name = m_spec.log_group_name();
    config.log_stream_name = m_log_stream;
    m_debug_session_over = false;
    if (m_options.debug) {
        config.gdbserver = m_options.debug->gdbserver;
        m_debug_relay = std::make_unique<debugger::DebugRelay>(
            m_loop, m_options.debug->listener.get(), std::move(debug_channel),
            [this] { debugger_left(); });
    }
    // A worker that died at once shows as a closed channel below.
    wire::write_frame(m_control.get(), {wire::MessageType::Config, to_json(config).dump(), {}});
}

void ExecutionEnvironment::begin_start() {
    spawn();
    m_phase = Phase::Starting;
    m_init_started = MonotonicClock::now();
    arm(m_init_started + k_init_limit);
    pump();
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
    m_result.debugger_attached = m_debug_relay && m_debug_relay->connected_once();
    if (m_runtime_api) {
        arm(m_begin + timeout);
        runtime_api::Invocation invocation;
        invocation.request_id = request.request_id;
        invocation.event = request.event;
        invocation.deadline_ms = deadline_ms;
        invocation.invoked_function_arn = m_spec.arn();
        invocation.trace_id = std::move(trace_id);
        invocation.client_context = request.client_context;
        invocation.cognito_identity = request.cognito_identity;
        m_runtime_api->state().invoke(std::move(invocation));
        pump();
        return;
    }
    wire::InvokeMeta meta{request.request_id, deadline_ms, std::move(trace_id)};
    if (!wire::write_frame(m_socket.get(),
                           {wire::MessageType::Invoke, wire::pack(meta), request.event})) {
        // The handler process is gone: its Exited frame says how, soon.
        m_invoke_write_failed = true;
        arm(m_begin + std::chrono::seconds(1));
    } else {
        arm(m_begin + timeout);
    }
    pump();
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
    m_control_watch->start(UV_READABLE, [this](int) { pump(); });
    if (m_frames_open) {
        if (!m_frames_watch) {
            m_frames_watch = std::make_unique<loop::FdWatch>(m_loop, m_frames.get());
        }
        m_frames_watch->start(UV_READABLE, [this](int) { pump(); });
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
    if (m_control_watch) {
        m_control_watch->stop();
    }
    if (m_frames_watch) {
        m_frames_watch->stop();
    }
    if (m_cancel_watch) {
        m_cancel_watch->stop();
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

void ExecutionEnvironment::pump() {
    if (m_pumping) {
        return; // the outer pump looks again
    }
    m_pumping = true;
    while (busy()) {
        std::optional<Awaited> awaited = next_event();
        if (!awaited) {
            break;
        }
        if (m_phase == Phase::Starting) {
            on_start_event(std::move(*awaited));
        } else if (m_runtime_api) {
            on_runtime_invoke_event(std::move(*awaited));
        } else {
            on_invoke_event(std::move(*awaited));
        }
    }
    m_pumping = false;
    // Last: the caller's callback may start the next invocation here, or end this object.
    if (m_completed) {
        std::function<void()> completed = std::exchange(m_completed, nullptr);
        completed();
    }
}

bool ExecutionEnvironment::read_available() {
    char buffer[65536];
    // The handler channel first: its frames come before the Exited that follows them.
    while (m_frames_open) {
        ssize_t n = ::read(m_frames.get(), buffer, sizeof buffer);
        if (n > 0) {
            m_decoder.feed(buffer, static_cast<std::size_t>(n));
            if (m_decoder.buffered() > k_handler_limits.max_body + k_handler_limits.max_meta) {
                break; // a whole frame is there (or a corrupt one): decode before reading more
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || errno != EAGAIN) {
            m_frames_open = false; // the handler process (and its children) closed it
            if (m_frames_watch) {
                m_frames_watch->stop();
            }
        }
        break;
    }
    for (;;) {
        std::vector<int> received;
        long n = wire::read_receiving(m_control.get(), buffer, sizeof buffer, received);
        for (int fd : received) {
            m_passed_fds.emplace_back(fd);
        }
        if (n > 0) {
            m_control_decoder.feed(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n < 0 && errno == EAGAIN;
    }
}

std::optional<ExecutionEnvironment::Awaited> ExecutionEnvironment::next_event() {
    if (m_connecting_network) {
        // The worker waits for pasta, and so does everything else; but a cancel or the
        // deadline.
        if (m_cancelled) {
            return Awaited{Wait::Cancelled, {}, 0};
        }
        if (m_deadline_passed) {
            return Awaited{Wait::Timeout, {}, 0};
        }
        return std::nullopt;
    }
    for (;;) {
        std::optional<wire::Frame> frame;
        try {
            frame = m_held_frame ? std::exchange(m_held_frame, std::nullopt) : m_decoder.next();
        } catch (const std::exception&) {
            return Awaited{Wait::Broken, {}, 0}; // not a frame: the handler wrote on the pipe
        }
        if (frame && !m_sandbox_reported) {
            // The first frame is written before any handler code runs: the sandbox's notes.
            if (frame->type != wire::MessageType::Sandbox) {
                return Awaited{Wait::Broken, {}, 0};
            }
            m_sandbox_reported = true;
            json meta = json::parse(frame->meta, nullptr, false);
            if (meta.is_object() && meta.contains("notes") && meta["notes"].is_array()) {
                for (const auto& note : meta["notes"]) {
                    if (note.is_string()) {
                        m_notes.push_back(note.get<std::string>());
                    }
                }
            }
            continue;
        }
        if (frame && frame->type != wire::MessageType::Ready &&
            frame->type != wire::MessageType::InitError &&
            frame->type != wire::MessageType::Result) {
            return Awaited{Wait::Broken, {}, 0}; // only the handler process writes here
        }
        // A runtime's answer counts before what came with it (its Exited, when it answered
        // and ended at once).
        if (m_runtime_api && m_runtime_api->state().has_notices()) {
            m_held_frame = std::move(frame);
            return Awaited{Wait::RuntimeApi, {}, 0};
        }
        if (frame) {
            return Awaited{Wait::Frame, std::move(*frame), 0};
        }
        if (m_pending_exit) {
            return Awaited{Wait::Exited, {}, *std::exchange(m_pending_exit, std::nullopt)};
        }
        std::optional<wire::Frame> control;
        try {
            control = m_control_decoder.next();
        } catch (const std::exception&) {
            return Awaited{Wait::Closed, {}, 0}; // the worker's own channel: cannot happen
        }
        if (control) {
            if (control->type == wire::MessageType::Exited) {
                // Whatever the handler wrote before it ended is read first.
                m_pending_exit = meta_value(control->meta, "wait_status", 0);
                read_available();
            } else if (control->type == wire::MessageType::Network) {
                connect_network(*control);
                if (m_connecting_network || !busy()) {
                    return std::nullopt; // pasta is starting, or the start failed
                }
            }
            continue;
        }
        if (m_cancelled) {
            return Awaited{Wait::Cancelled, {}, 0};
        }
        // Before reading more: a handler that writes without end cannot hold its deadline off.
        if (m_deadline_passed) {
            return Awaited{Wait::Timeout, {}, 0};
        }
        if (m_memory_check_due) {
            m_memory_check_due = false;
            if (over_memory_size()) {
                return Awaited{Wait::OutOfMemory, {}, 0};
            }
        }
        std::size_t before = m_decoder.buffered() + m_control_decoder.buffered();
        bool control_open = read_available();
        if (m_decoder.buffered() + m_control_decoder.buffered() != before) {
            continue;
        }
        if (!control_open) {
            return Awaited{Wait::Closed, {}, 0};
        }
        return std::nullopt;
    }
}

void ExecutionEnvironment::connect_network(const wire::Frame& frame) {
    std::vector<Fd> passed = std::move(m_passed_fds);
    m_passed_fds.clear();
    json meta = json::parse(frame.meta, nullptr, false);
    std::string problem;
    if (meta.is_object() && meta.contains("error") && meta["error"].is_string()) {
        problem = meta["error"].get<std::string>();
    } else if (m_spec.is_bootstrap() && !m_runtime_api) {
        if (passed.empty()) {
            problem = "the worker sent no Runtime API socket";
        } else {
            try {
                m_runtime_api = m_options.runtime_api->open(std::move(passed.front()),
                                                            [this] { schedule_pump(); });
            } catch (const Error& e) {
                problem = e.what();
            }
        }
    }
    if (!problem.empty()) {
        // lambda-local's own failure, before any code of the function ran.
        InvocationResult result = std::move(m_result);
        result.status = InvocationStatus::InitError;
        result.error_type = "Runtime.InitError";
        std::string message = "lambda-local: --network isolated: " + problem;
        result.payload = error_payload(result.error_type, message, false);
        result.log_lines.push_back(message);
        finish(std::move(result), true);
        return;
    }
    std::string why = m_outbound.launch(m_worker_pid);
    if (!why.empty()) {
        network_connected(why);
        return;
    }
    m_connecting_network = true;
    m_network_watch = std::make_unique<loop::FdWatch>(m_loop, m_outbound.ready_fd());
    m_network_watch->start(UV_READABLE, [this](int) {
        std::optional<bool> ready = m_outbound.ready();
        if (ready) {
            network_connected(*ready ? std::string() : m_outbound.failure(true));
        }
    });
    m_network_timer.start(std::chrono::duration_cast<std::chrono::milliseconds>(k_network_limit),
                          [this] { network_connected(m_outbound.failure(false)); });
}

void ExecutionEnvironment::network_connected(const std::string& why) {
    m_network_watch.reset();
    m_network_timer.stop();
    m_connecting_network = false;
    if (!why.empty()) {
        m_notes.push_back("--network isolated: no outbound network (" + why +
                          "): the environment reaches only its own loopback");
    }
    wire::write_frame(m_control.get(), {wire::MessageType::Proceed, "{}", {}});
    // The function's init starts now, not lambda-local's, and has its whole limit.
    m_init_started = MonotonicClock::now();
    arm_deadline(m_init_started + k_init_limit);
    schedule_pump();
}

void ExecutionEnvironment::on_start_event(Awaited awaited) {
    InvocationResult& result = m_result;
    if (awaited.what == Wait::RuntimeApi) {
        for (const runtime_api::Notice& notice : m_runtime_api->state().take_notices()) {
            if (notice.kind == runtime_api::Notice::Kind::Ready) {
                result.init_duration_ms = elapsed_ms(m_init_started, notice.at);
                measure_runtime_memory();
                started();
                return;
            }
            if (notice.kind == runtime_api::Notice::Kind::InitError) {
                runtime_api::apply_init_error(notice, result);
                result.init_duration_ms = elapsed_ms(m_init_started, notice.at);
                finish(std::move(result), true);
                return;
            }
        }
        return;
    }
    if (awaited.what == Wait::Frame) {
        const wire::Frame& frame = awaited.frame;
        json meta = json::parse(frame.meta, nullptr, false);
        if (!meta.is_object()) {
            meta = json::object();
        }
        auto number = [&meta](const char* key) {
            return meta.contains(key) && meta[key].is_number() ? meta[key].get<double>() : 0.0;
        };
        auto text = [&meta](const char* key, const char* fallback) {
            return meta.contains(key) && meta[key].is_string() ? meta[key].get<std::string>()
                                                               : std::string(fallback);
        };
        if (frame.type == wire::MessageType::Ready && !m_runtime_api) {
            result.init_duration_ms = number("init_duration_us") / 1000.0;
            m_peak_rss_kib = static_cast<std::int64_t>(number("peak_rss_kib"));
            started();
            return;
        }
        if (frame.type == wire::MessageType::InitError) {
            std::string type = text("errorType", "Runtime.InitError");
            std::string message = text("errorMessage", "");
            result.status = InvocationStatus::InitError;
            result.error_type = type;
            result.payload = error_payload(type, message, true);
            result.log_lines.push_back("[ERROR] " + type + ": " + message);
            result.init_duration_ms = number("init_duration_us") / 1000.0;
            finish(std::move(result), true);
            return;
        }
        // A Result before the environment is ready, or a Ready from a custom runtime (which
        // answers on the Runtime API): not the handler process's protocol.
        awaited.what = Wait::Broken;
    }
    if (awaited.what == Wait::Timeout) {
        std::string message = "Init phase timed out after 10.00 seconds";
        result.status = InvocationStatus::InitError;
        result.error_type = "Runtime.InitError";
        result.payload = error_payload(result.error_type, message, false);
        result.log_lines.push_back("[ERROR] Runtime.InitError: " + message);
        result.init_duration_ms = elapsed_ms(m_init_started);
        finish(std::move(result), true);
        return;
    }
    if (awaited.what == Wait::Cancelled) {
        result.status = InvocationStatus::Cancelled;
        finish(std::move(result), true);
        return;
    }
    runtime_exited(result, awaited);
    result.init_duration_ms = elapsed_ms(m_init_started);
    finish(std::move(result), true);
}

void ExecutionEnvironment::started() {
    m_result.max_memory_used_mb =
        std::max(m_result.max_memory_used_mb, memory_used_mb(m_peak_rss_kib));
    if (m_start_only) {
        finish(std::move(m_result), false);
        return;
    }
    InvocationResult result = std::move(m_result);
    m_result = InvocationResult();
    m_result.init_duration_ms = result.init_duration_ms;
    m_result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
    begin_invoke();
}

void ExecutionEnvironment::on_invoke_event(Awaited awaited) {
    InvocationResult& result = m_result;
    if (awaited.what == Wait::Frame && awaited.frame.type == wire::MessageType::Result) {
        wire::Frame& frame = awaited.frame;
        wire::ResultMeta meta_in;
        try {
            meta_in = wire::unpack_result_meta(frame.meta);
        } catch (const std::runtime_error&) {
            awaited.what = Wait::Broken;
        }
        if (awaited.what == Wait::Frame) {
            result.duration_ms = static_cast<double>(meta_in.duration_us) / 1000.0;
            m_peak_rss_kib = std::max(m_peak_rss_kib, meta_in.peak_rss_kib);
            result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
            if (meta_in.ok) {
                result.payload = std::move(frame.body);
            } else {
                result.status = InvocationStatus::FunctionError;
                result.error_type = std::move(meta_in.error_type);
                // Errors the platform raises (Function.ResponseSizeTooLarge) carry no stack trace.
                bool from_handler = result.error_type.rfind("Function.", 0) != 0;
                result.payload =
                    error_payload(result.error_type, meta_in.error_message, from_handler);
            }
            finish(std::move(result), false);
            return;
        }
    } else if (awaited.what == Wait::Frame) {
        awaited.what = Wait::Broken; // Ready or InitError in the middle of an invocation
    }
    if (awaited.what == Wait::Timeout && m_invoke_write_failed) {
        awaited.what = Wait::Closed; // no Exited came for the handler process that was gone
    }
    result.duration_ms = elapsed_ms(m_begin);
    abandoned(result, awaited);
    finish(std::move(result), true);
}

void ExecutionEnvironment::abandoned(InvocationResult& result, const Awaited& awaited) {
    if (awaited.what == Wait::Timeout) {
        result.status = InvocationStatus::Timeout;
        result.error_type = "Sandbox.Timedout";
        result.payload = timeout_payload(m_request->request_id, m_spec.timeout_s);
        return;
    }
    if (awaited.what == Wait::Cancelled) {
        result.status = InvocationStatus::Cancelled;
        return;
    }
    runtime_exited(result, awaited);
}

bool ExecutionEnvironment::over_memory_size() const {
    return m_cgroup && m_cgroup->anonymous_bytes() > (std::int64_t(m_spec.memory_mb) << 20);
}

void ExecutionEnvironment::runtime_exited(InvocationResult& result, const Awaited& awaited) {
    std::string request_id = m_request ? m_request->request_id : new_request_id();
    if (awaited.what == Wait::Broken) {
        result.log_lines.push_back(
            "lambda-local: the handler process wrote something other than its answer on the "
            "worker protocol's descriptor; its environment was ended");
    }
    bool oom = awaited.what == Wait::OutOfMemory ||
               (m_cgroup && m_cgroup->oom_kills() > m_oom_kills_at_start);
    int wait_status = awaited.wait_status;
    if (awaited.what != Wait::Exited) {
        // Killed here (broken protocol, out of memory), or the worker itself is gone (killed
        // from outside, or it could not start): its own status tells which. Its control channel
        // closed as it exited: it is reaped at once (bounded, should it linger).
        int worker_status = 0;
        bool reaped = false;
        if (awaited.what == Wait::Closed && m_worker_pid > 0 && !m_worker_status) {
            reaped = reap_worker(m_worker_pid, m_worker_exit, std::chrono::milliseconds(1000),
                                 worker_status);
            if (reaped) {
                m_worker_status = worker_status;
            }
        }
        wait_status = reaped ? worker_status : SIGKILL; // SIGKILL: as status, "killed"
    }
    std::string message = oom ? std::string("Runtime exited with error: signal: killed")
                              : runtime_exit_message(wait_status);
    result.status = oom ? InvocationStatus::OutOfMemory : InvocationStatus::Crashed;
    result.error_type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    std::string worded = runtime_error_message(request_id, message);
    result.payload = error_payload(result.error_type, worded, false);
    result.log_lines.push_back(worded);
    result.log_lines.push_back(result.error_type);
    if (oom) {
        result.max_memory_used_mb = m_spec.memory_mb;
    }
}

void ExecutionEnvironment::finish(InvocationResult result, bool end_environment_now) {
    disarm();
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

void ExecutionEnvironment::end_environment(std::function<void()> then) {
    if (then) {
        m_ended.insert(m_ended.begin(), std::move(then));
    }
    if (m_ending) {
        return;
    }
    m_ending = true;
    m_phase = Phase::Ending;
    disarm();
    m_network_watch.reset();
    m_network_timer.stop();
    m_connecting_network = false;
    m_outbound.stop();
    if (m_worker_pid <= 0 || m_worker_status) {
        worker_ended(m_worker_status.value_or(0));
        return;
    }
    // Closing the control channel tells the worker to kill the environment's first process,
    // which ends the pid namespace; the worker exits once it has reaped it. A worker that does
    // not is killed: it is this process's unreaped child, so the pid is the worker's own.
    m_control_watch.reset();
    m_frames_watch.reset();
    m_cancel_watch.reset();
    m_control.reset();
    m_socket.reset();
    m_frames.reset();
    auto try_reap = [this] {
        int status = 0;
        pid_t done = ::waitpid(m_worker_pid, &status, WNOHANG);
        if (done == m_worker_pid || (done < 0 && errno != EINTR)) {
            worker_ended(status);
            return true;
        }
        return false;
    };
    if (try_reap()) {
        return;
    }
    if (m_worker_exit) {
        m_exit_watch = std::make_unique<loop::FdWatch>(m_loop, m_worker_exit.get());
        m_exit_watch->start(UV_READABLE, [try_reap](int) { try_reap(); });
    } else {
        // Before Linux 5.3: looked for every millisecond.
        m_memory_timer.repeat(std::chrono::milliseconds(1), [try_reap] { try_reap(); });
    }
    m_kill_timer.start(std::chrono::duration_cast<std::chrono::milliseconds>(k_worker_exit_bound),
                       [this] {
                           ::kill(m_worker_pid, SIGKILL);
                           int status = 0;
                           while (::waitpid(m_worker_pid, &status, 0) < 0 && errno == EINTR) {
                           }
                           worker_ended(status);
                       });
}

void ExecutionEnvironment::worker_ended(int status) {
    m_exit_watch.reset();
    m_kill_timer.stop();
    m_memory_timer.stop();
    if (m_worker_pid > 0) {
        m_worker_status = status;
    }
    m_worker_pid = -1;
    m_worker_exit.reset();
    m_runtime_pid = -1;
    m_debug_relay.reset();
    // After the runtime is gone: its connections close, and a waiting /next ends.
    m_runtime_api.reset();
    m_control_watch.reset();
    m_frames_watch.reset();
    m_cancel_watch.reset();
    m_control.reset();
    m_socket.reset();
    m_frames.reset();
    m_passed_fds.clear();
    m_held_frame.reset();
    m_pending_exit.reset();
    m_frames_open = false;
    // What a worker killed outright left in the cgroup, and the cgroup itself, go on the
    // thread pool (removing a cgroup waits for the kernel); then the environment is cold.
    std::shared_ptr<Cgroup> cgroup(std::move(m_cgroup));
    std::weak_ptr<bool> alive = m_alive;
    auto ended = [this, alive] {
        if (alive.expired()) {
            return;
        }
        m_ending = false;
        m_phase = Phase::Cold;
        std::vector<std::function<void()>> callbacks = std::exchange(m_ended, {});
        // Each may start this environment again or end this object: from a copy, and nothing
        // of this object is touched after the last.
        for (auto& callback : callbacks) {
            if (callback) {
                callback();
            }
        }
    };
    if (!cgroup) {
        // Never from inside the call that ended it: the callbacks may end this object.
        m_soon.start(std::chrono::milliseconds(0), std::move(ended));
        return;
    }
    m_loop.run_blocking([cgroup]() mutable { cgroup.reset(); }, std::move(ended));
}

bool ExecutionEnvironment::idle_worker_alive() const {
    if (!warm()) {
        return false;
    }
    // An idle environment sends nothing: bytes already read, a readable channel, mean an
    // Exited frame, a hang-up, or a handler writing on its own.
    if (m_decoder.buffered() > 0 || m_control_decoder.buffered() > 0 || m_pending_exit) {
        return false;
    }
    pollfd fds[2] = {{m_control.get(), POLLIN, 0}, {m_frames.get(), POLLIN, 0}};
    return ::poll(fds, m_frames_open ? 2 : 1, 0) == 0;
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
