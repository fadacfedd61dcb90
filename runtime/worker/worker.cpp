// The three processes of an execution environment: worker, reaper (pid 1), handler.
#include "runtime/worker/worker.hpp"

#include "loaders/loader.hpp"
#include "runtime/protocol/wire.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/environment_slot.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/worker/debug_server.hpp"
#include "runtime/worker/sandbox.hpp"
#include "runtime/worker/syscall_filter.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace lambda_local::worker {
namespace {

using nlohmann::json;

bool send(int fd, wire::MessageType type, const json& meta, const std::string& body = {}) {
    return wire::write_frame(fd, wire::Frame{type, meta.dump(), body});
}

// The handler process's peak resident set, its children's included, in KiB.
long peak_rss_kib() {
    rusage self{};
    rusage children{};
    ::getrusage(RUSAGE_SELF, &self);
    ::getrusage(RUSAGE_CHILDREN, &children);
    return self.ru_maxrss > children.ru_maxrss ? self.ru_maxrss : children.ru_maxrss;
}

std::int64_t micros_since(MonotonicClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(MonotonicClock::now() - start)
        .count();
}

loaders::Context base_context(const WorkerConfig& config) {
    loaders::Context context;
    context.function_name = config.function_name;
    context.function_version = config.function_version;
    context.invoked_function_arn = config.invoked_function_arn;
    context.memory_limit_in_mb = std::to_string(config.memory_mb);
    context.log_group_name = config.log_group_name;
    context.log_stream_name = config.log_stream_name;
    return context;
}

// A streamed response (native ABI version 2) as frames on the handler channel: StreamStart,
// then StreamChunks of at most wire::k_max_stream_chunk bytes. A write blocks while the pipe is
// full (the supervisor reads no more while the caller is slow): the handler waits, as on
// Lambda.
class FrameStream final : public loaders::StreamOutput {
  public:
    FrameStream(int fd, std::int64_t max_bytes)
        : m_fd(fd), m_max_bytes(max_bytes > 0 ? static_cast<std::size_t>(max_bytes) : 0) {}

    bool start(std::string_view content_type) override {
        if (!wire::valid_stream_content_type(content_type)) {
            return false;
        }
        return wire::write_frame(
            m_fd, wire::Frame{wire::MessageType::StreamStart, std::string(content_type), {}});
    }

    bool write(std::string_view bytes) override {
        // Past the cap the supervisor cuts the stream: it is sent one byte beyond it (so that
        // the supervisor sees it pass), and the handler is told no.
        const std::size_t room = m_written < m_max_bytes ? m_max_bytes - m_written : 0;
        const bool over = bytes.size() > room;
        if (over) {
            bytes = bytes.substr(0, room + 1);
        }
        m_written += bytes.size();
        while (!bytes.empty()) {
            const std::string_view piece = bytes.substr(0, wire::k_max_stream_chunk);
            if (!wire::write_frame(
                    m_fd, wire::Frame{wire::MessageType::StreamChunk, {}, std::string(piece)})) {
                return false;
            }
            bytes.remove_prefix(piece.size());
        }
        return !over;
    }

