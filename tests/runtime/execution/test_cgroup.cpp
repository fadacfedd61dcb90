// Tests of the per-environment cgroup (skipped where cgroups cannot be made).
#include "runtime/execution/cgroup.hpp"

#include "runtime/protocol/worker_config.hpp"
#include "runtime/worker/sandbox.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using namespace lambda_local::runtime;

namespace {

// A child process that sleeps; killed and reaped on destruction if still there.
class SleepingChild {
  public:
    SleepingChild() {
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            for (;;) {
                ::pause();
            }
        }
    }
    SleepingChild(const SleepingChild&) = delete;
    SleepingChild& operator=(const SleepingChild&) = delete;
    ~SleepingChild() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            wait();
        }
    }
    pid_t pid() const { return m_pid; }

    // Reaps the child (it must be ending) and returns its wait status.
    int wait() {
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_pid = -1;
        return status;
    }

    // True while the child has not exited (without reaping it).
    bool alive() const {
        siginfo_t info{};
        return ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
               info.si_pid == 0;
    }

  private:
    pid_t m_pid = -1;
};

std::string unique_name(const char* what) {
    // The "lambda-local-<pid>-" prefix lets a later run remove it if this one dies.
    return "lambda-local-" + std::to_string(::getpid()) + "-test-" + what;
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

} // namespace

TEST_SUITE_BEGIN("runtime::Cgroup");

TEST_CASE("on cgroup v1 a process joins by itself, through the tasks files") {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        MESSAGE("skipped: cgroups unavailable: " << support.reason);
        return;
    }
    std::string name = unique_name("self-join");
    std::string why;
    auto group = Cgroup::create(name, 64u << 20, 16, why);
    REQUIRE_MESSAGE(group != nullptr, why);
    lambda_local::WorkerConfig config;
    config.sandbox.cgroup_tasks = group->self_join_files();
    if (config.sandbox.cgroup_tasks.empty()) {
        MESSAGE("skipped: cgroup v2 has no tasks file (lambda-local moves the worker itself)");
        return;
    }
    CHECK(config.sandbox.cgroup_tasks.size() == (support.pids_parent.empty() ? 1u : 2u));
    int report[2];
    REQUIRE(::pipe(report) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        std::string failed = lambda_local::worker::join_own_cgroups(config);
        char verdict = failed.empty() ? 'y' : 'n';
        [[maybe_unused]] ssize_t written = ::write(report[1], &verdict, 1);
        for (;;) {
            ::pause();
        }
    }
    ::close(report[1]);
    char verdict = 0;
    CHECK(::read(report[0], &verdict, 1) == 1);
    ::close(report[0]);
    CHECK(verdict == 'y');
    // Every hierarchy names the new cgroup for it.
    std::ifstream cgroups("/proc/" + std::to_string(child) + "/cgroup");
    std::stringstream text;
    text << cgroups.rdbuf();
    INFO(text.str());
    CHECK(text.str().find(":memory:") != std::string::npos);
    CHECK(text.str().find("/" + name + "\n") != std::string::npos);
    // A member: kill_all() ends it.
    group->kill_all();
    int status = 0;
    CHECK(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));

    // A file that cannot be opened is named in the failure.
    lambda_local::WorkerConfig missing;
    missing.sandbox.cgroup_tasks = {support.memory_parent + "/" + name + "-absent/tasks"};
    CHECK(lambda_local::worker::join_own_cgroups(missing).find(name + "-absent/tasks") !=
          std::string::npos);
}

TEST_CASE("cgroup support is either available or explained") {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        CHECK_FALSE(support.reason.empty());
        MESSAGE("cgroups unavailable: " << support.reason);
        return;
    }
    CHECK(support.reason.empty());
    CHECK((support.version == 1 || support.version == 2));
    CHECK_FALSE(support.memory_parent.empty());
    CHECK(exists(support.memory_parent));
    CHECK(&cgroup_support() == &support);
}

