// The handler process's system-call filter as libseccomp rules, compiled to BPF.
#include "runtime/worker/filters/syscall_rules.hpp"

#include "runtime/util/error.hpp"

#include <sched.h>
#include <seccomp.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace lambda_local::worker {
namespace {

// Namespace flags: refused in unshare; in clone, all but CLONE_NEWTIME, whose bit is part of
// clone's exit-signal byte (clone cannot make a time namespace; clone3 is refused whole).
constexpr unsigned long k_clone_namespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                             CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                             CLONE_NEWNET;
constexpr unsigned long k_unshare_namespaces = k_clone_namespaces | CLONE_NEWTIME;

struct FilterDeleter {
    void operator()(void* context) const { seccomp_release(context); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

// The syscall number of `name` on the filter's architectures, or nothing where no architecture
// of the filter has it (a 32-bit-only call on x86_64, say).
int resolve(const char* name) {
    return seccomp_syscall_resolve_name(name);
}

void check(int rc, const char* what) {
    if (rc != 0) {
        throw Error(std::string("seccomp rule for ") + what + ": " +
                    os_error("seccomp_rule_add", -rc));
    }
}

// An empty filter that allows every call, on this machine's ABIs: a call by another ABI's
// number must not pass where the native one is refused.
Filter allow_all() {
    Filter filter(seccomp_init(SCMP_ACT_ALLOW));
    if (!filter) {
        throw Error("seccomp_init failed");
    }
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        seccomp_arch_add(filter.get(), SCMP_ARCH_X86);
        seccomp_arch_add(filter.get(), SCMP_ARCH_X32);
    }
    // Rules sorted into a binary tree rather than one long chain: loading the filter, the
    // kernel runs it once per system call number to find the calls it always allows, and a
    // chain made that take 0.28 ms of each cold start (measured with `perf trace -e seccomp`).
    if (int rc = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0) {
        throw Error(os_error("seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE)", -rc));
    }
    return filter;
}

void refuse_ptrace(void* context) {
    check(seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 1,
                           SCMP_A0(SCMP_CMP_NE, PTRACE_TRACEME)),
          "ptrace");
}

// The BPF program libseccomp makes of `filter`, read back through a temporary file (the
// libseccomp of Debian 12 exports to a descriptor only).
std::vector<sock_filter> exported(void* context) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::tmpfile(), &std::fclose);
    if (!file) {
        throw Error(os_error("tmpfile"));
    }
    if (int rc = seccomp_export_bpf(context, ::fileno(file.get())); rc != 0) {
        throw Error(os_error("seccomp_export_bpf", -rc));
    }
    std::rewind(file.get());
    std::vector<sock_filter> program;
    sock_filter instruction{};
    while (std::fread(&instruction, sizeof instruction, 1, file.get()) == 1) {
        program.push_back(instruction);
    }
    if (program.empty()) {
        throw Error("seccomp_export_bpf wrote no program");
    }
    return program;
}

} // namespace

const std::vector<const char*>& refused_system_calls() {
    static const std::vector<const char*> calls = {
        // Namespaces (unshare and clone: only with a namespace flag; clone3: see below).
        "setns",
        // Mounts.
        "mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig",
        "fsmount", "fspick", "mount_setattr",
        // Other processes: tracing (but PTRACE_TRACEME), their memory and descriptors.
        "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
        // Kernel code, BPF, performance counters.
        "init_module", "finit_module", "delete_module", "create_module", "query_module",
        "get_kernel_syms", "bpf", "perf_event_open", "kexec_load", "kexec_file_load",
        // Keyrings.
        "keyctl", "add_key", "request_key",
        // The machine: reboot, swap, the clock, accounting, quotas, the kernel log.
        "reboot", "swapon", "swapoff", "settimeofday", "clock_settime", "clock_settime64",
        "clock_adjtime", "clock_adjtime64", "stime", "acct", "quotactl", "quotactl_fd", "syslog",
        "vhangup", "iopl", "ioperm", "_sysctl", "sysfs", "ustat", "uselib", "nfsservctl",
        "lookup_dcookie", "open_by_handle_at", "fanotify_init", "userfaultfd", "vm86", "vm86old",
        // io_uring runs operations out of the filter's sight.
        "io_uring_setup", "io_uring_enter", "io_uring_register"};
    return calls;
}

std::vector<sock_filter> compile_tracing_filter() {
    Filter filter = allow_all();
    refuse_ptrace(filter.get());
    return exported(filter.get());
}

std::vector<sock_filter> compile_handler_filter(bool debugging) {
    Filter filter = allow_all();
    void* context = filter.get();
    const std::uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    for (const char* name : refused_system_calls()) {
        int call = resolve(name);
        if (call == __NR_SCMP_ERROR) {
            continue;
        }
        if (int rc = seccomp_rule_add(context, eperm, call, 0); rc != -EDOM) {
            check(rc, name);
        }
    }
    // ptrace: only PTRACE_TRACEME (a process asking its parent to trace it) passes; under
    // --debug every request, until the tracing filter is stacked on this one.
    if (!debugging) {
        refuse_ptrace(context);
    }
    // unshare and clone: refused when any namespace flag is set, one rule per flag.
    for (unsigned long flag = 1; flag != 0; flag <<= 1) {
        if (flag & k_unshare_namespaces) {
            check(seccomp_rule_add(context, eperm, SCMP_SYS(unshare), 1,
                                   SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
                  "unshare");
        }
        if (flag & k_clone_namespaces) {
            check(seccomp_rule_add(context, eperm, SCMP_SYS(clone), 1,
                                   SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
                  "clone");
        }
    }
    // clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes the C library
    // fall back to clone (as Docker's profile does).
    if (int call = resolve("clone3"); call != __NR_SCMP_ERROR) {
        check(seccomp_rule_add(context, SCMP_ACT_ERRNO(ENOSYS), call, 0), "clone3");
    }
    return exported(context);
}

} // namespace lambda_local::worker
