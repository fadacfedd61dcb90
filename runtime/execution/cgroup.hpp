// A memory (and pids) cgroup per execution environment, where one is writable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lambda_local::runtime {

// Where new cgroups can be made, or why they cannot.
struct CgroupSupport {
    bool available = false;
    int version = 0;           // 1 or 2
    std::string memory_parent; // directory under which memory cgroups are made
    std::string pids_parent;   // v1 only: the pids hierarchy's directory ("" if none)
    std::string reason;        // why not, when unavailable
};

// Looks at /proc/self/mountinfo and /proc/self/cgroup (cached after the first call).
const CgroupSupport& cgroup_support();

// One execution environment's cgroup: memory limit, process limit, OOM count.
// Destroying it kills whatever is left in it and removes it.
class Cgroup {
  public:
    // Makes a cgroup with these limits; nullptr (and `why`) when that fails.
    // The first call also removes cgroups left by lambda-local processes that died.
    static std::unique_ptr<Cgroup> create(const std::string& name, std::uint64_t memory_bytes,
                                          std::uint64_t max_processes, std::string& why);
    Cgroup(const Cgroup&) = delete;
    Cgroup& operator=(const Cgroup&) = delete;
    ~Cgroup();

    // Moves a process (and its future children) into the cgroup.
    bool add(pid_t pid);
    // cgroup v1: each hierarchy's `tasks` file, where a single-threaded process moves itself by
    // writing "0" (and its future children with it). The kernel then takes no threadgroup lock,
    // whose write side waits for an RCU grace period: in a measurement here, writing a pid to
    // cgroup.procs took 0.02 ms at the median but 14.9 ms at p90, writing "0" to tasks 0.014
    // and 0.020 ms. Empty on cgroup v2, which has no such file: add() it is.
    std::vector<std::string> self_join_files() const;
    // How many times the kernel's OOM killer acted in this cgroup.
    std::int64_t oom_kills() const;
    // Anonymous memory in use now (heap, stacks: not /tmp's tmpfs pages), in bytes.
    std::int64_t anonymous_bytes() const;
    // SIGKILLs every process left in the cgroup, until it is empty (bounded).
    void kill_all();
    // Removes the cgroup at once when no process is left in it, without waiting (a few
    // file-system calls); false when one is, or the kernel still holds it: then destroying
    // it waits.
    bool remove_if_empty();

  private:
    explicit Cgroup(std::vector<std::string> dirs, int version)
        : m_dirs(std::move(dirs)), m_version(version) {}
    std::vector<std::string> m_dirs; // the memory directory first, then pids (v1)
    int m_version;
};

} // namespace lambda_local::runtime