  private:
    int m_fd;
    std::size_t m_max_bytes;
    std::size_t m_written = 0;
};

// Waits for the supervisor to close the socket (after an init error), then returns.
void wait_for_close(int fd) {
    while (wire::read_frame(fd)) {
    }
}

// What to do about code the sandbox user may not read (`what`: the library or the bootstrap).
std::string unreadable_hint(const SandboxState& state, const char* what = "the library") {
    if (!state.sandbox_user) {
        return {};
    }
    return " (the handler runs as the sandbox user, uid " + std::to_string(k_sandbox_uid) +
           ": make the code directory, its parents and " + what +
           " readable by others, e.g. chmod o+rx)";
}

// Go's words for an errno, as the runtime interface emulator prints them: "permission denied".
std::string go_error_text(int error) {
    std::string text = std::strerror(error);
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

// A custom runtime: the handler process becomes the bootstrap (same pid, sandbox and limits),
// which inherits none of the worker protocol's descriptors; init ends when the runtime first
// calls /next on the Runtime API, which the supervisor serves. Returns only when exec fails.
void exec_bootstrap(Channels channels, const WorkerConfig& config, const SandboxState& state) {
    int fd = channels.results;
    ::fcntl(channels.invoke, F_SETFD, FD_CLOEXEC);
    ::fcntl(channels.results, F_SETFD, FD_CLOEXEC);
    std::signal(SIGPIPE, SIG_DFL); // the worker ignores it; a runtime starts with the default
    std::string path = config.bootstrap;
    char* argv[] = {path.data(), nullptr};
    ::execv(path.c_str(), argv);
    int error = errno;
    std::string message;
    if (::access(path.c_str(), F_OK) != 0) {
        message = "Couldn't find valid bootstrap(s): [" + path + "]";
    } else {
        // ENOENT here is a missing interpreter (#!), ENOEXEC not a program at all.
        message = "fork/exec " + path + ": " + go_error_text(error);
        if (error == EACCES) {
            message += unreadable_hint(state, "the bootstrap");
        }
    }
    send(fd, wire::MessageType::InitError,
         {{"errorType", "Runtime.InvalidEntrypoint"}, {"errorMessage", message}});
}

// Sends the sandbox notes: the first frame of the handler channel, written before any handler
// code runs, which makes it the only one of that channel the supervisor believes.
void report_sandbox(int fd, const SandboxState& state) {
    send(fd, wire::MessageType::Sandbox, {{"notes", state.notes}});
}

// --debug: gdbserver attached to this process (which it stops until the debugger continues
// it), then ptrace refused again to this process and what it starts. False, after an InitError
// frame, when the environment cannot start.
bool debug_handler_process(Channels& channels, const WorkerConfig& config,
                           const SandboxState& state) {
    int fd = channels.results;
    std::string why = start_debug_server(config.gdbserver, channels.debug);
    channels.debug = -1;
    if (why.empty() && state.syscall_filter) {
        if (std::string refused = install_tracing_filter(); !refused.empty()) {
            why = "cannot refuse ptrace to the handler again: " + refused;
        }
    }
    if (why.empty()) {
        return true;
    }
    send(fd, wire::MessageType::InitError,
         {{"errorType", "Runtime.Unknown"}, {"errorMessage", "lambda-local: --debug: " + why}});
    return false;
}

// The handler process: sandbox user, load and init, then one invocation at a time. It holds
// only the handler channel; `handshake` (or -1) is its side of the user-namespace handshake
// with the first process.
[[noreturn]] void run_handler_process(Channels channels, const WorkerConfig& config,
                                      SandboxState state, int handshake) {
    int fd = channels.results;
    pid_t reaper = ::getppid();
    // SCHED_BATCH (the same share of the CPU, but woken without preempting what runs): the
    // supervisor wakes this process with each invocation, and the kernel then ran it at once
    // on the supervisor's own core, taking that core from the event loop while another sat
    // idle. Under `serve` load that was 12-17% of the requests per second (bench/README.md).
    // It needs no privilege, and the processes the handler starts inherit it.
    sched_param no_priority{};
    ::sched_setscheduler(0, SCHED_BATCH, &no_priority);
    std::string refused = drop_privileges(config, state, handshake);
    if (handshake >= 0) {
        ::close(handshake);
    }
    if (!state.pid_namespace) {
        // Without a pid namespace nothing ends this process with the environment
        // if lambda-local and the worker are killed outright (set after the
        // credentials changed, which clears it).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (::getppid() != reaper) {
            std::_Exit(1);
        }
    }
    // Nothing but the handler channel and the standard streams reaches handler code (the
    // debugger's channel goes to gdbserver below, before any).
    close_descriptors_from(std::max({channels.invoke, channels.results, channels.debug}) + 1);
    // The variables that glibc acts on, held back until now that this process is sandboxed: a
    // custom runtime's loader acts on them as it starts; a library's handler has them to read
    // and passes them to the programs it starts (docs/sandbox.md).
    for (const std::string& entry : config.sandboxed_environment) {
        if (auto equals = entry.find('='); equals != std::string::npos && equals > 0) {
            ::setenv(entry.substr(0, equals).c_str(), entry.c_str() + equals + 1, 1);
        }
    }
    report_sandbox(fd, state);
    if (!config.layers.empty() && !state.opt_layers) {
        std::string why = !state.layers_error.empty()
                              ? state.layers_error
                              : "the environment has no mount namespace of its own (see the "
                                "sandbox warnings)";
        send(fd, wire::MessageType::InitError,
             {{"errorType", "Runtime.Unknown"},
              {"errorMessage", "lambda-local: the layers cannot be laid into /opt: " + why}});
        wait_for_close(channels.invoke);
        std::_Exit(0);
    }
    if (!refused.empty() && !config.bootstrap.empty()) {
        if (refused.find("Permission denied") != std::string::npos) {
            refused += unreadable_hint(state, "the bootstrap");
        }
        send(fd, wire::MessageType::InitError,
             {{"errorType", "Runtime.InvalidEntrypoint"}, {"errorMessage", refused}});
        wait_for_close(channels.invoke);
        std::_Exit(0);
    }
    if (channels.debug >= 0 && !debug_handler_process(channels, config, state)) {
        wait_for_close(channels.invoke);
        std::_Exit(0);
    }
    if (!config.bootstrap.empty()) {
        exec_bootstrap(channels, config, state);
        wait_for_close(channels.invoke);
        std::_Exit(0);
    }
    if (!refused.empty()) {
        // A missing library usually means a missing directory too: name the
        // library, in the loader's words, rather than the directory.
        if (::access(config.library.c_str(), F_OK) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
            refused = config.library + ": cannot open shared object file: " + std::strerror(errno);
        } else if (refused.find("Permission denied") != std::string::npos) {
            refused += unreadable_hint(state);
        }
        send(fd, wire::MessageType::InitError,
             {{"errorType", "Runtime.InvalidEntrypoint"}, {"errorMessage", refused}});
        wait_for_close(channels.invoke);
        std::_Exit(0);
    }
    loaders::Context context = base_context(config);
    context.deadline_ms = epoch_ms() + 10000; // Lambda's init phase limit
    auto start = MonotonicClock::now();
    loaders::LoadResult loaded =
        loaders::load_handler(config.library, config.handler, config.abi, context);
    std::int64_t init_us = micros_since(start);
    std::fflush(nullptr);
    if (loaded.error) {
        if (loaded.error->message.find("Permission denied") != std::string::npos) {
            loaded.error->message += unreadable_hint(state);
        }
        send(fd, wire::MessageType::InitError,
             {{"errorType", loaded.error->type},
              {"errorMessage", loaded.error->message},
              {"init_duration_us", init_us}});
        wait_for_close(channels.invoke);
        std::_Exit(0);
    }
    send(fd, wire::MessageType::Ready,
         {{"init_duration_us", init_us}, {"peak_rss_kib", peak_rss_kib()}});
    EnvironmentSlot trace_variable("_X_AMZN_TRACE_ID"); // one per invocation, in place
    wire::FrameReader frames(channels.invoke);
    while (auto frame = frames.next()) {
        if (frame->type != wire::MessageType::Invoke) {
            continue;
        }
        wire::InvokeMeta meta;
        try {
            meta = wire::unpack_invoke_meta(frame->meta);
        } catch (const std::runtime_error&) {
            break;
        }
        context.aws_request_id = std::move(meta.request_id);
        context.deadline_ms = meta.deadline_ms;
        context.xray_trace_id = std::move(meta.trace_id);
        context.invoked_function_arn = std::move(meta.invoked_function_arn);
        context.client_context = std::move(meta.client_context);
        if (!context.xray_trace_id.empty()) {
            trace_variable.set(context.xray_trace_id);
        }
        auto begin = MonotonicClock::now();
        FrameStream stream(fd, meta.stream_max_bytes);
        loaders::Outcome outcome = loaded.handler->invoke(frame->body, context, &stream);
        wire::ResultMeta result;
        result.duration_us = micros_since(begin);
        std::fflush(nullptr);
        if (outcome.ok && outcome.payload.size() > k_max_response_payload) {
            outcome.ok = false;
            outcome.error = {"Function.ResponseSizeTooLarge",
                             "Response payload size exceeded maximum allowed payload size (" +
                                 std::to_string(k_max_response_payload) + " bytes)."};
            outcome.payload.clear();
        }
        result.ok = outcome.ok;
        result.peak_rss_kib = peak_rss_kib();
        if (!outcome.ok) {
            result.error_type = std::move(outcome.error.type);
            result.error_message = std::move(outcome.error.message);
        }
        if (!outcome.ok || outcome.streamed) {
            outcome.payload.clear(); // a stream's bytes went before, in its frames
        }
        if (!wire::write_frame(fd, wire::Frame{wire::MessageType::Result, wire::pack(result),
                                               std::move(outcome.payload)})) {
            break;
        }
    }
    std::_Exit(0);
}

// The environment's first process: reaps every process of the environment and
// reports how the handler process ended, on the control channel, which the handler process
// never holds. When it exits, the kernel ends the whole pid namespace.
[[noreturn]] void run_reaper(Channels channels, const WorkerConfig& config, SandboxState state) {
    int control = channels.control;
    mount_proc(state);
    if (!state.pid_namespace) {
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    // Neither ptrace nor /proc/1/fd: the handler process (the same user, without root) cannot
    // reach this process's control channel through it.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    Fd ours;
    Fd theirs;
    if (handler_needs_user_namespace(config, state)) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
            ours = Fd(pair[0]);
            theirs = Fd(pair[1]);
        }
    }
    pid_t handler = ::fork();
    if (handler < 0) {
        send(channels.results, wire::MessageType::Sandbox, {{"notes", state.notes}});
        send(channels.results, wire::MessageType::InitError,
             {{"errorType", "Runtime.ExitError"}, {"errorMessage", os_error("fork")}});
        std::_Exit(1);
    }
    if (handler == 0) {
        ::close(control);
        ours.reset();
        ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); // its own again (and reset by setresuid as root)
        run_handler_process(channels, config, std::move(state), theirs.release());
    }
    ::close(channels.invoke);
    ::close(channels.results);
    if (channels.debug >= 0) {
        ::close(channels.debug);
    }
    theirs.reset();
    if (ours) {
        // Its note, if any, the handler process reports itself (it cannot run without the map).
        map_handler_user_namespace(handler, ours.get());
        ours.reset();
    }
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) {
            continue;
        }
        if (pid == handler) {
            send(control, wire::MessageType::Exited, {{"wait_status", status}});
            std::_Exit(0);
        }
        if (pid < 0) {
            std::_Exit(0);
        }
    }
}

