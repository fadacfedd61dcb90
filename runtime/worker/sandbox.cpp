// Namespaces, mounts, credentials and resource limits of an execution environment.
//
// As root: new mount and pid namespaces, and the handler becomes uid 993 / gid 990
// with setresuid, in a user namespace of its own (an identity map: the same ids as the
// host's) so that its processes are counted per environment. Not root: the same namespaces
// inside a new user namespace that maps the caller (and only the caller) to uid 993 / gid
// 990; the handler then drops every capability it has in that namespace. With `--network
// isolated`, a network namespace too. Without user namespaces the handler runs as a plain
// process of the caller, and the notes say what is missing. Last, the system-call filter.
#include "runtime/worker/sandbox.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/worker/opt_layers.hpp"
#include "runtime/worker/syscall_filter.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lambda_local::worker {
namespace {

bool write_file(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    int saved = errno;
    ::close(fd);
    errno = saved;
    return ok;
}

std::string read_word(const char* path) {
    std::ifstream in(path);
    std::string word;
    in >> word;
    return word;
}

bool kernel_at_least(int major, int minor) {
    utsname name{};
    int found_major = 0;
    int found_minor = 0;
    if (::uname(&name) != 0 ||
        std::sscanf(name.release, "%d.%d", &found_major, &found_minor) != 2) {
        return false;
    }
    return found_major > major || (found_major == major && found_minor >= minor);
}

// Why an unprivileged process cannot use a user namespace here, from the
// settings that commonly forbid it; empty when none of them is the cause.
std::string user_namespace_hint(int error) {
    if (read_word("/proc/sys/user/max_user_namespaces") == "0") {
        return "user.max_user_namespaces is 0";
    }
    if (read_word("/proc/sys/kernel/unprivileged_userns_clone") == "0") {
        return "kernel.unprivileged_userns_clone is 0";
    }
    if (read_word("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1") {
        return "AppArmor restricts unprivileged user namespaces "
               "(kernel.apparmor_restrict_unprivileged_userns is 1)";
    }
    switch (error) {
    case ENOSPC:
        return "the limit user.max_user_namespaces is reached";
    case EINVAL:
        return "the kernel has no user namespaces";
    case EPERM:
        return "forbidden by a seccomp filter or the container runtime";
    default:
        return {};
    }
}

std::string with_hint(const std::string& what, const std::string& hint) {
    return hint.empty() ? what : what + "; " + hint;
}

// Maps the caller, and only the caller, to the sandbox user inside the fresh user
// namespace. An unprivileged process may map nothing else, and must deny
// setgroups(2) before it may write a gid_map.
std::string map_sandbox_user(uid_t outer_uid, gid_t outer_gid) {
    if (!write_file("/proc/self/setgroups", "deny") && errno != ENOENT) {
        return os_error("write /proc/self/setgroups");
    }
    if (!write_file("/proc/self/uid_map",
                    std::to_string(k_sandbox_uid) + " " + std::to_string(outer_uid) + " 1")) {
        return os_error("write /proc/self/uid_map");
    }
    if (!write_file("/proc/self/gid_map",
                    std::to_string(k_sandbox_gid) + " " + std::to_string(outer_gid) + " 1")) {
        return os_error("write /proc/self/gid_map");
    }
    return {};
}

// Mount points from /proc/self/mountinfo, parents before children, with the
// kernel's octal escapes (\040 for a space) undone.
std::vector<std::string> mount_points() {
    std::vector<std::string> points;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, device, root, point;
        fields >> id >> parent >> device >> root >> point;
        std::string plain;
        for (std::size_t i = 0; i < point.size(); ++i) {
            if (point[i] == '\\' && i + 3 < point.size()) {
                plain += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
                i += 3;
            } else {
                plain += point[i];
            }
        }
        points.push_back(plain);
    }
    return points;
}

// Before Linux 5.12 (no mount_setattr): every mount read-only one by one. A bind
// remount must repeat the flags the mount already has: in a user namespace they
// are locked, and leaving one out is refused with EPERM.
std::string remount_each_read_only() {
    std::string failed;
    int failures = 0;
    for (const std::string& point : mount_points()) {
        struct statvfs info {};
        if (::statvfs(point.c_str(), &info) != 0) {
            continue; // over-mounted or gone: not reachable by path
        }
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
        const std::pair<unsigned long, unsigned long> kept[] = {
            {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
            {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
        for (const auto& [has, flag] : kept) {
            if (info.f_flag & has) {
                flags |= flag;
            }
        }
        if (::mount(nullptr, point.c_str(), nullptr, flags, nullptr) != 0) {
            if (failures++ < 3) {
                failed += (failed.empty() ? "" : ", ") + point + " (" + std::strerror(errno) + ")";
            }
        }
    }
    if (failures > 3) {
        failed += " and " + std::to_string(failures - 3) + " more";
    }
    return failed;
}

// Everything read-only; returns why not, or an empty string.
std::string make_root_read_only() {
#ifdef SYS_mount_setattr
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::syscall(SYS_mount_setattr, -1, "/", AT_RECURSIVE, &attr, sizeof attr) == 0) {
        return {};
    }
    if (errno != ENOSYS) {
        return os_error("mount_setattr");
    }
#endif
    std::string failed = remount_each_read_only();
    return failed.empty() ? std::string() : "remount read-only failed for " + failed;
}

// Sets a resource limit (soft and hard) to `value`; where the hard limit is lower
// and may not be raised (only CAP_SYS_RESOURCE of the host may), to the hard
// limit. Returns the limit in force, or 0 when none could be set.
rlim_t set_limit(int resource, rlim_t value) {
    rlimit limit{value, value};
    if (::setrlimit(resource, &limit) == 0) {
        return value;
    }
    rlimit current{};
    if (::getrlimit(resource, &current) == 0 && current.rlim_max != RLIM_INFINITY &&
        current.rlim_max < value) {
        limit = {current.rlim_max, current.rlim_max};
        if (::setrlimit(resource, &limit) == 0) {
            return current.rlim_max;
        }
    }
    return 0;
}

// Appends "what: a; b" to the notes when `missing` is not empty.
void note_missing(SandboxState& state, const char* what, const std::vector<std::string>& missing) {
    if (missing.empty()) {
        return;
    }
    std::string note = what;
    for (std::size_t i = 0; i < missing.size(); ++i) {
        note += (i ? "; " : ": ") + missing[i];
    }
    state.notes.push_back(note);
}

// Lambda's limit of open files, a memory size where no cgroup enforces it, and no core files;
// set while root may still raise a hard limit. Returns what could not be set.
std::vector<std::string> set_resource_limits(const WorkerConfig& config) {
    std::vector<std::string> missing;
    rlim_t files = set_limit(RLIMIT_NOFILE, k_open_files_limit);
    if (files == 0) {
        missing.push_back("open files not limited (" + os_error("setrlimit") + ")");
    } else if (files < k_open_files_limit) {
        missing.push_back("open files limited to " + std::to_string(files) +
                          ", the caller's hard limit");
    }
    // No core files: a crashing handler must not write into the host's file system.
    set_limit(RLIMIT_CORE, 0);
    if (config.sandbox.memory_rlimit && config.sandbox.memory_bytes > 0) {
        set_limit(RLIMIT_DATA, config.sandbox.memory_bytes);
    }
    return missing;
}

// Lambda's limit of processes (and threads), where it counts only this environment's.
// RLIMIT_NPROC counts every process of a user in a user namespace (since Linux 5.14; before,
// across the machine): uid 993 of the handler's own namespace (as root) or of the worker's
// (not root) is this environment alone. Without one, the limit would let a fork bomb in one
// environment break fork in every other, so it is not set.
void limit_processes(SandboxState& state, bool as_root, std::vector<std::string>& missing) {
    bool countable =
        as_root ? state.handler_user_namespace : state.user_namespace && kernel_at_least(5, 14);
    if (!countable) {
        missing.push_back(std::string("processes not limited: RLIMIT_NPROC would count every "
                                      "process of ") +
                          (as_root ? "uid 993 on this machine, every environment's"
                                   : "the calling user, not only the environment's") +
                          (kernel_at_least(5, 14) ? "" : " (before Linux 5.14)"));
        return;
    }
    rlim_t processes = set_limit(RLIMIT_NPROC, k_processes_limit);
    if (processes == 0) {
        missing.push_back("processes not limited (" + os_error("setrlimit") + ")");
    } else if (processes < k_processes_limit) {
        missing.push_back("processes limited to " + std::to_string(processes) +
                          ", the caller's hard limit");
    }
}

// Brings up the loopback interface of a new network namespace (Lambda's functions have one).
std::string bring_loopback_up() {
    Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        return os_error("socket");
    }
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0) {
        return os_error("ioctl SIOCGIFFLAGS lo");
    }
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(fd.get(), SIOCSIFFLAGS, &request) != 0) {
        return os_error("ioctl SIOCSIFFLAGS lo");
    }
    return {};
}

