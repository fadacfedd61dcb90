// An execution environment's worker process: spawning it into its sandbox, connecting its
// network, and ending it.
#include "runtime/execution/execution_environment.hpp"

#include "runtime/execution/execution_environment_detail.hpp"
#include "runtime/execution/process_sockets.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/protocol/worker_config.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/json_depth.hpp"

#include <fcntl.h>
#include <poll.h>
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
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
namespace {

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

std::string cgroup_name() {
    static std::atomic<int> counter{0};
    return "lambda-local-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

} // namespace

using namespace detail;
using nlohmann::json;

namespace detail {

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

} // namespace detail

std::string find_worker_executable() {
    if (const char* named = std::getenv("LAMBDA_LOCAL_WORKER"); named != nullptr && *named) {
        if (::access(named, X_OK) != 0) {
            throw Error("LAMBDA_LOCAL_WORKER=" + std::string(named) + " is not executable");
        }
        return named;
    }
    if (std::string found = find_companion("lambda-local-worker", X_OK); !found.empty()) {
        return found;
    }
    throw Error("cannot find lambda-local-worker beside " + own_executable_dir() +
                "/lambda-local (reinstall, or set LAMBDA_LOCAL_WORKER)");
}

bool ExecutionEnvironment::connection_from_environment(const std::string& ip, int port,
                                                       int endpoint_port) {
    if (m_worker_pid <= 0) {
        return false;
    }
    // The client's socket: from the peer's address and port to the endpoint (which listens on
    // 127.0.0.1). None open: its process has closed it already (a runtime that posts its error
    // and exits), and can read no answer: that request is served. A process that reads the
    // answer (a /next) holds its socket open, and is served only if it is the environment's.
    std::optional<unsigned long> socket = tcp_socket_inode(ip, port, "127.0.0.1", endpoint_port);
    if (!socket) {
        return true;
    }
    if (std::find(m_admitted_sockets.begin(), m_admitted_sockets.end(), *socket) !=
        m_admitted_sockets.end()) {
        return true; // a connection the runtime keeps open, seen before
    }
    if (process_tree_holds_socket(m_worker_pid, *socket) != Holding::Yes) {
        return false;
    }
    if (m_admitted_sockets.size() >= 16) {
        m_admitted_sockets.erase(m_admitted_sockets.begin());
    }
    m_admitted_sockets.push_back(*socket);
    return true;
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
            // On the host's loopback any process can connect: only the environment's own are
            // served.
            m_runtime_api = m_options.runtime_api->open(
                Fd(), [this] { schedule_pump(); },
                [this](const std::string& ip, int port, int endpoint_port) {
                    return connection_from_environment(ip, port, endpoint_port);
                });
            runtime_api_address = m_runtime_api->address();
        }
    }
    EnvVars vars =
        build_lambda_environment(m_spec, m_log_stream, m_options.host, runtime_api_address);
    // The worker starts outside the sandbox (as root, when lambda-local is): the variables
    // that glibc acts on in any process (LD_PRELOAD, LD_AUDIT, GCONV_PATH...) wait for the
    // handler process, which sets them once it is sandboxed.
    std::vector<std::string> entries;
    std::vector<std::string> sandboxed_entries;
    entries.reserve(vars.size());
    for (const auto& [key, value] : vars) {
        (is_loader_variable(key) ? sandboxed_entries : entries).push_back(key + "=" + value);
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

    m_notes.clear();

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
    // The cgroup (~0.15 ms of file system work) is made while the worker's exec and dynamic
    // loading (~0.4 ms) run on another core: the worker waits for its configuration, which
    // names the cgroup, before it joins it or forks anything.
    if (m_options.sandbox && failed == 0) {
        // /tmp is a tmpfs, whose pages the kernel charges to the cgroup: the hard
        // limit leaves room for it, and the memory size itself is enforced on
        // anonymous memory by over_memory_size().
        std::uint64_t limit = std::uint64_t(m_spec.memory_mb + m_spec.tmp_mb) << 20;
        std::string cgroup_why;
        m_cgroup = Cgroup::create(cgroup_name(), limit, k_processes_limit, cgroup_why);
        if (!m_cgroup) {
            m_notes.push_back("no memory cgroup (" + cgroup_why +
                              "): the memory size is enforced with RLIMIT_DATA, so an "
                              "allocation past it fails instead of ending the environment");
        } else {
            m_oom_kills_at_start = m_cgroup->oom_kills();
        }
    }
    if (failed != 0) {
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
    m_control_readable = true;
    m_idle_disturbed = false;
    m_sandbox_reported = false;
    m_pending_exit.reset();
    m_held_frame.reset();
    m_passed_fds.clear();
    m_outgoing.clear();
    m_outgoing_sent = 0;
    m_runtime_pid = -1;
    std::vector<std::string> cgroup_tasks;
    if (m_cgroup) {
        // cgroup v1: the worker joins by itself, first thing, without the kernel's wait.
        cgroup_tasks = m_cgroup->self_join_files();
        if (cgroup_tasks.empty() && !m_cgroup->add(pid)) {
            m_notes.push_back("memory cgroup not joined: " + os_error("write cgroup.procs"));
        }
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
    config.sandboxed_environment = std::move(sandboxed_entries);
    config.sandbox.isolate = m_options.sandbox;
    config.sandbox.memory_rlimit = m_options.sandbox && !m_cgroup;
    config.sandbox.memory_bytes = std::uint64_t(m_spec.memory_mb) << 20;
    config.sandbox.isolated_network = isolated;
    config.sandbox.cgroup_tasks = std::move(cgroup_tasks);
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

void ExecutionEnvironment::connect_network(const wire::Frame& frame) {
    std::vector<Fd> passed = std::move(m_passed_fds);
    m_passed_fds.clear();
    json meta = parse_json_bounded<json>(frame.meta);
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
    m_invoke_watch.reset();
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
    m_admitted_sockets.clear();
    m_worker_exit.reset();
    m_runtime_pid = -1;
    m_debug_relay.reset();
    // After the runtime is gone: its connections close, and a waiting /next ends.
    m_runtime_api.reset();
    m_control_watch.reset();
    m_frames_watch.reset();
    m_invoke_watch.reset();
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
    if (!cgroup || cgroup->remove_if_empty()) {
        // The usual end: the worker took every process with it, and an empty cgroup goes at
        // once (starting the thread pool for it would cost more than the removal itself).
        // Never from inside the call that ended it: the callbacks may end this object.
        m_soon.start(std::chrono::milliseconds(0), std::move(ended));
        return;
    }
    m_loop.run_blocking([cgroup]() mutable { cgroup.reset(); }, std::move(ended));
}

} // namespace lambda_local::runtime
