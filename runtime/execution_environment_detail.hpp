// Helpers shared by the two files of ExecutionEnvironment (the worker and the Runtime API).
#pragma once

#include "runtime/util/clock.hpp"

#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::detail {

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
