// End-to-end tests of the execution environment for a caller without root: the
// handler is uid 993 of a user namespace, in its own pid namespace, with a private
// /tmp and a read-only file system; a timeout or the end of the environment leaves no
// process behind; what is missing (the memory cgroup) is said once on stderr; and
// without user namespaces the handler still runs, as a plain process, with a warning.
//
// Run as root, every lambda-local here runs through
// `setpriv --reuid=65534 --regid=65534 --clear-groups --` (the build tree must be
// readable by uid 65534); run as another user, it runs as that user. No system
// setting is changed: "no user namespaces" is a seccomp filter on the command.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

extern char** environ;

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// Whether uid 65534 can reach and run the build tree's lambda-local (a build under a
// private home directory cannot be tested this way).
void require_build_tree_usable() {
    if (!running_as_root()) {
        return;
    }
    const ProcessResult r = run_process(rootless_argv({"--version"}));
    REQUIRE_MESSAGE(r.exit_code == 0, "uid 65534 cannot run " << lambda_local_path()
                                                              << ": the build tree must be "
                                                                 "readable by others\n"
                                                              << describe(r));
}

// Whether the caller of these tests (uid 65534 when root) may create a user namespace.
bool user_namespaces_available() {
    pid_t child = ::fork();
    if (child == 0) {
        if (running_as_root()) {
            gid_t none[1] = {};
            if (::syscall(SYS_setgroups, 0, none) != 0 ||
                ::syscall(SYS_setresgid, k_nogroup, k_nogroup, k_nogroup) != 0 ||
                ::syscall(SYS_setresuid, k_nobody, k_nobody, k_nobody) != 0) {
                ::_exit(2);
            }
        }
        ::_exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A value no other run has: handed to the environment with --env, it marks every
// process of that environment (the variable is inherited by the handler's children).
std::string new_marker() {
    std::random_device random;
    return "LL_E2E_ROOTLESS=" + std::to_string(::getpid()) + "-" + std::to_string(random()) +
           std::to_string(random());
}

std::string read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    std::string text;
    char buffer[8192];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

// Processes of `uid` whose environment holds `marker` (zombies have none: they are
// gone for this purpose, their parent is what is left).
std::vector<pid_t> marked_processes(uid_t uid, const std::string& marker) {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        struct stat info {};
        if (::stat(entry.path().c_str(), &info) != 0 || info.st_uid != uid) {
            continue;
        }
        const std::string variables = read_file(entry.path().string() + "/environ");
        for (std::size_t at = 0; at < variables.size();) {
            std::size_t end = variables.find('\0', at);
            if (end == std::string::npos) {
                end = variables.size();
            }
            if (variables.compare(at, end - at, marker) == 0) {
                pids.push_back(static_cast<pid_t>(std::stol(name)));
                break;
            }
            at = end + 1;
        }
    }
    return pids;
}

// CHECKs that no process of the environment marked `marker` is left, polling up to
// ~2 s for the kernel to finish; ends the ones found so that they do not linger.
void check_nothing_left(const std::string& marker) {
    std::vector<pid_t> left;
    for (int attempt = 0; attempt < 100; ++attempt) {
        left = marked_processes(caller_uid(), marker);
        if (left.empty()) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::string listed;
    for (pid_t pid : left) {
        std::string comm = read_file("/proc/" + std::to_string(pid) + "/comm");
        if (!comm.empty() && comm.back() == '\n') {
            comm.pop_back();
        }
        listed += " " + std::to_string(pid) + " (" + comm + ")";
        ::kill(pid, SIGKILL);
    }
    FAIL_CHECK("processes of the environment are left:" << listed);
}

std::vector<std::string> warnings(const ProcessResult& r) {
    std::vector<std::string> out;
    for (const auto& line : split_lines(r.err)) {
        if (line.rfind("lambda-local: warning: sandbox: ", 0) == 0) {
            out.push_back(line);
        }
    }
    return out;
}

std::size_t count_containing(const std::vector<std::string>& lines, std::string_view text) {
    std::size_t n = 0;
    for (const auto& line : lines) {
        n += line.find(text) != std::string::npos;
    }
    return n;
}

// `lambda-local doctor` as the caller: mechanism name -> "active" / "inactive" and
// the rest of its line.
std::map<std::string, std::pair<bool, std::string>> doctor_mechanisms(const ProcessResult& r) {
    static const char* names[] = {"user namespace", "mount namespace",       "pid namespace",
                                  "private /tmp",   "read-only file system", "private /proc",
                                  "sandbox user",   "resource limits",       "memory limit"};
    std::map<std::string, std::pair<bool, std::string>> out;
    for (const auto& line : split_lines(r.out + r.err)) {
        for (const char* name : names) {
            const std::string prefix = std::string("  ") + name + " ";
            if (line.rfind(prefix, 0) != 0) {
                continue;
            }
            std::string rest = line.substr(prefix.size());
            rest.erase(0, rest.find_first_not_of(' '));
            if (rest.rfind("active", 0) == 0) {
                out[name] = {true, rest.substr(6)};
            } else if (rest.rfind("inactive", 0) == 0) {
                out[name] = {false, rest.substr(8)};
            }
        }
    }
    return out;
}

// --- "no user namespaces", without touching the machine's settings ----------------

#if defined(__x86_64__)
#define LL_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef LL_AUDIT_ARCH
// A seccomp filter, as container runtimes install one: unshare(2) and clone(2) with
// CLONE_NEWUSER fail with EPERM; clone3(2), whose flags a filter cannot read, with
// ENOSYS (so that the C library falls back to clone).
std::vector<sock_filter> no_user_namespace_filter() {
    std::vector<sock_filter> filter = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LL_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
#ifdef __NR_clone3
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        // The flags are the first argument of both; CLONE_NEWUSER is in its low word.
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    return filter;
}

// Runs `argv` under that filter (fork, filter, exec), reading its stdout and stderr;
// kills it and FAILs past `bound`.
ProcessResult run_without_user_namespaces(const std::vector<std::string>& argv,
                                          std::chrono::seconds bound = std::chrono::seconds(60)) {
    std::vector<sock_filter> filter = no_user_namespace_filter();
    sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    std::vector<std::string> args = argv;
    std::vector<char*> pointers;
    pointers.reserve(args.size() + 1);
    for (auto& arg : args) {
        pointers.push_back(arg.data());
    }
    pointers.push_back(nullptr);
    int out_pipe[2];
    int err_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);

    ProcessResult result;
    result.argv = argv;
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::setpgid(0, 0);
        int null = ::open("/dev/null", O_RDONLY);
        if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 ||
            ::dup2(err_pipe[1], 2) < 0 || ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
            ::_exit(126);
        }
        ::execve(pointers[0], pointers.data(), environ);
        ::_exit(127);
    }
    result.pid = pid;
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* into[2] = {&result.out, &result.err};
    int open_pipes = 2;
    bool timed_out = false;
    bool exited = false;
    bool held_open = false;
    int status = 0;
    std::chrono::steady_clock::time_point exit_time{};
    while (open_pipes > 0) {
        const auto now = std::chrono::steady_clock::now();
        if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            exit_time = now;
        }
        if (exited && now - exit_time > std::chrono::seconds(5)) {
            held_open = true; // by a process the environment left behind
            break;
        }
        if (now - start >= bound) {
            timed_out = true;
            break;
        }
        int ready = ::poll(fds, 2, 20);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            char buffer[65536];
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                into[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_pipes;
            }
        }
    }
    for (auto& p : fds) {
        if (p.fd >= 0) {
            ::close(p.fd);
        }
    }
    if (timed_out) {
        ::kill(-pid, SIGKILL);
    }
    while (!exited && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.elapsed = std::chrono::steady_clock::now() - start;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (timed_out) {
        FAIL("command did not finish within " << bound.count() << " s: " << describe(result));
    }
    if (held_open) {
        FAIL_CHECK("the command exited but its stdout/stderr stayed open for more than 5 s "
                   "(held by a leftover process): "
                   << describe(result));
    }
    return result;
}
#endif

} // namespace