// The worker's children, from /proc/self/task/<tid>/children (the worker has one
// thread), or by scanning /proc where the kernel lacks that file.
std::vector<pid_t> own_children() {
    std::vector<pid_t> pids;
    pid_t self = ::getpid();
    std::ifstream listed("/proc/self/task/" + std::to_string(self) + "/children");
    if (listed) {
        pid_t pid = 0;
        while (listed >> pid) {
            pids.push_back(pid);
        }
        return pids;
    }
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return pids;
    }
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atol(entry->d_name));
        if (pid <= 0) {
            continue;
        }
        std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        auto close = text.rfind(')'); // the command name may hold spaces and parentheses
        char state = 0;
        long parent = 0;
        if (close != std::string::npos &&
            std::sscanf(text.c_str() + close + 1, " %c %ld", &state, &parent) == 2 &&
            parent == self) {
            pids.push_back(pid);
        }
    }
    ::closedir(proc);
    return pids;
}

// Without a pid namespace the worker is a child subreaper: once the environment's
// first process is gone, every process the handler left behind (in its own
// session or not) is re-parented to the worker, which ends and reaps them all, so
// that a timeout or the end of the environment leaves no process behind.
void end_descendants() {
    for (;;) {
        std::vector<pid_t> children = own_children();
        for (pid_t pid : children) {
            ::kill(pid, SIGKILL);
        }
        int status = 0;
        pid_t reaped = ::waitpid(-1, &status, children.empty() ? WNOHANG : 0);
        if (reaped < 0 && errno == EINTR) {
            continue;
        }
        if (reaped < 0) {
            return; // ECHILD: none left
        }
        if (reaped == 0) {
            // A child re-parented after the listing: list again shortly.
            ::usleep(1000);
        }
    }
}

