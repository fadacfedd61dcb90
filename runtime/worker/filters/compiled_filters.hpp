// The seccomp programs of runtime/worker/filters/syscall_rules.hpp, compiled at build time by
// generate_filters.cpp into compiled_filters.cpp (in the build tree).
#pragma once

#include <linux/filter.h>

#include <cstddef>

namespace lambda_local::worker {

struct FilterProgram {
    const sock_filter* instructions;
    std::size_t length;
};

extern const FilterProgram k_handler_filter;           // compile_handler_filter(false)
extern const FilterProgram k_handler_filter_debugging; // compile_handler_filter(true)
extern const FilterProgram k_tracing_filter;           // compile_tracing_filter()

} // namespace lambda_local::worker
