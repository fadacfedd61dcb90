// pasta, started for an isolated environment and stopped with it.
#include "runtime/outbound_network.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <vector>

extern char** environ;

namespace lambda_local::runtime {
namespace {

// Reads what `fd` has now, without waiting (at most `cap` bytes kept); false at its end.
bool read_now(int fd, std::string& out, std::size_t cap) {
    char buffer[512];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return true; // EAGAIN: nothing more now
        }
        if (got == 0) {
            return false;
        }
        if (out.size() < cap) {
            out.append(buffer, static_cast<std::size_t>(got));
        }
    }
}

} // namespace

const char* to_string(NetworkMode mode) {
    return mode == NetworkMode::Isolated ? "isolated" : "host";
}

bool parse_network_mode(const std::string& text, NetworkMode& mode) {
    if (text == "host") {
        mode = NetworkMode::Host;
        return true;
    }
    if (text == "isolated") {
        mode = NetworkMode::Isolated;
        return true;
    }
    return false;
}

std::string OutboundNetwork::find_pasta() {
    if (const char* named = std::getenv("LAMBDA_LOCAL_PASTA"); named != nullptr) {
        return *named != '\0' && ::access(named, X_OK) == 0 ? named : "";
    }
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/pasta";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    for (const char* fixed : {"/usr/bin/pasta", "/usr/sbin/pasta"}) {
        if (::access(fixed, X_OK) == 0) {
            return fixed;
        }
    }
    return {};
}

OutboundNetwork::~OutboundNetwork() {
    stop();
}

std::string OutboundNetwork::launch(pid_t worker) {
    std::string pasta = find_pasta();
    if (pasta.empty()) {
        return "pasta is not installed (Debian's passt package)";
    }
    // The namespaces are handed over as descriptors, opened here while the worker is this
    // process's unreaped child: pasta joins them through /proc/self/fd, whatever its own
    // privileges (as root it would otherwise be refused the namespaces of a root process).
    std::string proc = "/proc/" + std::to_string(worker) + "/ns/";
    Fd netns(::open((proc + "net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) {
        return os_error("open " + proc + "net");
    }
    bool root = ::geteuid() == 0;
    Fd userns;
    if (!root) {
        userns = Fd(::open((proc + "user").c_str(), O_RDONLY | O_CLOEXEC));
        if (!userns) {
            return os_error("open " + proc + "user");
        }
    }
    int ready_pipe[2];
    int error_pipe[2];
    if (::pipe2(ready_pipe, O_CLOEXEC) != 0) {
        return os_error("pipe2");
    }
    Fd ready_read(ready_pipe[0]);
    Fd ready_write(ready_pipe[1]);
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        return os_error("pipe2");
    }
    Fd error_read(error_pipe[0]);
    Fd error_write(error_pipe[1]);
    // In the child, the descriptors keep their numbers (dup2 onto itself clears close-on-exec).
    auto child_path = [](const Fd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); };
    // No port forwarded in either direction, the gateway not mapped to the host's loopback:
    // only connections to other hosts leave the namespace. pasta writes its pid to the pipe
    // once the namespace is configured (-P), which is the signal to go on.
    std::vector<std::string> args = {pasta,
                                     "--config-net",
                                     "--no-map-gw",
                                     "-t",
                                     "none",
                                     "-u",
                                     "none",
                                     "-T",
                                     "none",
                                     "-U",
                                     "none",
                                     "-q",
                                     "-f",
                                     "-P",
                                     child_path(ready_write),
                                     "--netns",
                                     child_path(netns)};
    if (root) {
        // As root pasta would become nobody, who may not enter a root-owned namespace.
        args.insert(args.begin() + 1, {"--runas", "0:0"});
        args.push_back("--netns-only");
    } else {
        args.insert(args.end(), {"--userns", child_path(userns)});
    }
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, error_write.get(), 2);
    for (const Fd* kept : {&ready_write, &netns, &userns}) {
        if (*kept) {
            ::posix_spawn_file_actions_adddup2(&actions, kept->get(), kept->get());
        }
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
    int failed = ::posix_spawn(&pid, pasta.c_str(), &actions, &attributes, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    if (failed != 0) {
        return "cannot start " + pasta + ": " + os_error("posix_spawn", failed);
    }
    m_pid = pid;
    ready_write.reset();
    error_write.reset();
    ::fcntl(ready_read.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(error_read.get(), F_SETFL, O_NONBLOCK);
    m_ready = std::move(ready_read);
    m_errors = std::move(error_read);
    m_written.clear();
    return {};
}

std::optional<bool> OutboundNetwork::ready() {
    bool open = read_now(m_ready.get(), m_written, 64);
    if (m_written.find('\n') != std::string::npos) {
        m_ready.reset();
        m_errors.reset();
        return true;
    }
    if (!open) {
        return false;
    }
    return std::nullopt;
}

std::string OutboundNetwork::failure(bool in_time) {
    std::string said;
    if (m_errors) {
        read_now(m_errors.get(), said, 4096);
    }
    stop();
    // pasta's own lines, without its complaints that there is no syslog to write to.
    std::string lines;
    std::istringstream in(said);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.find("to syslog") == std::string::npos) {
            lines += (lines.empty() ? "" : "; ") + line;
        }
    }
    std::string why = in_time ? "pasta ended before it configured the namespace"
                              : "pasta did not configure the namespace in time";
    return lines.empty() ? why : why + ": " + lines;
}

void OutboundNetwork::stop() {
    m_ready.reset();
    m_errors.reset();
    if (m_pid <= 0) {
        return;
    }
    // pasta is this process's child, not yet reaped: the pid is pasta's. It keeps no state
    // worth a graceful end.
    ::kill(m_pid, SIGKILL);
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
}

} // namespace lambda_local::runtime