// The Runtime API's listening socket, on Lambda's own address (127.0.0.1:9001) inside the
// environment's network namespace; the supervisor serves it from outside.
Fd listen_runtime_api(std::string& why) {
    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(9001);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!listener) {
        why = os_error("socket");
    } else if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        why = os_error("bind 127.0.0.1:9001");
    } else if (::listen(listener.get(), 64) != 0) {
        why = os_error("listen");
    } else {
        return listener;
    }
    return Fd();
}

// `--network isolated`: tells the supervisor that the namespace exists (with a custom runtime,
// handing over the Runtime API's listening socket made inside it), and waits until the
// supervisor has connected the namespace (or cannot). False when the environment must not
// start: no namespace, or the supervisor gone.
bool connect_network(int control, const WorkerConfig& config, const SandboxState& state) {
    json meta = json::object();
    Fd listener;
    if (!state.network_namespace) {
        meta["error"] =
            state.notes.empty() ? std::string("no network namespace") : state.notes.front();
    } else if (!config.bootstrap.empty()) {
        std::string why;
        listener = listen_runtime_api(why);
        if (!listener) {
            meta["error"] = "cannot listen for the Runtime API: " + why;
        }
    }
    wire::Frame frame{wire::MessageType::Network, meta.dump(), {}};
    bool sent = listener ? wire::write_frame_passing(control, frame, listener.get())
                         : wire::write_frame(control, frame);
    listener.reset(); // the supervisor's now: nothing in the environment holds it
    if (!sent || meta.contains("error")) {
        return false;
    }
    try {
        std::optional<wire::Frame> answer = wire::read_frame(control);
        return answer && answer->type == wire::MessageType::Proceed;
    } catch (const std::exception&) {
        return false;
    }
}

