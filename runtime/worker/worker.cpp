// The three processes of an execution environment: worker, reaper (pid 1), handler.
#include "runtime/worker/worker.hpp"

#include "loaders/loader.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/environment_slot.hpp"
#include "runtime/util/error.hpp"
#include "runtime/wire.hpp"
#include "runtime/worker/sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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

// A custom runtime: the handler process becomes the bootstrap (same pid, sandbox and limits).
// The sandbox notes go first, as a Ready frame; init ends when the runtime first calls
// /next on the Runtime API, which the supervisor serves. Returns only when exec fails.
void exec_bootstrap(Channel channel, const WorkerConfig& config, const SandboxState& state) {
    int fd = channel.out;
    send(fd, wire::MessageType::Ready,
         {{"init_duration_us", 0}, {"peak_rss_kib", 0}, {"sandbox_notes", state.notes}});
    ::fcntl(channel.in, F_SETFD, FD_CLOEXEC);
    ::fcntl(channel.out, F_SETFD, FD_CLOEXEC);
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

// The handler process: sandbox user, load and init, then one invocation at a time.
[[noreturn]] void run_handler_process(Channel channel, const WorkerConfig& config,
                                      SandboxState state) {
    int fd = channel.out;
    pid_t reaper = ::getppid();
    std::string refused = drop_privileges(config, state);
    if (!state.pid_namespace) {
        // Without a pid namespace nothing ends this process with the environment
        // if lambda-local and the worker are killed outright (set after the
        // credentials changed, which clears it).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (::getppid() != reaper) {
            std::_Exit(1);
        }
    }
    if (!refused.empty() && !config.bootstrap.empty()) {
        if (refused.find("Permission denied") != std::string::npos) {
            refused += unreadable_hint(state, "the bootstrap");
        }
        send(fd, wire::MessageType::InitError,
             {{"errorType", "Runtime.InvalidEntrypoint"}, {"errorMessage", refused}});
        wait_for_close(channel.in);
        std::_Exit(0);
    }
    if (!config.bootstrap.empty()) {
        exec_bootstrap(channel, config, state);
        wait_for_close(channel.in);
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
        wait_for_close(channel.in);
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
        wait_for_close(channel.in);
        std::_Exit(0);
    }
    send(fd, wire::MessageType::Ready,
         {{"init_duration_us", init_us},
          {"peak_rss_kib", peak_rss_kib()},
          {"sandbox_notes", state.notes}});
    EnvironmentSlot trace_variable("_X_AMZN_TRACE_ID"); // one per invocation, in place
    wire::FrameReader frames(channel.in);
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
        if (!context.xray_trace_id.empty()) {
            trace_variable.set(context.xray_trace_id);
        }
        auto begin = MonotonicClock::now();
        loaders::Outcome outcome = loaded.handler->invoke(frame->body, context);
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
        if (!outcome.ok) {
            outcome.payload.clear();
        }
        if (!wire::write_frame(fd, wire::Frame{wire::MessageType::Result, wire::pack(result),
                                               std::move(outcome.payload)})) {
            break;
        }
    }
    std::_Exit(0);
}

// The environment's first process: reaps every process of the environment and
// reports how the handler process ended. When it exits, the kernel ends the
// whole pid namespace.
[[noreturn]] void run_reaper(Channel channel, const WorkerConfig& config, SandboxState state) {
    int fd = channel.out;
    mount_proc(state);
    if (!state.pid_namespace) {
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    pid_t handler = ::fork();
    if (handler < 0) {
        send(fd, wire::MessageType::InitError,
             {{"errorType", "Runtime.ExitError"}, {"errorMessage", os_error("fork")}});
        std::_Exit(1);
    }
    if (handler == 0) {
        run_handler_process(channel, config, std::move(state));
    }
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) {
            continue;
        }
        if (pid == handler) {
            send(fd, wire::MessageType::Exited, {{"wait_status", status}});
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

} // namespace

int run_worker(Channel channel) {
    int socket_fd = channel.out;
    std::signal(SIGPIPE, SIG_IGN);
    ::setsid();
    std::optional<wire::Frame> frame;
    try {
        frame = wire::read_frame(channel.in);
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
    SandboxState state = enter_namespaces(config);
    if (!state.pid_namespace) {
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }

    // The supervisor learns the reaper's pid from the Spawned frame, sent as the
    // reaper starts; the reaper needs the handler's Ready before anything is
    // invoked, and small frames are single writes, so the two cannot interleave.
    pid_t worker = ::getpid();
    pid_t reaper = ::fork();
    if (reaper < 0) {
        send(socket_fd, wire::MessageType::InitError,
             {{"errorType", "Runtime.ExitError"}, {"errorMessage", os_error("fork")}});
        return 1;
    }
    if (reaper == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (state.pid_namespace ? ::getppid() != 0 : ::getppid() != worker) {
            std::_Exit(1); // the worker is already gone
        }
        run_reaper(channel, config, std::move(state));
    }
    send(socket_fd, wire::MessageType::Spawned, {{"init_pid", reaper}});
    ::close(channel.in);
    ::close(channel.out);
    int status = 0;
    while (::waitpid(reaper, &status, 0) < 0 && errno == EINTR) {
    }
    if (!state.pid_namespace) {
        end_descendants();
    }
    return 0;
}

} // namespace lambda_local::worker