// How the handler process's own user namespace went.
struct UserNamespaceOutcome {
    bool entered = false;
    bool mapped = false; // false once entered: no id is valid in it, the handler cannot run
    std::string why;
};

// The handler process's side of its own user namespace (as root): unshare, ask the first
// process for the id maps, and wait for them.
UserNamespaceOutcome enter_handler_user_namespace(int handshake) {
    if (::unshare(CLONE_NEWUSER) != 0) {
        std::string why = os_error("unshare(CLONE_NEWUSER)");
        char refused = 'n';
        [[maybe_unused]] ssize_t ignored = ::write(handshake, &refused, 1);
        return {false, false, why};
    }
    char entered = 'y';
    char answer = 0;
    ssize_t n = ::write(handshake, &entered, 1);
    if (n == 1) {
        while ((n = ::read(handshake, &answer, 1)) < 0 && errno == EINTR) {
        }
    }
    if (n != 1) {
        return {true, false, "the environment's first process did not write the id maps"};
    }
    if (answer != 0) {
        return {true, false, os_error("write uid_map", answer)};
    }
    return {true, true, {}};
}

// Empties the bounding and ambient sets, so that no capability can be regained
// (needs CAP_SETPCAP: a no-op for a process without capabilities).
void drop_bounding_set() {
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap <= 63; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            break; // past the kernel's last capability, or not allowed
        }
    }
}

