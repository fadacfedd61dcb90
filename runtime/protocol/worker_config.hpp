// What the supervisor tells a worker when it starts an execution environment.
#pragma once

#include "loaders/abi.hpp"
#include "runtime/function/quotas.hpp"

#include <cstdint>
#include <string>
#include <vector>

// Only names nlohmann::json: the worker's sandbox and layer code include this header and
// do not parse json.hpp for it (docs/development.md, "Build times").
#include <nlohmann/json_fwd.hpp>

namespace lambda_local {

// Lambda's sandbox user on Amazon Linux 2/2023: sbx_user1051.
inline constexpr int k_sandbox_uid = 993;
inline constexpr int k_sandbox_gid = 990;

// The isolation a worker applies before loading the handler.
struct SandboxSettings {
    bool isolate = true;        // false: a plain process (`--no-sandbox`)
    bool memory_rlimit = false; // no memory cgroup: fall back to RLIMIT_DATA
    std::uint64_t memory_bytes = 0;
    bool isolated_network = false; // `--network isolated`: a network namespace of its own
    // cgroup v1: the `tasks` files of the environment's memory and pids cgroups, into which the
    // worker moves its own thread as its first act (runtime/worker/sandbox.hpp,
    // join_own_cgroups); empty when lambda-local moved the worker itself.
    std::vector<std::string> cgroup_tasks;
};

// The function as the worker sees it: what to load and the context it reports.
struct WorkerConfig {
    std::string library;   // absolute path of the .so
    std::string handler;   // exported symbol
    std::string bootstrap; // a custom runtime to exec instead of loading a library (absolute)
    loaders::Abi abi = loaders::Abi::Auto;
    std::string task_root; // working directory and LAMBDA_TASK_ROOT
    // The function's layers, in order: host folders laid into /opt (runtime/worker/opt_layers.hpp).
    std::vector<std::string> layers;
    // How to lay them, for tests: "" (the best the kernel allows), or words of "bind-tree" (no
    // overlay) and "new-root" (as on a host without /opt). From $LAMBDA_LOCAL_LAYER_MOUNT.
    std::string layer_mount;
    int tmp_mb = 512;
    SandboxSettings sandbox;
    // The environment's variables that glibc acts on ("NAME=value": is_loader_variable in
    // runtime/function/lambda_variables.hpp), withheld from the worker's own environment and
    // set by the handler process once it is sandboxed.
    std::vector<std::string> sandboxed_environment;
    // --debug: the gdbserver executable the handler process starts, attached to itself,
    // before the function's init (its remote protocol on the worker's descriptor 6); "" for
    // none (docs/debugging.md).
    std::string gdbserver;
    // The classic context keys that do not change between invocations.
    std::string function_name;
    std::string function_version = "$LATEST";
    std::string invoked_function_arn;
    int memory_mb = 128;
    std::string log_group_name;
    std::string log_stream_name;
};

nlohmann::json to_json(const WorkerConfig& config);
// Throws std::runtime_error on a missing or mistyped key.
WorkerConfig worker_config_from_json(const nlohmann::json& json);

} // namespace lambda_local
