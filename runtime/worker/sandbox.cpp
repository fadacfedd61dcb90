// Namespaces, mounts, credentials and resource limits of an execution environment.
#include "runtime/worker/sandbox.hpp"

#include "runtime/util/error.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

// Maps the caller to the sandbox user inside a fresh user namespace.
std::string map_sandbox_user(uid_t outer_uid, gid_t outer_gid) {
    if (!write_file("/proc/self/setgroups", "deny")) {
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

bool make_root_read_only() {
#ifdef SYS_mount_setattr
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    return ::syscall(SYS_mount_setattr, -1, "/", AT_RECURSIVE, &attr, sizeof attr) == 0;
#else
    errno = ENOSYS;
    return false;
#endif
}

bool set_limit(int resource, rlim_t value) {
    rlimit limit{value, value};
    return ::setrlimit(resource, &limit) == 0;
}

bool drop_capabilities() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    return ::syscall(SYS_capset, &header, data) == 0;
}

} // namespace

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
    int flags = CLONE_NEWNS | CLONE_NEWPID | (root ? 0 : CLONE_NEWUSER);
    if (::unshare(flags) != 0) {
        state.notes.push_back(std::string(root ? "namespaces" : "user namespaces") +
                              " unavailable (" + os_error("unshare") +
                              "): no private /tmp, the handler runs as uid " +
                              std::to_string(uid) + ", the file system is writable");
        return state;
    }
    state.mount_namespace = state.pid_namespace = true;
    if (!root) {
        std::string why = map_sandbox_user(uid, gid);
        if (why.empty()) {
            state.user_namespace = true;
        } else {
            state.notes.push_back("sandbox user not mapped: " + why);
        }
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        state.notes.push_back("mounts not private: " + os_error("mount"));
        state.mount_namespace = false;
        return state;
    }
    if (make_root_read_only()) {
        state.read_only_root = true;
    } else {
        state.notes.push_back("file system left writable: " + os_error("mount_setattr"));
    }
    std::string options = "size=" + std::to_string(config.tmp_mb) + "m,mode=0700,uid=" +
                          std::to_string(k_sandbox_uid) + ",gid=" + std::to_string(k_sandbox_gid);
    if (!state.user_namespace && !root) {
        options = "size=" + std::to_string(config.tmp_mb) + "m,mode=0700";
    }
    if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) {
        state.private_tmp = true;
    } else {
        state.notes.push_back("no private /tmp: " + os_error("mount tmpfs"));
    }
    return state;
}

void mount_proc(SandboxState& state) {
    if (!state.pid_namespace || !state.mount_namespace) {
        return;
    }
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0) {
        state.private_proc = true;
    } else {
        state.notes.push_back("/proc shows host processes: " + os_error("mount proc"));
    }
}

std::string drop_privileges(const WorkerConfig& config, SandboxState& state) {
    if (config.sandbox.isolate) {
        if (::geteuid() == 0 && !state.user_namespace) {
            gid_t group = k_sandbox_gid;
            if (::setgroups(1, &group) != 0 ||
                ::setresgid(k_sandbox_gid, k_sandbox_gid, k_sandbox_gid) != 0 ||
                ::setresuid(k_sandbox_uid, k_sandbox_uid, k_sandbox_uid) != 0) {
                return "cannot become the sandbox user: " + os_error("setresuid");
            }
            state.sandbox_user = true;
        } else if (state.user_namespace) {
            state.sandbox_user = true;
            if (!drop_capabilities()) {
                state.notes.push_back("capabilities kept: " + os_error("capset"));
            }
        }
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (set_limit(RLIMIT_NOFILE, k_open_files_limit) &&
            set_limit(RLIMIT_NPROC, k_processes_limit)) {
            state.resource_limits = true;
        } else {
            state.notes.push_back("resource limits not set: " + os_error("setrlimit"));
        }
        // No core files: a crashing handler must not write into the host's file system.
        set_limit(RLIMIT_CORE, 0);
        if (config.sandbox.memory_rlimit && config.sandbox.memory_bytes > 0) {
            set_limit(RLIMIT_DATA, config.sandbox.memory_bytes);
        }
    }
    if (::chdir(config.task_root.c_str()) != 0) {
        return "cannot enter the task root " + config.task_root + ": " + os_error("chdir");
    }
    return {};
}

} // namespace lambda_local::worker
