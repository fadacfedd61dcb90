// End-to-end tests of the sandbox against a hostile handler (samples/hostile): each attack of
// docs/sandbox.md's threat model is made for real, and each test checks that it failed and
// that its target is unharmed. Each runs as the caller of these tests (root in CI) and, where
// it applies, rootless (through setpriv as uid 65534).
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

// lambda-local's command line for `args`, as the caller of these tests or rootless.
std::vector<std::string> as_caller(bool rootless, const std::vector<std::string>& args) {
    if (rootless) {
        return rootless_argv(args);
    }
    std::vector<std::string> argv{lambda_local_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

// Both callers, as subcases: the tests' own (root in CI) and rootless.
bool rootless_subcase() {
    bool rootless = false;
    SUBCASE("as the caller of the tests") {
        rootless = false;
    }
    SUBCASE("rootless") {
        rootless = true;
    }
    return rootless;
}

// A process of the host that an attack must leave alive: `sleep`, killed at the end.
class Victim {
  public:
    Victim() {
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            ::execl("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    Victim(const Victim&) = delete;
    Victim& operator=(const Victim&) = delete;
    ~Victim() {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
    pid_t pid() const { return m_pid; }
    bool alive() const {
        int status = 0;
        return ::waitpid(m_pid, &status, WNOHANG) == 0;
    }

  private:
    pid_t m_pid = -1;
};

// A TCP listener on 127.0.0.1 of this process: connections to it complete in the kernel's
// backlog, no accept needed.
class LoopbackListener {
  public:
    LoopbackListener() {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(m_fd, 64) == 0);
        socklen_t length = sizeof address;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
    }
    LoopbackListener(const LoopbackListener&) = delete;
    LoopbackListener& operator=(const LoopbackListener&) = delete;
    ~LoopbackListener() { ::close(m_fd); }
    int port() const { return m_port; }

  private:
    int m_fd = -1;
    int m_port = 0;
};

json invoke_hostile(bool rootless, const std::string& handler, const std::string& event,
                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"invoke", "-q",    "-l", sample_library("libhostile.so"),
                                     "-H",     handler, "-d", event};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions options;
    options.bound = std::chrono::seconds(30);
    const ProcessResult r = run_process(as_caller(rootless, args), options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return parse_json(r.out);
}

// The number of processes running as `uid` now.
std::size_t processes_of(unsigned uid) {
    std::size_t count = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        struct stat info {};
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos &&
            ::stat(entry.path().c_str(), &info) == 0 && info.st_uid == uid) {
            ++count;
        }
    }
    return count;
}

} // namespace

TEST_SUITE_BEGIN("e2e::sandbox_escapes");

TEST_CASE("a forged frame naming a host process kills nothing, and invoke ends with an error") {
    const bool rootless = rootless_subcase();
    Victim victim;
    RunOptions options;
    options.bound = std::chrono::seconds(20); // it once hung for good
    const ProcessResult r = run_process(
        as_caller(rootless, {"invoke", "-l", sample_library("libhostile.so"), "-H", "forge_frames",
                             "-d", R"({"pid": )" + std::to_string(victim.pid()) + "}"}),
        options);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    const json payload = parse_json(r.out);
    CHECK(payload.at("errorType") == "Runtime.ExitError");
    CHECK(r.err.find("wrote something other than its answer") != std::string::npos);
    CHECK(victim.alive());
}

TEST_CASE("under serve, a handler that forges frames with the server's pid leaves it serving") {
    ServeProcess serve({"-l", sample_library("libhostile.so"), "-H", "forge_frames"});
    Victim victim;
    for (pid_t target : {serve.pid(), victim.pid()}) {
        CAPTURE(target);
        const auto answer = serve_request(serve, "GET", "/forge?pid=" + std::to_string(target));
        CHECK(answer.status == 500); // HTTP API: the function's crash is the gateway's 500
    }
    CHECK(victim.alive());
    CHECK(::kill(serve.pid(), 0) == 0);
    // The server answers on, with fresh environments.
    const auto again = serve_request(serve, "GET", "/forge?pid=1");
    CHECK(again.status == 500);
    CHECK(serve.stop() == 0);
}

namespace {

// CHECKs that a handler's descriptors (inherited_fds's answer) are the standard three and
// its channel, and that it wrote into none.
void check_only_the_channel(const json& fds) {
    INFO(fds.dump());
    std::vector<std::string> beyond_standard;
    for (const auto& [fd, what] : fds.items()) {
        CHECK(what.at("written") == false);
        if (std::stoi(fd) > 2) {
            beyond_standard.push_back(what.at("target").get<std::string>());
        }
    }
    // Only the handler channel: its socket in and its pipe out.
    REQUIRE(beyond_standard.size() == 2);
    CHECK(beyond_standard[0].rfind("socket:", 0) == 0);
    CHECK(beyond_standard[1].rfind("pipe:", 0) == 0);
}

// A 0600 file of the caller's (root's in CI), open for writing without close-on-exec, as a
// shell's `exec 7>file` or a CI runner leaves one to the commands it starts.
class LeakedFile {
  public:
    explicit LeakedFile(const TempDir& dir) : m_path(dir.write("secret", "")) {
        ::chmod(m_path.c_str(), 0600);
        m_fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND);
        REQUIRE(m_fd >= 0);
    }
    LeakedFile(const LeakedFile&) = delete;
    LeakedFile& operator=(const LeakedFile&) = delete;
    ~LeakedFile() { ::close(m_fd); }
    const std::string& path() const { return m_path; }

  private:
    std::string m_path;
    int m_fd = -1;
};

} // namespace

