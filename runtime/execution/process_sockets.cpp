// Finding the holder of a socket through /proc: the network table, the process tree, the
// descriptors.
#include "runtime/execution/process_sockets.hpp"

#include "runtime/util/fd.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace lambda_local::runtime {
namespace {

constexpr std::size_t k_max_processes = 4096;

// "0100007F:1F90" for 127.0.0.1:8080, as /proc/net/tcp prints an address (its 32 bits as the
// host reads them, then the port).
std::optional<std::string> table_address(std::string_view ip, int port) {
    in_addr address{};
    if (::inet_pton(AF_INET, std::string(ip).c_str(), &address) != 1 || port <= 0 || port > 65535) {
        return std::nullopt;
    }
    char text[16];
    std::snprintf(text, sizeof text, "%08X:%04X", static_cast<unsigned>(address.s_addr), port);
    return std::string(text);
}

// The processes of `pid`'s threads' children lists.
void add_children(pid_t pid, std::deque<pid_t>& pending) {
    std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* tasks = ::opendir(task_dir.c_str());
    if (tasks == nullptr) {
        return;
    }
    while (dirent* task = ::readdir(tasks)) {
        if (task->d_name[0] == '.') {
            continue;
        }
        std::ifstream children(task_dir + "/" + task->d_name + "/children");
        pid_t child = 0;
        while (children >> child) {
            pending.push_back(child);
        }
    }
    ::closedir(tasks);
}

// Whether `pid` has a descriptor on the socket `link` names ("socket:[123]"); nullopt when its
// descriptors cannot be read (gone, or not ours to read).
std::optional<bool> holds(pid_t pid, const std::string& link) {
    std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (fds == nullptr) {
        return std::nullopt;
    }
    bool found = false;
    char target[64];
    while (dirent* entry = ::readdir(fds)) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        ssize_t n = ::readlinkat(::dirfd(fds), entry->d_name, target, sizeof target - 1);
        if (n > 0 && link.compare(0, std::string::npos, target, static_cast<std::size_t>(n)) == 0) {
            found = true;
            break;
        }
    }
    ::closedir(fds);
    return found;
}

} // namespace

std::optional<unsigned long> tcp_socket_inode(std::string_view ip, int port, int peer_port) {
    std::optional<std::string> local = table_address(ip, port);
    if (!local || peer_port <= 0 || peer_port > 65535) {
        return std::nullopt;
    }
    char peer_suffix[8];
    std::snprintf(peer_suffix, sizeof peer_suffix, ":%04X", peer_port);
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line); // the header
    while (std::getline(table, line)) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        std::istringstream fields(line);
        std::string slot, own, remote, state, queues, timer, retransmits, uid, timeout;
        unsigned long inode = 0;
        if (!(fields >> slot >> own >> remote >> state >> queues >> timer >> retransmits >> uid >>
              timeout >> inode)) {
            continue;
        }
        if (own == *local && remote.size() > 5 &&
            remote.compare(remote.size() - 5, 5, peer_suffix) == 0 && inode != 0) {
            return inode;
        }
    }
    return std::nullopt;
}

Holding process_tree_holds_socket(pid_t root, unsigned long inode) {
    const std::string link = "socket:[" + std::to_string(inode) + "]";
    std::deque<pid_t> pending{root};
    std::set<pid_t> seen;
    bool unreadable = false;
    while (!pending.empty() && seen.size() < k_max_processes) {
        pid_t pid = pending.front();
        pending.pop_front();
        if (pid <= 0 || !seen.insert(pid).second) {
            continue;
        }
        std::optional<bool> held = holds(pid, link);
        if (held == true) {
            return Holding::Yes;
        }
        unreadable = unreadable || !held.has_value();
        add_children(pid, pending);
    }
    return unreadable ? Holding::Unknown : Holding::No;
}

} // namespace lambda_local::runtime
