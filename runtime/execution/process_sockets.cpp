// Finding the holder of a socket: the kernel's socket lookup, then the process tree and its
// descriptors in /proc.
#include "runtime/execution/process_sockets.hpp"

#include "runtime/util/fd.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <fstream>
#include <set>
#include <string>

namespace lambda_local::runtime {
namespace {

constexpr std::size_t k_max_processes = 4096;

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

std::optional<unsigned long> tcp_socket_inode(std::string_view ip, int port,
                                              std::string_view peer_ip, int peer_port) {
    in_addr address{};
    in_addr peer_address{};
    if (::inet_pton(AF_INET, std::string(ip).c_str(), &address) != 1 ||
        ::inet_pton(AF_INET, std::string(peer_ip).c_str(), &peer_address) != 1 || port <= 0 ||
        port > 65535 || peer_port <= 0 || peer_port > 65535) {
        return std::nullopt;
    }
    // One socket by its four numbers: the kernel looks it up (sock_diag), where reading
    // /proc/net/tcp walks its whole table (3.6 ms on the development machine).
    Fd diag(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!diag) {
        return std::nullopt;
    }
    timeval bound{1, 0};
    ::setsockopt(diag.get(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;
    message.request.sdiag_family = AF_INET;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = ~0u;
    message.request.id.idiag_sport = htons(static_cast<std::uint16_t>(port));
    message.request.id.idiag_dport = htons(static_cast<std::uint16_t>(peer_port));
    message.request.id.idiag_src[0] = address.s_addr;
    message.request.id.idiag_dst[0] = peer_address.s_addr;
    message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    if (::send(diag.get(), &message, sizeof message, 0) != static_cast<ssize_t>(sizeof message)) {
        return std::nullopt;
    }
    alignas(nlmsghdr) char answer[4096];
    ssize_t n = ::recv(diag.get(), answer, sizeof answer, 0);
    auto* reply = reinterpret_cast<nlmsghdr*>(answer);
    if (n <= 0 || !NLMSG_OK(reply, static_cast<unsigned>(n)) ||
        reply->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        reply->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
        return std::nullopt; // none (an NLMSG_ERROR: ENOENT)
    }
    const auto* found = static_cast<const inet_diag_msg*>(NLMSG_DATA(reply));
    if (found->idiag_inode == 0) {
        return std::nullopt; // no process holds it any more (TIME_WAIT, FIN_WAIT2)
    }
    return found->idiag_inode;
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