TEST_CASE("a descriptor the caller leaked reaches no handler") {
    const bool rootless = rootless_subcase();
    TempDir dir;
    LeakedFile leaked(dir);
    check_only_the_channel(invoke_hostile(rootless, "inherited_fds", "{}").at("fds"));
    CHECK(file_text(leaked.path()).empty());
}

TEST_CASE("a function's LD_ and glibc variables reach its handler, not its worker outside the "
          "sandbox") {
    // LD_DEBUG_OUTPUT makes the loader of any process started with it write a file there: the
    // worker, which starts as the caller (root in CI) before any namespace, wrote one. LD_PRELOAD
    // and LD_AUDIT would have run the function's code there the same way.
    const bool rootless = rootless_subcase();
    TempDir dir;
    std::filesystem::permissions(dir.path(), std::filesystem::perms::all); // for uid 65534 too
    const std::string trace = dir.path() + "/ld";
    const std::vector<std::string> args = {"invoke", "-q",
                                           "-l",     sample_library("libecho_cpp.so"),
                                           "-H",     "env_dump",
                                           "-d",     "{}",
                                           "--env",  "LD_DEBUG=files",
                                           "--env",  "LD_DEBUG_OUTPUT=" + trace,
                                           "--env",  "GCONV_PATH=" + dir.path()};
    RunOptions options;
    options.bound = std::chrono::seconds(30);
    const ProcessResult r = run_process(as_caller(rootless, args), options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json vars = parse_json(r.out);
    CHECK(vars["LD_DEBUG"] == "files");
    CHECK(vars["LD_DEBUG_OUTPUT"] == trace);
    CHECK(vars["GCONV_PATH"] == dir.path());
    CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE(
    "System V IPC is the environment's own: the host's is out of reach, its own goes with it") {
    const bool rootless = rootless_subcase();
    const key_t host_key = static_cast<key_t>(0x4c4c0000 + (::getpid() & 0xffff));
    const key_t made_key = host_key + 0x10000;
    const int host_segment = ::shmget(host_key, 4096, IPC_CREAT | 0666);
    REQUIRE(host_segment >= 0);
    const json answer = invoke_hostile(rootless, "sysv_ipc",
                                       "{\"seen\":" + std::to_string(host_key) +
                                           ",\"made\":" + std::to_string(made_key) + "}");
    ::shmctl(host_segment, IPC_RMID, nullptr);
    CHECK(answer["seen"] == false);
    CHECK(answer["seen_error"] == "ENOENT");
    CHECK(answer["made"] == true);
    const int left = ::shmget(made_key, 0, 0);
    if (left >= 0) {
        ::shmctl(left, IPC_RMID, nullptr);
    }
    CHECK(left < 0); // gone with the environment, never the host's
}

TEST_CASE("the host's /run, and the sockets in it, are out of a handler's reach") {
    const bool rootless = rootless_subcase();
    // A socket anyone may connect to, where a session bus or a Docker daemon listens.
    const std::string path = "/run/lambda-local-e2e-" + std::to_string(::getpid()) + ".sock";
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    ::unlink(path.c_str());
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(listener);
        MESSAGE("skipped: cannot make a socket in /run (not root)");
        return;
    }
    ::chmod(path.c_str(), 0777);
    REQUIRE(::listen(listener, 4) == 0);
    const json answer = invoke_hostile(rootless, "connect_unix", "{\"path\":\"" + path + "\"}");
    ::close(listener);
    ::unlink(path.c_str());
    CHECK(answer["connected"] == false);
    CHECK(answer["error"] == "ENOENT");
}

TEST_CASE("a descriptor the caller leaked reaches no handler of serve") {
    TempDir dir;
    LeakedFile leaked(dir);
    ServeProcess serve({"-l", sample_library("libhostile.so"), "-H", "inherited_fds"});
    const auto answer = serve_request(serve, "GET", "/fds");
    REQUIRE(answer.status == 200);
    check_only_the_channel(parse_json(answer.body).at("fds"));
    CHECK(serve.stop() == 0);
    CHECK(file_text(leaked.path()).empty());
}

TEST_CASE("a custom runtime's bootstrap inherits no descriptor but the standard three") {
    const bool rootless = rootless_subcase();
    TempDir dir;
    LeakedFile leaked(dir);
    // A runtime that answers its first invocation with the descriptors it holds (minus the
    // one listing the directory, and its own connections to the Runtime API).
    const std::string runtime = dir.write("bootstrap", R"(#!/usr/bin/env python3
import json, os, urllib.request
held = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
targets = {}
for fd in held:
    try:
        targets[fd] = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        pass
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
with urllib.request.urlopen(api + "next") as answer:
    request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
body = json.dumps({"fds": targets}).encode()
urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body)).read()
)");
    ::chmod(runtime.c_str(), 0755);
    ::chmod(dir.path().c_str(), 0755);
    RunOptions options;
    options.bound = std::chrono::seconds(30);
    const ProcessResult r = run_process(
        as_caller(rootless, {"invoke", "-q", "--bootstrap", dir.path(), "-d", "{}"}), options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json fds = parse_json(r.out).at("fds");
    for (const auto& [fd, target] : fds.items()) {
        CAPTURE(fd);
        CAPTURE(target);
        // 0-2, and the descriptor os.listdir had open on /proc/self/fd while it listed.
        CHECK((std::stoi(fd) <= 2 || target.get<std::string>().find("/fd") != std::string::npos));
    }
    CHECK(file_text(leaked.path()).empty());
}