TEST_CASE("a cgroup holds a process, kills it, and is removed when destroyed") {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        CHECK_FALSE(support.reason.empty());
        MESSAGE("skipped: cgroups unavailable: " << support.reason);
        return;
    }
    std::string name = unique_name("kill");
    std::string memory_dir = support.memory_parent + "/" + name;
    std::string pids_dir = support.pids_parent.empty() ? "" : support.pids_parent + "/" + name;

    std::string why;
    auto group = Cgroup::create(name, 64u << 20, 16, why);
    REQUIRE_MESSAGE(group != nullptr, why);
    CHECK(exists(memory_dir));
    if (!pids_dir.empty()) {
        CHECK(exists(pids_dir));
    }
    CHECK(group->oom_kills() == 0);
    CHECK(group->anonymous_bytes() >= 0);

    SleepingChild child;
    REQUIRE(group->add(child.pid()));
    CHECK(group->anonymous_bytes() >= 0);
    CHECK(child.alive());

    group->kill_all();
    int status = child.wait();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(group->oom_kills() == 0);

    group.reset();
    CHECK_FALSE(exists(memory_dir));
    if (!pids_dir.empty()) {
        CHECK_FALSE(exists(pids_dir));
    }
}

TEST_CASE("destroying a cgroup ends the processes left in it") {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        CHECK_FALSE(support.reason.empty());
        MESSAGE("skipped: cgroups unavailable: " << support.reason);
        return;
    }
    std::string name = unique_name("destroy");
    std::string why;
    auto group = Cgroup::create(name, 64u << 20, 16, why);
    REQUIRE_MESSAGE(group != nullptr, why);
    SleepingChild child;
    REQUIRE(group->add(child.pid()));
    group.reset();
    int status = child.wait();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK_FALSE(exists(support.memory_parent + "/" + name));
}

TEST_CASE("a cgroup is removed at once only when no process is left in it") {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        CHECK_FALSE(support.reason.empty());
        MESSAGE("skipped: cgroups unavailable: " << support.reason);
        return;
    }
    std::string name = unique_name("empty");
    std::string memory_dir = support.memory_parent + "/" + name;
    std::string pids_dir = support.pids_parent.empty() ? "" : support.pids_parent + "/" + name;
    std::string why;
    auto group = Cgroup::create(name, 64u << 20, 16, why);
    REQUIRE_MESSAGE(group != nullptr, why);
    {
        SleepingChild child;
        REQUIRE(group->add(child.pid()));
        CHECK_FALSE(group->remove_if_empty()); // a member: left alone, still there
        CHECK(exists(memory_dir));
        CHECK(child.alive());
        ::kill(child.pid(), SIGKILL);
        child.wait();
    }
    CHECK(group->remove_if_empty());
    CHECK_FALSE(exists(memory_dir));
    if (!pids_dir.empty()) {
        CHECK_FALSE(exists(pids_dir));
    }
    group.reset(); // nothing left to remove
    CHECK_FALSE(exists(memory_dir));
}

TEST_CASE("a cgroup is given its memory limit") {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        CHECK_FALSE(support.reason.empty());
        MESSAGE("skipped: cgroups unavailable: " << support.reason);
        return;
    }
    std::string name = unique_name("limit");
    std::string why;
    auto group = Cgroup::create(name, 96u << 20, 16, why);
    REQUIRE_MESSAGE(group != nullptr, why);
    std::string file = support.memory_parent + "/" + name +
                       (support.version == 1 ? "/memory.limit_in_bytes" : "/memory.max");
    FILE* in = std::fopen(file.c_str(), "r");
    REQUIRE(in != nullptr);
    long long limit = 0;
    CHECK(std::fscanf(in, "%lld", &limit) == 1);
    std::fclose(in);
    CHECK(limit == (96ll << 20));
}

TEST_SUITE_END();
