// Tests of the handler process's system-call filter, each in a child process of its own (a
// filter cannot be removed once installed).
#include "runtime/worker/syscall_filter.hpp"

#include "runtime/worker/filters/compiled_filters.hpp"
#include "runtime/worker/filters/syscall_rules.hpp"

#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <string>
#include <vector>

using namespace lambda_local::worker;

namespace {

// Runs `attempt` in a child after installing the filter there; returns the errno it reports
// (0 for success), or -1 when the filter could not be installed.
int errno_under_filter(const std::function<long()>& attempt) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        int result = -1;
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (install_syscall_filter().empty()) {
            errno = 0;
            result = attempt() < 0 ? errno : 0;
        }
        [[maybe_unused]] ssize_t written = ::write(pipe_fds[1], &result, sizeof result);
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    int result = -2;
    REQUIRE(::read(pipe_fds[0], &result, sizeof result) == sizeof result);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return result;
}

long fork_and_reap() {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(0);
    }
    if (pid > 0) {
        ::waitpid(pid, nullptr, 0);
    }
    return pid;
}

#if defined(__x86_64__)
// A system call by the 32-bit ABI (int 0x80, i386's numbers), as the kernel's raw answer.
long i386_call(long number, long first) {
    long result = 0;
    asm volatile("int $0x80" : "=a"(result) : "a"(number), "b"(first) : "memory");
    return result;
}

// As a C library wrapper would report it: -1 with errno.
long as_errno(long raw) {
    if (raw < 0 && raw > -4096) {
        errno = static_cast<int>(-raw);
        return -1;
    }
    return raw;
}
#endif

} // namespace

TEST_SUITE_BEGIN("runtime::worker::SyscallFilter");

TEST_CASE("the programs the worker loads are those the rules compile to now") {
    auto same = [](const FilterProgram& built, const std::vector<sock_filter>& now) {
        if (built.length != now.size()) {
            return false;
        }
        for (std::size_t i = 0; i < now.size(); ++i) {
            const sock_filter& a = built.instructions[i];
            const sock_filter& b = now[i];
            if (a.code != b.code || a.jt != b.jt || a.jf != b.jf || a.k != b.k) {
                return false;
            }
        }
        return true;
    };
    CHECK(same(k_handler_filter, compile_handler_filter(false)));
    CHECK(same(k_handler_filter_debugging, compile_handler_filter(true)));
    CHECK(same(k_tracing_filter, compile_tracing_filter()));
    // The three differ: the ptrace rule is in the first and the last only.
    CHECK(k_handler_filter.length > k_tracing_filter.length);
    CHECK(k_handler_filter.length != k_handler_filter_debugging.length);
}

TEST_CASE("new namespaces are refused with EPERM, whichever call asks for them") {
    CHECK(errno_under_filter([] { return ::unshare(CLONE_NEWUSER); }) == EPERM);
    CHECK(errno_under_filter([] { return ::unshare(CLONE_NEWNET | CLONE_NEWNS); }) == EPERM);
    CHECK(errno_under_filter([] {
              return ::syscall(SYS_clone, static_cast<unsigned long>(CLONE_NEWUSER | SIGCHLD), 0, 0,
                               0, 0);
          }) == EPERM);
    CHECK(errno_under_filter([] { return ::setns(0, 0); }) == EPERM);
}

TEST_CASE("clone3 is ENOSYS, so that the C library falls back to clone") {
    CHECK(errno_under_filter([] { return ::syscall(SYS_clone3, nullptr, 0); }) == ENOSYS);
}

TEST_CASE("fork, threads and unshare without a namespace flag keep working") {
    CHECK(errno_under_filter(fork_and_reap) == 0);
    CHECK(errno_under_filter([] { return static_cast<long>(::unshare(CLONE_FILES)); }) == 0);
}

TEST_CASE("mounts, ptrace of another process, kexec, reboot and the clock are refused") {
    CHECK(errno_under_filter([] { return ::mount("none", "/", "tmpfs", 0, nullptr); }) == EPERM);
    CHECK(errno_under_filter([] { return ::syscall(SYS_ptrace, 16 /* ATTACH */, 1, 0, 0); }) ==
          EPERM);
    CHECK(errno_under_filter([] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0); }) == EPERM);
    CHECK(errno_under_filter([] { return ::syscall(SYS_reboot, 0, 0, 0, nullptr); }) == EPERM);
    CHECK(errno_under_filter([] {
              timespec now{};
              ::clock_gettime(CLOCK_REALTIME, &now);
              return static_cast<long>(::clock_settime(CLOCK_REALTIME, &now));
          }) == EPERM);
}

#if defined(__x86_64__)
TEST_CASE("the other ABIs of x86_64 cannot reach a refused call by their own numbers") {
    // x32: the native numbers with bit 30 set. Refused by the filter whether or not the
    // kernel was built with x32 (where it was not, the call would otherwise be ENOSYS).
    constexpr long x32 = 0x40000000;
    CHECK(errno_under_filter([] { return ::syscall(x32 | SYS_unshare, CLONE_NEWUSER); }) == EPERM);
    CHECK(errno_under_filter([] { return ::syscall(x32 | SYS_setns, 0, 0); }) == EPERM);
    // i386 (int 0x80): unshare is 310 there, setns 346.
    if (as_errno(i386_call(20 /* getpid */, 0)) == ::getpid()) {
        CHECK(errno_under_filter([] { return as_errno(i386_call(310, CLONE_NEWUSER)); }) == EPERM);
        CHECK(errno_under_filter([] { return as_errno(i386_call(346, 0)); }) == EPERM);
    } else {
        MESSAGE("this kernel runs no 32-bit system calls: the i386 half is not tried");
    }
}
#endif

TEST_SUITE_END();
