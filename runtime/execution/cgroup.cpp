// cgroup v1 (memory and pids hierarchies) and v2 (a delegated subtree).
#include "runtime/execution/cgroup.hpp"

#include "runtime/util/error.hpp"

#include "runtime/util/fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace lambda_local::runtime {
namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

bool write_text(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

// Mount points of cgroup file systems: v1 per controller, and the v2 one.
struct Mounts {
    std::string memory_v1, pids_v1, unified;
};

Mounts find_mounts() {
    Mounts mounts;
    std::istringstream lines(read_text("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(lines, line)) {
        // ... mount-point ... - fstype source super-options
        std::istringstream fields(line);
        std::string id, parent, devno, root, point, field;
        fields >> id >> parent >> devno >> root >> point;
        while (fields >> field && field != "-") {
        }
        std::string type, source, options;
        fields >> type >> source >> options;
        if (type == "cgroup2") {
            mounts.unified = point;
        } else if (type == "cgroup") {
            std::string tagged = "," + options + ",";
            if (tagged.find(",memory,") != std::string::npos) {
                mounts.memory_v1 = point;
            }
            if (tagged.find(",pids,") != std::string::npos) {
                mounts.pids_v1 = point;
            }
        }
    }
    return mounts;
}

// This process's cgroup path in the hierarchy holding `controller` ("" for v2).
std::string own_path(const std::string& controller) {
    std::istringstream lines(read_text("/proc/self/cgroup"));
    std::string line;
    while (std::getline(lines, line)) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) {
            continue;
        }
        std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
        if (controllers.find("," + controller + ",") != std::string::npos ||
            (controller.empty() && controllers == ",,")) {
            return line.substr(second + 1);
        }
    }
    return {};
}

CgroupSupport probe() {
    CgroupSupport support;
    Mounts mounts = find_mounts();
    if (!mounts.memory_v1.empty()) {
        std::string parent = mounts.memory_v1 + own_path("memory");
        if (::access(parent.c_str(), W_OK) != 0) {
            support.reason = "cgroup v1 memory hierarchy " + parent + " is not writable";
            return support;
        }
        support.available = true;
        support.version = 1;
        support.memory_parent = parent;
        if (!mounts.pids_v1.empty()) {
            std::string pids = mounts.pids_v1 + own_path("pids");
            if (::access(pids.c_str(), W_OK) == 0) {
                support.pids_parent = pids;
            }
        }
        return support;
    }
    if (!mounts.unified.empty()) {
        std::string parent = mounts.unified + own_path("");
        std::string enabled = read_text(parent + "/cgroup.subtree_control");
        if (enabled.find("memory") == std::string::npos) {
            support.reason = "cgroup v2: the memory controller is not delegated to " + parent;
            return support;
        }
        if (::access(parent.c_str(), W_OK) != 0) {
            support.reason = "cgroup v2: " + parent + " is not writable";
            return support;
        }
        support.available = true;
        support.version = 2;
        support.memory_parent = parent;
        return support;
    }
    support.reason = "no cgroup file system is mounted";
    return support;
}

// SIGKILLs `pid`, read from the cgroup `leaf`'s cgroup.procs, only while it is still a member:
// a pid read from a file may have been reused by another process of the host by now. A pidfd
// pins the process it was opened on; its membership is read after, and the process is known
// to have held the pid through that read when it is still there to be signalled.
void kill_member(pid_t pid, const std::string& leaf) {
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
    Fd process(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (process) {
        std::string groups = read_text("/proc/" + std::to_string(pid) + "/cgroup");
        if (groups.find("/" + leaf + "\n") == std::string::npos ||
            ::syscall(SYS_pidfd_send_signal, process.get(), 0, nullptr, 0) != 0) {
            return; // gone, or not the process that was listed
        }
        ::syscall(SYS_pidfd_send_signal, process.get(), SIGKILL, nullptr, 0);
        return;
    }
    if (errno != ENOSYS) {
        return; // no such process any more
    }
#endif
    ::kill(pid, SIGKILL); // before Linux 5.3: no way to pin the process
}

// The last component of a path.
std::string leaf_name(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

// Removes "lambda-local-<pid>-<n>" cgroups whose lambda-local process is gone
// (killed before it could clean up).
void remove_stale(const std::string& parent) {
    DIR* dir = ::opendir(parent.c_str());
    if (dir == nullptr) {
        return;
    }
    const std::string prefix = "lambda-local-";
    while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name.rfind(prefix, 0) != 0) {
            continue;
        }
        pid_t owner = static_cast<pid_t>(std::atoi(name.c_str() + prefix.size()));
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) {
            std::string path = parent + "/" + name;
            std::istringstream pids(read_text(path + "/cgroup.procs"));
            pid_t pid = 0;
            while (pids >> pid) {
                kill_member(pid, name);
            }
            ::rmdir(path.c_str());
        }
    }
    ::closedir(dir);
}

} // namespace