// No capabilities at all: the bounding and ambient sets, then the effective,
// permitted and inheritable sets.
bool drop_capabilities() {
    drop_bounding_set();
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    return ::syscall(SYS_capset, &header, data) == 0;
}

// The function's directories (task root, library) under `top` ("/tmp/", "/run/"), opened before
// a private mount there hides them.
std::vector<std::pair<std::string, Fd>> function_dirs_under(const WorkerConfig& config,
                                                            std::string_view top) {
    std::vector<std::pair<std::string, Fd>> dirs;
    std::string library_dir = config.library.substr(0, config.library.rfind('/'));
    for (const std::string& dir : {config.task_root, library_dir}) {
        if (dir.rfind(top, 0) == 0 &&
            std::none_of(dirs.begin(), dirs.end(),
                         [&dir](const auto& kept) { return kept.first == dir; })) {
            dirs.emplace_back(dir, Fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
        }
    }
    return dirs;
}

// Makes `path` and its parents as directories (inside the private /tmp or /run).
bool make_directories(const std::string& path) {
    for (std::size_t slash = 1; slash != std::string::npos;) {
        slash = path.find('/', slash + 1);
        std::string prefix = path.substr(0, slash);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
            return false;
        }
    }
    return true;
}

// Shows the host directories `kept` (opened before the private `top` was mounted) at their own
// paths inside it, read-only like the rest of the host.
void keep_function_dirs(const std::vector<std::pair<std::string, Fd>>& kept, const std::string& top,
                        SandboxState& state) {
    for (const auto& [dir, fd] : kept) {
        std::string source = "/proc/self/fd/" + std::to_string(fd.get());
        if (!fd || !make_directories(dir) ||
            ::mount(source.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
            state.notes.push_back("the code directory " + dir + " under " + top +
                                  " is hidden by the private " + top + ": " +
                                  os_error("mount --bind"));
        }
    }
}

// The host's /run holds sockets that a read-only mount does not keep a process from connecting
// to: the session bus and the user's services in /run/user, a Docker daemon's, gpg's agent...
// A handler gets an empty, read-only /run instead, with only /etc/resolv.conf's target when it
// lives there (systemd-resolved, resolvconf) and the function's own directories.
void hide_run(const WorkerConfig& config, SandboxState& state) {
    struct stat info {};
    if (::lstat("/run", &info) != 0 || !S_ISDIR(info.st_mode)) {
        return;
    }
    std::vector<std::pair<std::string, Fd>> kept = function_dirs_under(config, "/run/");
    std::string resolver;
    Fd resolver_fd;
    if (char* real = ::realpath("/etc/resolv.conf", nullptr); real != nullptr) {
        if (std::string_view(real).rfind("/run/", 0) == 0) {
            resolver = real;
            resolver_fd.reset(::open(real, O_PATH | O_CLOEXEC));
        }
        std::free(real);
    }
    if (::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0755") !=
        0) {
        state.notes.push_back("the host's /run stays visible, and the sockets in it reachable: " +
                              os_error("mount tmpfs"));
        return;
    }
    if (resolver_fd) {
        std::string source = "/proc/self/fd/" + std::to_string(resolver_fd.get());
        Fd placeholder;
        if (make_directories(resolver.substr(0, resolver.rfind('/')))) {
            placeholder.reset(::open(resolver.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        }
        if (!placeholder ||
            ::mount(source.c_str(), resolver.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            state.notes.push_back(
                "no " + resolver +
                " (/etc/resolv.conf) under the private /run: " + os_error("mount --bind"));
        }
    }
    keep_function_dirs(kept, "/run", state);
    ::mount(nullptr, "/run", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            nullptr);
}

} // namespace

std::string join_own_cgroups(const WorkerConfig& config) {
    for (const std::string& path : config.sandbox.cgroup_tasks) {
        Fd tasks(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!tasks) {
            return os_error("open " + path);
        }
        if (::write(tasks.get(), "0", 1) != 1) {
            return os_error("write " + path);
        }
    }
    return {};
}

SandboxState enter_namespaces(const WorkerConfig& config) {
    SandboxState state;
    if (!config.sandbox.isolate) {
        state.notes.push_back("sandbox disabled (--no-sandbox): the handler runs as the calling "
                              "user, with the host's /tmp and file system");
        return state;
    }
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    bool root = uid == 0;
    // An IPC namespace of its own: System V shared memory, semaphores and message queues and
    // POSIX message queues are the environment's, gone with it, and the host's are out of reach
    // (the host's kept what an environment made, without bound, for any other to read).
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (root ? 0 : CLONE_NEWUSER) |
                (config.sandbox.isolated_network ? CLONE_NEWNET : 0);
    if (::unshare(flags) != 0) {
        int error = errno;
        std::string why = os_error("unshare", error);
        if (!root) {
            why = with_hint(why, user_namespace_hint(error));
        }
        state.notes.push_back(
            std::string(root ? "namespaces" : "user namespaces") + " unavailable (" + why +
            "): the handler runs as a plain process" +
            (root ? " (as uid " + std::to_string(k_sandbox_uid) + ")"
                  : ", as uid " + std::to_string(uid) + " instead of the sandbox user") +
            ", with the host's /tmp and /proc, the file system writable; its processes are "
            "ended through a subreaper");
        return state;
    }
    state.mount_namespace = state.pid_namespace = true;
    if (config.sandbox.isolated_network) {
        state.network_namespace = true;
        if (std::string why = bring_loopback_up(); !why.empty()) {
            state.notes.push_back("no loopback interface in the network namespace: " + why);
        }
    }
    if (!root) {
        // The caller's supplementary groups cannot be dropped without privileges:
        // with setgroups denied they stay, shown as the overflow group.
        if (int groups = ::getgroups(0, nullptr); groups > 0) {
            state.notes.push_back("the handler keeps the caller's " + std::to_string(groups) +
                                  " supplementary group(s) (only root can drop them): files "
                                  "and sockets of those groups stay reachable");
        }
        std::string why = map_sandbox_user(uid, gid);
        if (why.empty()) {
            state.user_namespace = true;
        } else {
            state.notes.push_back("sandbox user not mapped: " + why);
        }
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        int error = errno;
        std::string why = os_error("mount", error);
        if (!root) {
            why = with_hint(why, user_namespace_hint(error));
        }
        state.notes.push_back("mounts not private (" + why +
                              "): no private /tmp and /proc, the file system writable");
        state.mount_namespace = false;
        return state;
    }
    std::string writable = make_root_read_only();
    if (writable.empty()) {
        state.read_only_root = true;
    } else {
        state.notes.push_back("file system left writable: " + writable);
    }
    // In a user namespace the tmpfs belongs to whoever mounts it, the worker, which
    // is uid 993 / gid 990 there: uid=/gid= options are not needed (and older
    // kernels refuse them). As root they make the sandbox user its owner.
    std::string options = "size=" + std::to_string(config.tmp_mb) + "m,mode=0700";
    if (root) {
        options +=
            ",uid=" + std::to_string(k_sandbox_uid) + ",gid=" + std::to_string(k_sandbox_gid);
    }
    if (!config.layers.empty()) {
        state.layers_error = lay_layers_into_opt(config);
        state.opt_layers = state.layers_error.empty();
    }
    // A function kept under the host's /tmp (a mktemp -d build) stays visible.
    std::vector<std::pair<std::string, Fd>> kept = function_dirs_under(config, "/tmp/");
    if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) {
        state.private_tmp = true;
        keep_function_dirs(kept, "/tmp", state);
    } else {
        state.notes.push_back("no private /tmp: " + os_error("mount tmpfs"));
    }
    hide_run(config, state);
    return state;
}

void mount_proc(SandboxState& state) {
    if (!state.pid_namespace || !state.mount_namespace) {
        return;
    }
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0) {
        state.private_proc = true;
        return;
    }
    int error = errno;
    std::string why = os_error("mount proc", error);
    if (error == EPERM && state.user_namespace) {
        // The kernel lets a user namespace mount proc only where the existing /proc
        // is fully visible, which container runtimes prevent by over-mounting parts.
        why += "; parts of the host's /proc are over-mounted";
    }
    state.notes.push_back("/proc shows the host's processes (" + why + ")");
}

bool handler_needs_user_namespace(const WorkerConfig& config, const SandboxState& state) {
    return config.sandbox.isolate && ::geteuid() == 0 && !state.user_namespace &&
           state.private_proc && kernel_at_least(5, 14);
}

std::string map_handler_user_namespace(pid_t handler, int handshake) {
    char entered = 0;
    ssize_t n = 0;
    while ((n = ::read(handshake, &entered, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1 || entered != 'y') {
        return {}; // the handler could not make one, and says why itself
    }
    // The identity map: ids inside are the host's (files show their real owners, uid 993 is
    // the host's 993); only the namespace's own process count is new.
    const std::string identity = "0 0 4294967295";
    std::string proc = "/proc/" + std::to_string(handler);
    int error = 0;
    if (!write_file((proc + "/uid_map").c_str(), identity) ||
        !write_file((proc + "/gid_map").c_str(), identity)) {
        error = errno > 0 && errno < 128 ? errno : EIO;
    }
    char answer = static_cast<char>(error);
    [[maybe_unused]] ssize_t ignored = ::write(handshake, &answer, 1);
    return error == 0 ? std::string() : os_error("write " + proc + "/uid_map", error);
}

std::string drop_privileges(const WorkerConfig& config, SandboxState& state, int handshake) {
    if (config.sandbox.isolate) {
        bool as_root = ::geteuid() == 0 && !state.user_namespace;
        // While still privileged: root may set limits above its hard limits.
        std::vector<std::string> missing = set_resource_limits(config);
        if (as_root) {
            gid_t group = k_sandbox_gid;
            if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || ::setgroups(1, &group) != 0) {
                return "cannot become the sandbox user: " + os_error("setgroups");
            }
            if (handshake >= 0) {
                UserNamespaceOutcome outcome = enter_handler_user_namespace(handshake);
                if (outcome.entered && !outcome.mapped) {
                    return "cannot become the sandbox user: " + outcome.why;
                }
                if (outcome.entered) {
                    state.handler_user_namespace = true;
                } else {
                    state.notes.push_back("no user namespace of its own for the handler (" +
                                          outcome.why + ")");
                }
            }
            // The bounding set of the user namespace the handler runs in, dropped once: a new
            // one starts full, and the host's set no longer bounds a process that left it
            // (each drop replaces the process's credentials: 41 cost ~70 us). setresuid below
            // clears the other sets.
            drop_bounding_set();
            if (::setresgid(k_sandbox_gid, k_sandbox_gid, k_sandbox_gid) != 0 ||
                ::setresuid(k_sandbox_uid, k_sandbox_uid, k_sandbox_uid) != 0) {
                return "cannot become the sandbox user: " + os_error("setresuid");
            }
            state.sandbox_user = true;
        } else {
            // In the user namespace the handler process holds every capability
            // (over the namespace's mounts and processes) until it drops them here.
            state.sandbox_user = state.user_namespace;
            if (!drop_capabilities()) {
                state.notes.push_back("capabilities kept: " + os_error("capset"));
            }
        }
        limit_processes(state, as_root, missing);
        if (missing.empty()) {
            state.resource_limits = true;
        }
        note_missing(state, "resource limits incomplete", missing);
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        // A change of user makes a process undumpable, which hides its own /proc/self/fd
        // and friends from it; the function may read them, as on Lambda. (Core files stay
        // off: RLIMIT_CORE is 0.)
        ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        if (std::string why = install_syscall_filter(!config.gdbserver.empty()); why.empty()) {
            state.syscall_filter = true;
        } else {
            state.notes.push_back("no system-call filter: " + why);
        }
    }
    if (::chdir(config.task_root.c_str()) != 0) {
        return "cannot enter the task root " + config.task_root + ": " + os_error("chdir");
    }
    return {};
}

} // namespace lambda_local::worker
