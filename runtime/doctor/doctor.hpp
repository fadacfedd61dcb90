// `lambda-local doctor`: which sandbox mechanisms work on this machine, and why not.
#pragma once

#include "runtime/execution/outbound_network.hpp"

#include <string>
#include <vector>

namespace lambda_local::runtime {

// One isolation mechanism and whether it is in force here.
struct Mechanism {
    std::string name;
    bool active = false;
    std::string detail; // how it is done, or why it is not
};

// Tries each mechanism for real, the way a worker enters its sandbox, in a
// throw-away child process; `network` is the mode reported as in effect.
std::vector<Mechanism> check_mechanisms(NetworkMode network = NetworkMode::Host);

// The report: one aligned line per mechanism.
std::string format_mechanisms(const std::vector<Mechanism>& mechanisms);

} // namespace lambda_local::runtime
