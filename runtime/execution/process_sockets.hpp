// Which processes hold a TCP socket. The Runtime API of an environment on the host's network
// is served on the host's loopback, where any process of the machine can connect, another
// function's handler included: a connection is served only when the socket at its other end
// is held by a process of the environment (docs/sandbox.md, "Network").
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace lambda_local::runtime {

// The inode of the IPv4 TCP socket of this network namespace from `ip`:`port` to
// `peer_ip`:`peer_port` (the kernel's sock_diag), or nullopt when there is none or no process
// holds it.
std::optional<unsigned long> tcp_socket_inode(std::string_view ip, int port,
                                              std::string_view peer_ip, int peer_port);

enum class Holding {
    Yes,     // a process of the tree holds it
    No,      // none does
    Unknown, // none of those read does, and some process's descriptors could not be read
};

// Whether `root` or a process descended from it (/proc/<pid>/task/<tid>/children, up to 4,096
// processes) holds the socket of `inode` among its descriptors.
Holding process_tree_holds_socket(pid_t root, unsigned long inode);

} // namespace lambda_local::runtime