TEST_CASE("a fork bomb in one environment leaves fork working in another") {
    const bool rootless = rootless_subcase();
    const unsigned uid = rootless ? caller_uid() : k_sandbox_uid;
    // A: forks until refused, then holds its processes for a while.
    RunOptions options;
    options.bound = std::chrono::seconds(60);
    auto bomb = std::async(std::launch::async, [&] {
        return run_process(
            as_caller(rootless, {"invoke", "-q", "-t", "30", "-l", sample_library("libhostile.so"),
                                 "-H", "fork_bomb", "-d", R"({"hold_ms": 8000})"}),
            options);
    });
    // Until A holds about a thousand processes (bounded: A may be slow to start on a loaded
    // machine).
    bool bombed = false;
    for (int i = 0; i < 400 && !bombed; ++i) {
        bombed = processes_of(uid) >= 1000;
        if (!bombed) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    CHECK(bombed);
    // B: another environment, while A's processes are all there.
    const json sibling = invoke_hostile(rootless, "fork_once", "{}");
    CHECK(sibling.at("fork") == "ok");
    CHECK(sibling.at("thread") == "ok");
    const ProcessResult a = bomb.get();
    INFO(describe(a));
    REQUIRE(a.exit_code == 0);
    const json bombed_result = parse_json(a.out);
    // Lambda's limit, 1,024 processes and threads, held inside A itself.
    CHECK(bombed_result.at("forked").get<int>() >= 1000);
    CHECK(bombed_result.at("forked").get<int>() < 1024);
    CHECK(bombed_result.at("errno") == EAGAIN);
}

TEST_CASE("namespaces, mounts, ptrace, modules, bpf, keyrings and clocks are refused with EPERM") {
    const bool rootless = rootless_subcase();
    const json calls = invoke_hostile(rootless, "syscalls", "{}");
    INFO(calls.dump());
    for (const char* refused :
         {"unshare_user",  "unshare_net",     "unshare_mount", "clone_newuser", "setns",
          "mount",         "umount",          "pivot_root",    "ptrace_attach", "process_vm_readv",
          "bpf",           "perf_event_open", "keyctl",        "add_key",       "init_module",
          "kexec_load",    "reboot",          "swapon",        "clock_settime", "settimeofday",
          "io_uring_setup"}) {
        CAPTURE(refused);
        CHECK(calls.at(refused) == "EPERM");
    }
    CHECK(calls.at("clone3") == "ENOSYS"); // the C library then uses clone
    for (const char* allowed : {"unshare_files", "fork", "thread"}) {
        CAPTURE(allowed);
        CHECK(calls.at(allowed) == "ok");
    }
}

TEST_CASE("the handler holds no capability, in any set, and cannot gain one") {
    const bool rootless = rootless_subcase();
    const json held = invoke_hostile(rootless, "credentials", "{}");
    INFO(held.dump());
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
        CAPTURE(set);
        CHECK(held.at(set) == "0000000000000000");
    }
    CHECK(held.at("NoNewPrivs") == "1");
    CHECK(held.at("Seccomp") == "2"); // a filter
    // Not a privilege: SCHED_BATCH keeps a woken handler from preempting serve's loop
    // (docs/sandbox.md).
    CHECK(held.at("SchedPolicy") == "batch");
    if (!rootless) {
        // The sandbox user, real, effective, saved and file system ids alike.
        CHECK(held.at("Uid") == "993 993 993 993");
        CHECK(held.at("Gid") == "990 990 990 990");
    }
}