const CgroupSupport& cgroup_support() {
    static const CgroupSupport support = probe();
    return support;
}

std::unique_ptr<Cgroup> Cgroup::create(const std::string& name, std::uint64_t memory_bytes,
                                       std::uint64_t max_processes, std::string& why) {
    const CgroupSupport& support = cgroup_support();
    if (!support.available) {
        why = support.reason;
        return nullptr;
    }
    static const bool swept = [&] {
        remove_stale(support.memory_parent);
        if (!support.pids_parent.empty()) {
            remove_stale(support.pids_parent);
        }
        return true;
    }();
    (void)swept;
    std::vector<std::string> dirs{support.memory_parent + "/" + name};
    if (support.version == 1 && !support.pids_parent.empty()) {
        dirs.push_back(support.pids_parent + "/" + name);
    }
    for (const auto& dir : dirs) {
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
            why = os_error("mkdir " + dir);
            for (const auto& made : dirs) {
                ::rmdir(made.c_str());
            }
            return nullptr;
        }
    }
    std::unique_ptr<Cgroup> group(new Cgroup(dirs, support.version));
    const std::string& memory = dirs.front();
    std::string bytes = std::to_string(memory_bytes);
    bool ok = true;
    if (support.version == 1) {
        ok = write_text(memory + "/memory.limit_in_bytes", bytes);
        // Without swap accounting the limit would let the handler swap instead.
        if (exists(memory + "/memory.memsw.limit_in_bytes")) {
            write_text(memory + "/memory.memsw.limit_in_bytes", bytes);
        }
        write_text(memory + "/memory.swappiness", "0");
        if (dirs.size() > 1) {
            write_text(dirs[1] + "/pids.max", std::to_string(max_processes));
        }
    } else {
        ok = write_text(memory + "/memory.max", bytes);
        write_text(memory + "/memory.swap.max", "0");
        write_text(memory + "/pids.max", std::to_string(max_processes));
    }
    if (!ok) {
        why = os_error("write memory limit in " + memory);
        return nullptr;
    }
    return group;
}

bool Cgroup::remove_if_empty() {
    // The kernel refuses to remove a cgroup that still holds a process (EBUSY): no need to read
    // cgroup.procs first. The pids directory first: the memory one, which the memory checks
    // read, goes last.
    while (!m_dirs.empty()) {
        if (::rmdir(m_dirs.back().c_str()) != 0 && errno != ENOENT) {
            return false;
        }
        m_dirs.pop_back();
    }
    return true;
}

Cgroup::~Cgroup() {
    if (m_dirs.empty()) {
        return; // removed already
    }
    kill_all();
    for (const auto& dir : m_dirs) {
        for (int attempt = 0; attempt < 100 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY;
             ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
}

bool Cgroup::add(pid_t pid) {
    bool ok = true;
    for (const auto& dir : m_dirs) {
        ok = write_text(dir + "/cgroup.procs", std::to_string(pid)) && ok;
    }
    return ok;
}

std::vector<std::string> Cgroup::self_join_files() const {
    std::vector<std::string> files;
    if (m_version == 1) {
        for (const auto& dir : m_dirs) {
            files.push_back(dir + "/tasks");
        }
    }
    return files;
}

std::int64_t Cgroup::oom_kills() const {
    std::string text =
        read_text(m_dirs.front() + (m_version == 1 ? "/memory.oom_control" : "/memory.events"));
    auto at = text.find("oom_kill ");
    if (at == std::string::npos) {
        return 0;
    }
    return std::stoll(text.substr(at + 9));
}

std::int64_t Cgroup::anonymous_bytes() const {
    std::string text = read_text(m_dirs.front() + "/memory.stat");
    const std::string key = m_version == 1 ? "\ntotal_rss " : "\nanon ";
    auto at = ("\n" + text).find(key);
    if (at == std::string::npos) {
        return 0;
    }
    return std::stoll(text.substr(at + key.size() - 1));
}

void Cgroup::kill_all() {
    for (int round = 0; round < 200; ++round) {
        std::istringstream pids(read_text(m_dirs.front() + "/cgroup.procs"));
        pid_t pid = 0;
        bool any = false;
        while (pids >> pid) {
            kill_member(pid, leaf_name(m_dirs.front()));
            any = true;
        }
        if (!any) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

} // namespace lambda_local::runtime
