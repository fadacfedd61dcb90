// The steps by which a worker enters its sandbox, each reporting what it could not do.
#pragma once

#include "runtime/protocol/worker_config.hpp"

#include <string>
#include <vector>

namespace lambda_local::worker {

// What the sandbox achieved so far, and why any part is missing.
struct SandboxState {
    bool user_namespace = false;
    bool mount_namespace = false;
    bool pid_namespace = false;
    bool read_only_root = false;
    bool private_tmp = false;
    bool opt_layers = false;  // the function's layers are at /opt
    std::string layers_error; // why they are not, when it has layers
    bool private_proc = false;
    bool sandbox_user = false;
    bool resource_limits = false;
    bool network_namespace = false;      // --network isolated: the environment's own
    bool handler_user_namespace = false; // as root: the handler's own, for per-environment
                                         // process counts
    bool syscall_filter = false;
    std::vector<std::string> notes; // one line per mechanism that is not in force
};

// In the worker, before the environment's first process is forked: new mount and
// pid namespaces (and a user namespace mapping the caller to uid 993 when not root),
// the file system read-only, the function's layers at /opt (opt_layers.hpp), and a private
// size-limited tmpfs on /tmp. Without
// namespaces (no root and no user namespaces) nothing of this, and one note says so;
// the worker then ends the environment's processes as their child subreaper.
SandboxState enter_namespaces(const WorkerConfig& config);

// The worker's first act, while it has one thread and has forked nothing: moves itself into
// its cgroups (v1) by writing "0" to each of config.sandbox.cgroup_tasks, so that every process
// of the environment starts in them. Returns what failed, "" when it joined them all (or had
// none to join).
std::string join_own_cgroups(const WorkerConfig& config);

// In the environment's first process (pid 1 of the new pid namespace): a /proc
// that shows only the environment's processes.
void mount_proc(SandboxState& state);

// True when the handler process, as root, gets a user namespace of its own: uid 993's
// processes are then counted per environment (RLIMIT_NPROC counts per user namespace since
// Linux 5.14), so that a fork bomb in one environment cannot starve the others. Needs the
// environment's own /proc, through which the first process writes the namespace's id maps.
bool handler_needs_user_namespace(const WorkerConfig& config, const SandboxState& state);

// The first process's side of that: waits on `handshake` (a socket to the handler process)
// for the handler's new user namespace, writes its identity uid and gid maps as root, and
// answers. Returns a note when it could not.
std::string map_handler_user_namespace(pid_t handler, int handshake);

// In the handler process: Lambda's resource limits (set first, while root may
// still raise a hard limit), the sandbox user (setresuid as root, in a user namespace of its
// own when `handshake` is a descriptor; in a caller's user namespace, every capability
// dropped), no way back to privileges, the system-call filter, and the task root as working
// directory. Returns an error message when the handler cannot run at all.
std::string drop_privileges(const WorkerConfig& config, SandboxState& state, int handshake = -1);

} // namespace lambda_local::worker