TEST_CASE("--network isolated puts the host's loopback out of reach; host is the default") {
    const bool rootless = rootless_subcase();
    LoopbackListener listener;
    const std::string event = R"({"port": )" + std::to_string(listener.port()) + "}";
    const json by_default = invoke_hostile(rootless, "connect_to", event);
    CHECK(by_default.at("connected") == true);
    const json isolated = invoke_hostile(rootless, "connect_to", event, {"--network", "isolated"});
    CHECK(isolated.at("connected") == false);
    CHECK(isolated.at("error") == "ECONNREFUSED"); // its own loopback, where nothing listens
}

TEST_CASE("under serve --network isolated, a handler cannot reach the serve port") {
    ServeProcess serve(
        {"-l", sample_library("libhostile.so"), "-H", "connect_to", "--network", "isolated"});
    const auto answer =
        serve_request(serve, "GET", "/connect?port=" + std::to_string(serve.port()));
    REQUIRE(answer.status == 200);
    const json result = parse_json(answer.body);
    CHECK(result.at("connected") == false);
    CHECK(serve.stop() == 0);
}

TEST_CASE("a test file's network: isolated applies to its cases") {
    LoopbackListener listener;
    TempDir dir;
    const std::string file = dir.write("net.test.yaml", R"(network: isolated
function:
  library: )" + sample_library("libhostile.so") + R"(
  handler: connect_to
cases:
  - name: the host's loopback is out of reach
    event: {port: )" + std::to_string(listener.port()) +
                                                            R"(}
    expect:
      response_subset: {connected: false, error: ECONNREFUSED}
)");
    const ProcessResult r = lambda_local({"test", file});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("1 passed, 0 failed") != std::string::npos);
}

TEST_CASE("a custom runtime under --network isolated reaches its Runtime API at 127.0.0.1:9001") {
    RunOptions options;
    options.bound = std::chrono::seconds(30);
    const ProcessResult r = lambda_local({"invoke", "-q", "--network", "isolated", "--bootstrap",
                                          sample_library("bootstrap-script"), "-d", "{\"a\":1}"},
                                         options);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(parse_json(r.out).at("event") == json{{"a", 1}});
}

TEST_CASE("--network isolated with --no-sandbox is refused") {
    const ProcessResult r = lambda_local({"invoke", "--no-sandbox", "--network", "isolated", "-l",
                                          sample_library("libhello_c.so"), "-d", "{}"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "lambda-local: error: --network isolated needs the sandbox: it cannot be used "
                   "with --no-sandbox\n");
}

TEST_CASE("doctor reports the system-call filter and the network mode") {
    const ProcessResult host = lambda_local({"doctor"});
    INFO(describe(host));
    CHECK(host.out.find("system-call filter    active") != std::string::npos);
    CHECK(host.out.find("network               inactive  host (the default)") != std::string::npos);
    const ProcessResult isolated = lambda_local({"doctor", "--network", "isolated"});
    CHECK(isolated.out.find("isolated (--network isolated)") != std::string::npos);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
