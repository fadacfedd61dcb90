// Laying a function's layers into the environment's /opt, read-only.
#pragma once

#include "runtime/worker_config.hpp"

#include <string>

namespace lambda_local::worker {

// In the worker, in its own mount namespace, once the host's file system is read-only and
// before the private /tmp is mounted: config.layers (host folders, in order) laid into /opt,
// read-only, nosuid and nodev, a later layer's files over an earlier one's, as Lambda extracts
// them in order. One layer is bind-mounted; several are an overlay whose lower directories are
// the layers; where the kernel refuses that overlay (in a user namespace before Linux 5.11, or
// layers that overlap), /opt is a tmpfs holding the merged tree, each file (or each folder only
// one layer has) bind-mounted from the layer that wins. Where the host has no directory /opt,
// the environment gets a root of its own: a tmpfs with each top-level entry of the host's root
// bind-mounted (or linked) into it, and /opt. Returns why the layers could not be laid, or "".
std::string lay_layers_into_opt(const WorkerConfig& config);

} // namespace lambda_local::worker
