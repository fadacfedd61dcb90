// Outbound traffic for an environment of its own network namespace (`--network isolated`).
#pragma once

#include "runtime/util/fd.hpp"

#include <sys/types.h>

#include <optional>
#include <string>

namespace lambda_local::runtime {

// The network mode of execution environments.
enum class NetworkMode {
    Host,     // the host's network namespace (the default): the host's loopback is reachable
    Isolated, // a network namespace per environment: its own loopback, outbound through pasta
};

// "host" / "isolated"; nothing else parses.
const char* to_string(NetworkMode mode);
bool parse_network_mode(const std::string& text, NetworkMode& mode);

// The user-mode network stack that connects an isolated namespace to other hosts: pasta, from
// Debian's passt package. It forwards the namespace's connections through sockets of the host,
// with no port forwarded either way and the gateway address not mapped to the host, so that
// the host's loopback (its databases, admin ports, lambda-local's own port) stays out of reach.
class OutboundNetwork {
  public:
    // pasta's path on the PATH (or LAMBDA_LOCAL_PASTA), or "" when there is none.
    static std::string find_pasta();

    OutboundNetwork() = default;
    OutboundNetwork(const OutboundNetwork&) = delete;
    OutboundNetwork& operator=(const OutboundNetwork&) = delete;
    ~OutboundNetwork();

    // Starts connecting the network namespace of `worker` (a child of this process, not yet
    // reaped: its pid is its own). Returns why it cannot, or "" once pasta runs: ready_fd()
    // then becomes readable when pasta has configured the namespace, or has failed.
    std::string launch(pid_t worker);
    // The descriptor to wait on after launch().
    int ready_fd() const { return m_ready.get(); }
    // After ready_fd() became readable: true when pasta configured the namespace, false when
    // it failed (then failure() says why), nothing when it has not said yet.
    std::optional<bool> ready();
    // Why pasta did not configure the namespace (its own words when it said any), and stops it.
    // `in_time`: false when it was given up on.
    std::string failure(bool in_time);
    // Ends pasta (it would outlive the namespace). Safe to call more than once.
    void stop();

  private:
    pid_t m_pid = -1;
    Fd m_ready;  // pasta writes its pid here (-P) once the namespace is configured
    Fd m_errors; // pasta's stderr
    std::string m_written;
};

} // namespace lambda_local::runtime
