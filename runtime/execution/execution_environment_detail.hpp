// What the files of ExecutionEnvironment share: its limits and small helpers. The class is
// in four files: its life (execution_environment.cpp), the worker process
// (execution_environment_worker.cpp), the worker's frames (execution_environment_events.cpp)
// and custom runtimes' Runtime API (execution_environment_runtime_api.cpp).
#pragma once

#include "runtime/function/quotas.hpp"
#include "runtime/protocol/wire.hpp"
#include "runtime/util/clock.hpp"
#include "runtime/util/fd.hpp"

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::detail {

// Lambda's limit for the init phase of an on-demand execution environment.
inline constexpr auto k_init_limit = std::chrono::seconds(10);
// How long pasta may take to configure an isolated environment's network namespace.
inline constexpr auto k_network_limit = std::chrono::seconds(5);
// How long the worker has to end its environment once told to, before it is killed itself.
inline constexpr auto k_worker_exit_bound = std::chrono::seconds(5);
// The most the handler channel may carry in one frame: a response of Lambda's largest size.
inline constexpr wire::Limits k_handler_limits{wire::k_max_meta, k_max_response_payload};
// The Runtime API's address inside an environment of its own network namespace (Lambda's).
inline constexpr const char* k_isolated_runtime_api = "127.0.0.1:9001";
// The largest peak resident set a handler's frame may claim, in KiB (1 TiB: more than any memory
// size): a forged figure stays a number that prints.
inline constexpr std::int64_t k_max_rss_kib = std::int64_t{1} << 30;
// How often the anonymous memory of a running environment is compared to its size.
inline constexpr auto k_memory_check_interval = std::chrono::milliseconds(5);

// Milliseconds from `since` to `until`.
inline double elapsed_ms(MonotonicClock::time_point since,
                         MonotonicClock::time_point until = MonotonicClock::now()) {
    return std::chrono::duration<double, std::milli>(until - since).count();
}

// The "<key>" of a frame's meta object, or `fallback` when the meta is not an object.
template <typename T> T meta_value(const std::string& meta, const char* key, T fallback) {
    nlohmann::json parsed = nlohmann::json::parse(meta, nullptr, false);
    return parsed.is_object() ? parsed.value(key, fallback) : fallback;
}

// Milliseconds from now until `deadline`, rounded up: a deadline must never fire early.
inline std::chrono::milliseconds until(MonotonicClock::time_point deadline) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::ceil<std::chrono::milliseconds>(deadline - MonotonicClock::now()));
}

// Waits up to `bound` for the worker (this process's child) to end, and reaps it; false when
// it has not ended by then (execution_environment_worker.cpp).
bool reap_worker(pid_t pid, const Fd& exit_fd, std::chrono::milliseconds bound, int& status);

// The first child of `pid` as the kernel lists it, or -1.
inline pid_t first_child(pid_t pid) {
    std::string id = std::to_string(pid);
    std::ifstream children("/proc/" + id + "/task/" + id + "/children");
    pid_t child = -1;
    if (!(children >> child)) {
        return -1;
    }
    return child;
}

} // namespace lambda_local::runtime::detail