TEST_SUITE_BEGIN("e2e::rootless");

TEST_CASE("without root the handler is uid 993 of a user namespace, pid 2 of its own") {
    require_build_tree_usable();
    REQUIRE_MESSAGE(user_namespaces_available(),
                    "user namespaces are not available to uid " << caller_uid());
    const ProcessResult r = run_process(
        rootless_argv({"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-H", "whoami"}));
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json who = parse_json(r.out);
    check_sandbox_identity(who);
}

TEST_CASE("without root /tmp is private, empty at each cold start, and sized") {
    require_build_tree_usable();
    for (int run = 1; run <= 2; ++run) {
        CAPTURE(run);
        const ProcessResult r = run_process(rootless_argv(
            {"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-H", "tmp_use"}));
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        const json used = parse_json(r.out);
        CHECK(used["count"] == 1);
        CHECK(used["uid"] == k_sandbox_uid);
    }
    const ProcessResult r = run_process(
        rootless_argv({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "fill_tmp"}));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    CHECK(find_line(split_lines(r.err), "fill_tmp: wrote 512 MiB then No space left on device")
              .has_value());
}

TEST_CASE("without root everything but /tmp is read-only") {
    require_build_tree_usable();
    const ProcessResult r = run_process(rootless_argv(
        {"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "write_outside"}));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const auto lines = split_lines(r.err);
    CHECK(count_lines_starting(lines, "write_outside: ") == 5);
    for (const auto& line : lines) {
        if (line.rfind("write_outside: ", 0) == 0) {
            CHECK_MESSAGE(line.find(": ok") == std::string::npos, line);
        }
    }
}

TEST_CASE("without root a timeout ends the whole environment") {
    require_build_tree_usable();
    const std::string marker = new_marker();
    const ProcessResult r =
        run_process(rootless_argv({"invoke", "-l", sample_library("libmisbehaving.so"), "-H",
                                   "sleep_forever", "-t", "1", "--env", marker}));
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(parse_json(r.out)["errorType"] == "Sandbox.Timedout");
    CHECK(r.elapsed < std::chrono::seconds(10));
    CHECK(find_line(split_lines(r.err), "sleeping").has_value());
    check_nothing_left(marker);
}

TEST_CASE("without root children a handler leaves behind end with its environment") {
    require_build_tree_usable();
    const std::string marker = new_marker();
    const ProcessResult r =
        run_process(rootless_argv({"invoke", "-l", sample_library("libmisbehaving.so"), "-H",
                                   "fork_children", "--env", marker}));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    CHECK(count_lines_starting(split_lines(r.err), "child ") == 3);
    check_nothing_left(marker);
}

TEST_CASE("without root what is missing is said once on stderr, as doctor shows it") {
    require_build_tree_usable();
    const ProcessResult doctor = run_process(rootless_argv({"doctor"}));
    INFO(describe(doctor));
    const auto mechanisms = doctor_mechanisms(doctor);
    REQUIRE(mechanisms.size() == 9);
    const bool memory_cgroup = mechanisms.at("memory limit").first;

    const ProcessResult r =
        run_process(rootless_argv({"invoke", "-l", sample_library("libmisbehaving.so"), "-H",
                                   "allocate_forever", "-t", "10"}));
    INFO(describe(r));
    const auto said = warnings(r);
    // Each warning once.
    for (std::size_t i = 0; i < said.size(); ++i) {
        for (std::size_t j = i + 1; j < said.size(); ++j) {
            CHECK(said[i] != said[j]);
        }
    }
    if (memory_cgroup) {
        CHECK(count_containing(said, "memory cgroup") == 0);
        CHECK(parse_json(r.out)["errorType"] == "Runtime.OutOfMemory");
    } else {
        // RLIMIT_DATA instead of a cgroup: the allocation fails and the handler, which
        // returns 12 (ENOMEM) then, reports a handler error.
        CHECK(count_containing(said, "no memory cgroup") == 1);
        CHECK(r.exit_code == 1);
        const json error = parse_json(r.out);
        CHECK(error["errorType"] == "HandlerError");
        CHECK(error["errorMessage"] == "handler returned 12");
        CHECK(find_line(split_lines(r.err), "malloc failed").has_value());
    }
    // Where doctor finds everything else active, nothing else is warned about
    // (--clear-groups: no supplementary groups are kept).
    bool others_active = true;
    for (const auto& [name, state] : mechanisms) {
        others_active = others_active && (name == "memory limit" || state.first);
    }
    if (others_active && running_as_root()) {
        CHECK(said.size() == (memory_cgroup ? 0u : 1u));
    }
}

TEST_CASE("without root doctor lists each mechanism, whether it is active, and why not") {
    require_build_tree_usable();
    const ProcessResult r = run_process(rootless_argv({"doctor"}));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const auto mechanisms = doctor_mechanisms(r);
    REQUIRE(mechanisms.size() == 9);
    for (const auto& mechanism : mechanisms) {
        const std::string& name = mechanism.first;
        CAPTURE(name);
        // Every line says why: what it does when active, why it is not when inactive.
        CHECK(mechanism.second.second.find_first_not_of(' ') != std::string::npos);
    }
    if (user_namespaces_available()) {
        for (const char* name :
             {"user namespace", "mount namespace", "pid namespace", "private /tmp",
              "read-only file system", "private /proc", "sandbox user", "resource limits"}) {
            CAPTURE(name);
            CHECK(mechanisms.at(name).first);
        }
        CHECK(mechanisms.at("user namespace").second.find("993") != std::string::npos);
    }
}

#ifdef LL_AUDIT_ARCH
TEST_CASE("without root and without user namespaces the handler runs as a plain process, "
          "with a warning, and still leaves nothing behind") {
    require_build_tree_usable();
    SUBCASE("whoami: the caller's uid, the host's pid namespace, a clear warning") {
        const ProcessResult r = run_without_user_namespaces(
            rootless_argv({"invoke", "-l", sample_library("libecho_cpp.so"), "-H", "whoami"}));
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        const json who = parse_json(r.out);
        CHECK(who["uid"] == caller_uid());
        CHECK(who["pid"] != 2);
        const auto said = warnings(r);
        CHECK(count_containing(said, "user namespaces unavailable (unshare failed: Operation "
                                     "not permitted") == 1);
        CHECK(count_containing(said, "the handler runs as a plain process") == 1);
    }
    SUBCASE("a timeout ends the handler") {
        const std::string marker = new_marker();
        const ProcessResult r = run_without_user_namespaces(
            rootless_argv({"invoke", "-l", sample_library("libmisbehaving.so"), "-H",
                           "sleep_forever", "-t", "1", "--env", marker}));
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(parse_json(r.out)["errorType"] == "Sandbox.Timedout");
        CHECK(r.elapsed < std::chrono::seconds(10));
        check_nothing_left(marker);
    }
    SUBCASE("children in their own sessions end with the environment") {
        const std::string marker = new_marker();
        const ProcessResult r = run_without_user_namespaces(
            rootless_argv({"invoke", "-l", sample_library("libmisbehaving.so"), "-H",
                           "fork_children", "--env", marker}));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(count_lines_starting(split_lines(r.err), "child ") == 3);
        check_nothing_left(marker);
    }
    SUBCASE("doctor says why") {
        const ProcessResult r = run_without_user_namespaces(rootless_argv({"doctor"}));
        INFO(describe(r));
        const auto mechanisms = doctor_mechanisms(r);
        REQUIRE(mechanisms.size() == 9);
        CHECK_FALSE(mechanisms.at("user namespace").first);
        CHECK(mechanisms.at("user namespace").second.find("unshare failed") != std::string::npos);
        CHECK_FALSE(mechanisms.at("private /tmp").first);
        CHECK_FALSE(mechanisms.at("sandbox user").first);
    }
}
#endif

TEST_SUITE_END();

} // namespace lambda_local::e2e