// The worker once the environment runs: when the supervisor closes the control channel it
// kills the environment's first process (its own child, not yet reaped, so the pid is that
// process's), which ends the pid namespace; it returns once that process is reaped.
void wait_for_end(int control, pid_t reaper) {
    Fd exited;
#ifdef SYS_pidfd_open
    exited = Fd(static_cast<int>(::syscall(SYS_pidfd_open, reaper, 0)));
#endif
    int status = 0;
    for (;;) {
        pollfd fds[2] = {{control, POLLIN, 0}, {exited.get(), POLLIN, 0}};
        // Without pidfds (before Linux 5.3) the first process's end is looked for every 50 ms.
        int ready = ::poll(fds, exited ? 2 : 1, exited ? -1 : 50);
        if (ready > 0 && fds[0].revents != 0) {
            char buffer[256];
            ssize_t n = ::read(control, buffer, sizeof buffer);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                ::kill(reaper, SIGKILL);
                break;
            }
        }
        pid_t pid = ::waitpid(reaper, &status, WNOHANG);
        if (pid == reaper) {
            return;
        }
        if (pid < 0 && errno != EINTR) {
            return;
        }
    }
    while (::waitpid(reaper, &status, 0) < 0 && errno == EINTR) {
    }
}

} // namespace

int run_worker(Channels channels) {
    std::signal(SIGPIPE, SIG_IGN);
    ::setsid();
    // Whatever lambda-local inherited (a shell's or a CI runner's open files) stays out.
    close_descriptors_from(
        std::max({channels.control, channels.invoke, channels.results, channels.debug}) + 1);
    std::optional<wire::Frame> frame;
    try {
        frame = wire::read_frame(channels.control);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambda-local-worker: %s\n", e.what());
        return 2;
    }
    if (!frame || frame->type != wire::MessageType::Config) {
        std::fprintf(stderr, "lambda-local-worker: expected a configuration frame\n");
        return 2;
    }
    WorkerConfig config;
    try {
        config = worker_config_from_json(json::parse(frame->meta));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambda-local-worker: %s\n", e.what());
        return 2;
    }
    if (config.gdbserver.empty() && channels.debug >= 0) {
        ::close(channels.debug); // not debugging: nothing there, or nothing to keep
        channels.debug = -1;
    }
    std::string not_joined = join_own_cgroups(config);
    SandboxState state = enter_namespaces(config);
    if (!not_joined.empty()) {
        // Outside its memory cgroup the environment would have no memory limit at all
        // (RLIMIT_DATA is set with the other limits, after this).
        config.sandbox.memory_rlimit = true;
        state.notes.insert(state.notes.begin(),
                           "memory cgroup not joined (" + not_joined +
                               "): the memory size is enforced with RLIMIT_DATA, so an "
                               "allocation past it fails instead of ending the environment");
    }
    if (config.sandbox.isolated_network && !connect_network(channels.control, config, state)) {
        return 1;
    }
    if (!state.pid_namespace) {
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }

    pid_t worker = ::getpid();
    pid_t reaper = ::fork();
    if (reaper < 0) {
        send(channels.results, wire::MessageType::Sandbox, {{"notes", state.notes}});
        send(channels.results, wire::MessageType::InitError,
             {{"errorType", "Runtime.ExitError"}, {"errorMessage", os_error("fork")}});
        return 1;
    }
    if (reaper == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (state.pid_namespace ? ::getppid() != 0 : ::getppid() != worker) {
            std::_Exit(1); // the worker is already gone
        }
        run_reaper(channels, config, std::move(state));
    }
    // The handler channel (and the debugger's) is the environment's alone.
    ::close(channels.invoke);
    ::close(channels.results);
    if (channels.debug >= 0) {
        ::close(channels.debug);
    }
    wait_for_end(channels.control, reaper);
    if (!state.pid_namespace) {
        end_descendants();
    }
    return 0;
}

} // namespace lambda_local::worker
