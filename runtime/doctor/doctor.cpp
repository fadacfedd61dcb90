// The sandbox probe behind `lambda-local doctor`.
#include "runtime/doctor/doctor.hpp"

#include "runtime/execution/cgroup.hpp"
#include "runtime/execution/outbound_network.hpp"
#include "runtime/protocol/worker_config.hpp"
#include "runtime/util/error.hpp"
#include "runtime/worker/sandbox.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
namespace {

using nlohmann::json;

// The handler process's part of the probe: drops privileges as a handler would (with its own
// user namespace when the first process writes its maps), then writes what it achieved.
[[noreturn]] void probe_handler(const WorkerConfig& config, worker::SandboxState state,
                                int handshake, int out) {
    std::string refused = worker::drop_privileges(config, state, handshake);
    json report = {{"user_namespace", state.user_namespace},
                   {"mount_namespace", state.mount_namespace},
                   {"pid_namespace", state.pid_namespace},
                   {"network_namespace", state.network_namespace},
                   {"read_only_root", state.read_only_root},
                   {"private_tmp", state.private_tmp},
                   {"private_proc", state.private_proc},
                   {"sandbox_user", state.sandbox_user},
                   {"resource_limits", state.resource_limits},
                   {"handler_user_namespace", state.handler_user_namespace},
                   {"syscall_filter", state.syscall_filter},
                   {"uid", ::getuid()},
                   {"notes", state.notes},
                   {"refused", refused}};
    std::string text = report.dump();
    [[maybe_unused]] auto ignored = ::write(out, text.data(), text.size());
    ::_exit(0);
}

// Enters the sandbox as a worker would, in a child (the worker: namespaces, a network
// namespace included), a grandchild (pid 1 of the new pid namespace) and its child (the
// handler process), and returns what was achieved.
json probe_sandbox() {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return {{"error", os_error("pipe")}};
    }
    pid_t child = ::fork();
    if (child == 0) {
        ::close(pipe_fds[0]);
        WorkerConfig config;
        config.task_root = "/";
        config.sandbox.isolated_network = true;
        worker::SandboxState state = worker::enter_namespaces(config);
        pid_t grandchild = ::fork();
        if (grandchild == 0) {
            worker::mount_proc(state);
            int pair[2] = {-1, -1};
            if (worker::handler_needs_user_namespace(config, state) &&
                ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
                pair[0] = pair[1] = -1;
            }
            pid_t handler = ::fork();
            if (handler == 0) {
                ::close(pair[0]);
                probe_handler(config, state, pair[1], pipe_fds[1]);
            }
            ::close(pair[1]);
            if (handler > 0 && pair[0] >= 0) {
                worker::map_handler_user_namespace(handler, pair[0]);
            }
            int status = 0;
            ::waitpid(handler, &status, 0);
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(grandchild, &status, 0);
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) {
            text.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(pipe_fds[0]);
    int status = 0;
    if (child > 0) {
        ::waitpid(child, &status, 0);
    }
    json result = json::parse(text, nullptr, false);
    if (result.is_discarded() || !result.is_object()) {
        return {{"error", "the probe process did not report"}};
    }
    return result;
}

std::string first_note(const json& probe, const std::string& word) {
    for (const auto& note : probe.value("notes", json::array())) {
        std::string text = note.get<std::string>();
        if (text.find(word) != std::string::npos) {
            return text;
        }
    }
    return "not available";
}

} // namespace

std::vector<Mechanism> check_mechanisms(NetworkMode network) {
    std::vector<Mechanism> out;
    bool root = ::geteuid() == 0;
    json probe = probe_sandbox();
    if (probe.contains("error")) {
        out.push_back({"sandbox probe", false, probe["error"].get<std::string>()});
        return out;
    }
    auto flag = [&](const char* key) { return probe.value(key, false); };
    out.push_back({"user namespace", flag("user_namespace") || root,
                   root ? "not needed: running as root"
                        : (flag("user_namespace") ? "maps the caller to uid 993"
                                                  : first_note(probe, "namespace"))});
    out.push_back({"mount namespace", flag("mount_namespace"),
                   flag("mount_namespace") ? "private mounts per environment"
                                           : first_note(probe, "namespace")});
    out.push_back({"pid namespace", flag("pid_namespace"),
                   flag("pid_namespace")
                       ? "a timeout or the end of an environment kills all its processes"
                       : "processes are ended through a subreaper; a child that escapes it "
                         "survives if lambda-local itself is killed outright"});
    out.push_back({"private /tmp", flag("private_tmp"),
                   flag("private_tmp") ? "tmpfs sized by --tmp-size, gone with the environment"
                                       : first_note(probe, "/tmp")});
    out.push_back({"read-only file system", flag("read_only_root"),
                   flag("read_only_root") ? "everything but /tmp is read-only"
                                          : first_note(probe, "writable")});
    out.push_back({"private /proc", flag("private_proc"),
                   flag("private_proc") ? "shows only the environment's processes"
                                        : first_note(probe, "/proc")});
    std::string refused = probe.value("refused", "");
    out.push_back({"sandbox user", flag("sandbox_user"),
                   flag("sandbox_user")
                       ? "sbx_user1051 (uid 993, gid 990)"
                       : (refused.empty()
                              ? "the handler runs as uid " + std::to_string(probe.value("uid", -1))
                              : refused)});
    out.push_back({"resource limits", flag("resource_limits"),
                   flag("resource_limits")
                       ? std::string("open files 1024, processes 1024, counted per "
                                     "environment (") +
                             (root ? "the handler's own user namespace" : "its user namespace") +
                             ")"
                       : first_note(probe, "limits")});
    out.push_back({"system-call filter", flag("syscall_filter"),
                   flag("syscall_filter")
                       ? "seccomp: namespaces, mounts, ptrace, kernel modules, bpf, keyrings, "
                         "clocks and reboot refused with EPERM"
                       : first_note(probe, "system-call filter")});
    std::string pasta = OutboundNetwork::find_pasta();
    std::string isolated =
        !flag("network_namespace")
            ? "--network isolated unavailable: " + first_note(probe, "namespace")
            : "--network isolated: a namespace per environment, " +
                  (pasta.empty() ? std::string("no outbound traffic (install Debian's passt "
                                               "package for pasta)")
                                 : "outbound through " + pasta);
    if (network == NetworkMode::Isolated) {
        out.push_back({"network", flag("network_namespace") && !pasta.empty(),
                       "isolated (--network isolated): the host's loopback is out of reach; " +
                           isolated.substr(isolated.find(':') + 2)});
    } else {
        out.push_back({"network", false,
                       "host (the default): the handler shares the host's network, its "
                       "loopback included; " +
                           isolated});
    }
    std::string why;
    auto group = Cgroup::create("lambda-local-doctor-" + std::to_string(::getpid()),
                                std::uint64_t(128) << 20, k_processes_limit, why);
    const CgroupSupport& support = cgroup_support();
    out.push_back({"memory limit", group != nullptr,
                   group ? "cgroup v" + std::to_string(support.version) + " under " +
                               support.memory_parent + "; past it: Runtime.OutOfMemory"
                         : why + "; falling back to RLIMIT_DATA (an allocation past the "
                                 "memory size fails)"});
    return out;
}

std::string format_mechanisms(const std::vector<Mechanism>& mechanisms) {
    std::string out;
    for (const auto& mechanism : mechanisms) {
        std::string name = mechanism.name;
        name.resize(std::max<std::size_t>(name.size(), 22), ' ');
        out += "  " + name + (mechanism.active ? "active    " : "inactive  ") + mechanism.detail +
               "\n";
    }
    return out;
}

} // namespace lambda_local::runtime
