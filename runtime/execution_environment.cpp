// Starting, talking to, and ending a worker process.
#include "runtime/execution_environment.hpp"

#include "runtime/execution_environment_detail.hpp"

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
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <future>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
namespace {

using detail::elapsed_ms;
using detail::k_memory_check_interval;
using detail::meta_value;
using nlohmann::json;

// Lambda's limit for the init phase of an on-demand execution environment.
constexpr auto k_init_limit = std::chrono::seconds(10);

std::string executable_dir() {
    char path[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        return ".";
    }
    std::string exe(path, static_cast<std::size_t>(n));
    return exe.substr(0, exe.rfind('/'));
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

ExecutionEnvironment::ExecutionEnvironment(FunctionSpec spec, EnvironmentOptions options)
    : m_spec(std::move(spec)), m_options(std::move(options)) {}

ExecutionEnvironment::~ExecutionEnvironment() {
    shutdown();
}

void ExecutionEnvironment::spawn() {
    m_log_stream = new_log_stream_name(WallClock::now());
    std::string runtime_api_address;
    if (m_spec.is_bootstrap()) {
        // Listening first: the runtime is told where, in AWS_LAMBDA_RUNTIME_API.
        m_runtime_api = std::make_unique<runtime_api::Server>();
        runtime_api_address = m_runtime_api->address();
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

    // Frames go to the worker on a socket and come back on a pipe (see worker::Channel). The
    // worker's ends are moved above its descriptors 3 and 4 so that placing them cannot
    // overwrite one with the other.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        throw Error(os_error("socketpair"));
    }
    Fd ours(pair[0]);
    Fd theirs(::fcntl(pair[1], F_DUPFD_CLOEXEC, 10));
    ::close(pair[1]);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw Error(os_error("pipe2"));
    }
    Fd frames(pipe_fds[0]);
    ::fcntl(frames.get(), F_SETFL, O_NONBLOCK);
    Fd theirs_out(::fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 10));
    ::close(pipe_fds[1]);
    if (!theirs || !theirs_out) {
        throw Error(os_error("fcntl"));
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
    ::posix_spawn_file_actions_adddup2(&actions, theirs.get(), 3);
    ::posix_spawn_file_actions_adddup2(&actions, theirs_out.get(), 4);
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
    m_socket = std::move(ours);
    m_frames = std::move(frames);
    m_decoder = wire::FrameDecoder();
    m_held_frame.reset();
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
    config.tmp_mb = m_spec.tmp_mb;
    config.sandbox.isolate = m_options.sandbox;
    config.sandbox.memory_rlimit = m_options.sandbox && !m_cgroup;
    config.sandbox.memory_bytes = std::uint64_t(m_spec.memory_mb) << 20;
    config.function_name = m_spec.name;
    config.invoked_function_arn = m_spec.arn();
    config.memory_mb = m_spec.memory_mb;
    config.log_group_name = m_spec.log_group_name();
    config.log_stream_name = m_log_stream;
    // A worker that died at once shows as a closed socket below.
    wire::write_frame(m_socket.get(), {wire::MessageType::Config, to_json(config).dump(), {}});
}

ExecutionEnvironment::Awaited
ExecutionEnvironment::await_frame(MonotonicClock::time_point deadline) {
    Awaited awaited;
    char buffer[65536];
    for (;;) {
        std::optional<wire::Frame> frame;
        try {
            frame = m_held_frame ? std::exchange(m_held_frame, std::nullopt) : m_decoder.next();
        } catch (const std::exception&) {
            awaited.what = protocol_broken(); // not a frame: the handler wrote on the pipe
            return awaited;
        }
        if (frame && frame->type == wire::MessageType::Spawned) {
            m_init_pid = meta_value(frame->meta, "init_pid", -1);
            continue;
        }
        // A runtime's answer counts before what came with it (its Exited, when it answered
        // and ended at once).
        if (m_runtime_api && m_runtime_api->state().has_notices()) {
            m_held_frame = std::move(frame);
            awaited.what = Wait::RuntimeApi;
            return awaited;
        }
        if (frame) {
            awaited.what = Wait::Frame;
            awaited.frame = std::move(*frame);
            return awaited;
        }
        // Rounded up: a deadline must never fire early.
        auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - MonotonicClock::now()).count();
        if (left <= 0) {
            awaited.what = Wait::Timeout;
            return awaited;
        }
        // (Checked first: a worker that writes without end cannot hold the deadline off.)
        // The answer is often there already (the handler ran as soon as it was woken): read
        // before sleeping in poll. The frame pipe does not block.
        ssize_t n = ::read(m_frames.get(), buffer, sizeof buffer);
        if (n > 0) {
            m_decoder.feed(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || errno != EAGAIN) {
            awaited.what = Wait::Closed;
            return awaited;
        }
        long long wait_ms = left;
        if (m_cgroup) {
            auto now = MonotonicClock::now();
            if (now >= m_next_memory_check) {
                m_next_memory_check = now + k_memory_check_interval;
                if (over_memory_size()) {
                    awaited.what = Wait::OutOfMemory;
                    return awaited;
                }
            }
            wait_ms = std::min<long long>(
                wait_ms,
                std::chrono::ceil<std::chrono::milliseconds>(m_next_memory_check - now).count());
        }
        pollfd fds[3] = {{m_frames.get(), POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        nfds_t count = 1;
        int cancel = -1;
        int api = -1;
        if (m_options.cancel_fd >= 0) {
            cancel = static_cast<int>(count);
            fds[count++].fd = m_options.cancel_fd;
        }
        if (m_runtime_api) {
            api = static_cast<int>(count);
            fds[count++].fd = m_runtime_api->notify_fd();
        }
        int ready = ::poll(fds, count, static_cast<int>(std::min<long long>(wait_ms, INT_MAX)));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (cancel >= 0 && (fds[cancel].revents & POLLIN)) {
            awaited.what = Wait::Cancelled;
            return awaited;
        }
        if (api >= 0 && (fds[api].revents & POLLIN)) {
            m_runtime_api->clear_notify(); // the notices are looked at above
        }
        // Readable or not, the next turn reads what there is.
    }
}

bool ExecutionEnvironment::start(InvocationResult& result, const std::string& request_id) {
    spawn();
    auto begin = MonotonicClock::now();
    auto deadline = begin + k_init_limit;
    m_next_memory_check = begin + k_memory_check_interval;
    for (;;) {
        Awaited awaited = await_frame(deadline);
        if (awaited.what == Wait::RuntimeApi) {
            for (const runtime_api::Notice& notice : m_runtime_api->state().take_notices()) {
                if (notice.kind == runtime_api::Notice::Kind::Ready) {
                    result.init_duration_ms = elapsed_ms(begin, notice.at);
                    measure_runtime_memory();
                    return true;
                }
                if (notice.kind == runtime_api::Notice::Kind::InitError) {
                    runtime_api::apply_init_error(notice, result);
                    result.init_duration_ms = elapsed_ms(begin, notice.at);
                    shutdown();
                    return false;
                }
            }
            continue;
        }
        if (awaited.what == Wait::Frame) {
            const wire::Frame& frame = awaited.frame;
            json meta = json::parse(frame.meta, nullptr, false);
            if (!meta.is_object()) {
                meta = json::object();
            }
            if (frame.type == wire::MessageType::Ready) {
                for (const auto& note : meta.value("sandbox_notes", json::array())) {
                    m_notes.push_back(note.get<std::string>());
                }
                if (m_runtime_api) {
                    continue; // the bootstrap is starting: init ends at its first /next
                }
                result.init_duration_ms = meta.value("init_duration_us", 0.0) / 1000.0;
                m_peak_rss_kib = meta.value("peak_rss_kib", std::int64_t{0});
                return true;
            }
            if (frame.type == wire::MessageType::InitError) {
                std::string type = meta.value("errorType", "Runtime.InitError");
                std::string message = meta.value("errorMessage", "");
                result.status = InvocationStatus::InitError;
                result.error_type = type;
                result.payload = error_payload(type, message, true);
                result.log_lines.push_back("[ERROR] " + type + ": " + message);
                result.init_duration_ms = meta.value("init_duration_us", 0.0) / 1000.0;
                shutdown();
                return false;
            }
            if (frame.type == wire::MessageType::Exited) {
                runtime_exited(result, request_id, meta.value("wait_status", 0));
                result.init_duration_ms = elapsed_ms(begin);
                return false;
            }
            continue;
        }
        if (awaited.what == Wait::Timeout) {
            std::string message = "Init phase timed out after 10.00 seconds";
            result.status = InvocationStatus::InitError;
            result.error_type = "Runtime.InitError";
            result.payload = error_payload(result.error_type, message, false);
            result.log_lines.push_back("[ERROR] Runtime.InitError: " + message);
            result.init_duration_ms = elapsed_ms(begin);
            shutdown();
            return false;
        }
        if (awaited.what == Wait::Cancelled) {
            result.status = InvocationStatus::Cancelled;
            shutdown();
            return false;
        }
        runtime_exited(result, request_id, std::nullopt, awaited.what == Wait::OutOfMemory);
        result.init_duration_ms = elapsed_ms(begin);
        return false;
    }
}

bool ExecutionEnvironment::over_memory_size() const {
    return m_cgroup && m_cgroup->anonymous_bytes() > (std::int64_t(m_spec.memory_mb) << 20);
}

ExecutionEnvironment::Wait ExecutionEnvironment::protocol_broken() {
    m_protocol_broken = true;
    if (m_worker_pid > 0) {
        ::kill(m_worker_pid, SIGKILL); // first: its status is then SIGKILL, not its own exit
    }
    if (m_init_pid > 0) {
        ::kill(m_init_pid, SIGKILL);
    }
    return Wait::Closed;
}

void ExecutionEnvironment::runtime_exited(InvocationResult& result, const std::string& request_id,
                                          std::optional<int> wait_status, bool out_of_memory) {
    if (std::exchange(m_protocol_broken, false)) {
        result.log_lines.push_back(
            "lambda-local: the handler process wrote over lambda-local's frames to the worker "
            "(file descriptor 4); its environment was ended");
    }
    bool oom = out_of_memory || (m_cgroup && m_cgroup->oom_kills() > m_oom_kills_at_start);
    int worker_status = 0;
    if (out_of_memory) {
        shutdown();
        wait_status = SIGKILL; // as the kernel's OOM killer would have ended it
    } else if (!wait_status) {
        // The worker itself is gone (killed from outside, or it could not start).
        if (m_worker_pid > 0) {
            while (::waitpid(m_worker_pid, &worker_status, 0) < 0 && errno == EINTR) {
            }
            m_worker_pid = -1;
        }
        wait_status = worker_status;
    }
    shutdown();
    std::string message = oom ? std::string("Runtime exited with error: signal: killed")
                              : runtime_exit_message(*wait_status);
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

InvocationResult ExecutionEnvironment::invoke(const InvocationRequest& request) {
    InvocationResult result;
    if (warm() && m_runtime_api && runtime_gone()) {
        shutdown(); // the runtime ended after its last answer: this invocation starts anew
    }
    result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
    if (!warm() && !start(result, request.request_id)) {
        result.max_memory_used_mb =
            std::max(result.max_memory_used_mb, memory_used_mb(m_peak_rss_kib));
        return result;
    }
    if (m_runtime_api) {
        return invoke_runtime(request, std::move(result));
    }
    auto timeout = std::chrono::duration_cast<MonotonicClock::duration>(
        std::chrono::duration<double>(m_spec.timeout_s));
    auto begin = MonotonicClock::now();
    m_next_memory_check = begin + k_memory_check_interval;
    wire::InvokeMeta meta{request.request_id,
                          epoch_ms() + static_cast<std::int64_t>(m_spec.timeout_s * 1000.0),
                          request.trace_id.empty() ? new_trace_id() : request.trace_id};
    if (!wire::write_frame(m_socket.get(),
                           {wire::MessageType::Invoke, wire::pack(meta), request.event})) {
        runtime_exited(result, request.request_id, std::nullopt);
        result.duration_ms = elapsed_ms(begin);
        return result;
    }
    for (;;) {
        Awaited awaited = await_frame(begin + timeout);
        if (awaited.what == Wait::Frame) {
            wire::Frame& frame = awaited.frame;
            if (frame.type == wire::MessageType::Exited) {
                runtime_exited(result, request.request_id,
                               meta_value(frame.meta, "wait_status", 0));
                result.duration_ms = elapsed_ms(begin);
                return result;
            }
            if (frame.type != wire::MessageType::Result) {
                continue;
            }
            wire::ResultMeta meta_in;
            try {
                meta_in = wire::unpack_result_meta(frame.meta);
            } catch (const std::runtime_error&) {
                result.duration_ms = elapsed_ms(begin);
                abandoned(result, request, protocol_broken());
                return result;
            }
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
            return result;
        }
        result.duration_ms = elapsed_ms(begin);
        abandoned(result, request, awaited.what);
        return result;
    }
}

void ExecutionEnvironment::abandoned(InvocationResult& result, const InvocationRequest& request,
                                     Wait what) {
    if (what == Wait::Timeout) {
        shutdown();
        result.status = InvocationStatus::Timeout;
        result.error_type = "Sandbox.Timedout";
        result.payload = timeout_payload(request.request_id, m_spec.timeout_s);
        return;
    }
    if (what == Wait::Cancelled) {
        shutdown();
        result.status = InvocationStatus::Cancelled;
        return;
    }
    runtime_exited(result, request.request_id, std::nullopt, what == Wait::OutOfMemory);
}

void ExecutionEnvironment::shutdown() {
    if (m_worker_pid > 0) {
        // Killing the first process ends the pid namespace; the worker reaps it
        // once every process of the environment is gone, then exits itself.
        if (m_init_pid > 0) {
            ::kill(m_init_pid, SIGKILL);
        } else {
            ::kill(m_worker_pid, SIGKILL);
        }
        int status = 0;
        while (::waitpid(m_worker_pid, &status, 0) < 0 && errno == EINTR) {
        }
        // Without a pid namespace, whatever is left in the worker's session group.
        ::kill(-m_worker_pid, SIGKILL);
    }
    m_worker_pid = -1;
    m_init_pid = -1;
    m_runtime_pid = -1;
    m_socket.reset();
    m_frames.reset();
    m_cgroup.reset();
    m_held_frame.reset();
    // After the runtime is gone: its connections are closed, and a waiting /next ends.
    m_runtime_api.reset();
}

bool ExecutionEnvironment::idle_worker_alive() const {
    if (!warm()) {
        return false;
    }
    // An idle worker sends nothing: a readable frame pipe means an Exited frame or a hang-up.
    pollfd fd{m_frames.get(), POLLIN, 0};
    return ::poll(&fd, 1, 0) == 0;
}

bool ExecutionEnvironment::start_now(InvocationResult& result) {
    return warm() || start(result, new_request_id());
}

} // namespace lambda_local::runtime
