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
#include <thread>
#include <vector>

extern char** environ;

namespace lambda_local::runtime {
namespace {

// Waits up to `bound` for `pid` (a child) to end; true when it was reaped.
bool reap_within(pid_t pid, std::chrono::milliseconds bound) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

// Reads what `fd` has until end of file, a line's end when `line` is set, or `deadline`;
// false when the deadline came first.
bool read_until(int fd, std::string& out, std::chrono::steady_clock::time_point deadline,
                bool line) {
    char buffer[512];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            return false;
        }
        pollfd ready{fd, POLLIN, 0};
        int n = ::poll(&ready, 1, static_cast<int>(left));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            continue;
        }
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return true;
        }
        if (out.size() < 4096) {
            out.append(buffer, static_cast<std::size_t>(got));
        }
        if (line && out.find('\n') != std::string::npos) {
            return true;
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

std::string OutboundNetwork::connect(pid_t worker, std::chrono::milliseconds bound) {
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
    auto deadline = std::chrono::steady_clock::now() + bound;
    std::string written;
    bool in_time = read_until(ready_read.get(), written, deadline, true);
    if (in_time && written.find('\n') != std::string::npos) {
        return {};
    }
    std::string said;
    read_until(error_read.get(), said,
               std::chrono::steady_clock::now() + std::chrono::milliseconds(100), false);
    stop();
    // pasta's own lines, without its complaints that there is no syslog to write to.
    std::string lines;
    std::istringstream in(said);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.find("to syslog") == std::string::npos) {
            lines += (lines.empty() ? "" : "; ") + line;
        }
    }
    said = lines;
    std::string why = in_time ? "pasta ended before it configured the namespace"
                              : "pasta did not configure the namespace in time";
    return said.empty() ? why : why + ": " + said;
}

void OutboundNetwork::stop() {
    if (m_pid <= 0) {
        return;
    }
    // pasta is this process's child, not yet reaped: the pid is pasta's.
    ::kill(m_pid, SIGTERM);
    if (!reap_within(m_pid, std::chrono::milliseconds(1000))) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    m_pid = -1;
}

} // namespace lambda_local::runtime
