// What holds of every project a configuration loader accepts, checked by the config targets.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/gateway/routes.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <set>

namespace lambda_local::fuzz {

// A loaded project is one `serve` can run: valid functions with unique names, APIs the route
// table accepts, and routes that name the project's own functions. Call it outside the
// loader's try: an Error here is a broken invariant, and crashes the target.
inline void check_project(const runtime::config::Project& project) {
    std::set<std::string> names;
    for (const runtime::config::FunctionConfig& function : project.functions) {
        FUZZ_CHECK(names.insert(function.spec.name).second);
        runtime::validate(function.spec);
        FUZZ_CHECK(project.find_function(function.spec.name) == &function);
    }
    runtime::gateway::RouteTable table;
    for (const runtime::config::ApiConfig& api : project.apis) {
        table.add(api.api);
        for (const runtime::gateway::Route& route : api.api.routes) {
            FUZZ_CHECK(project.find_function(route.function_name) != nullptr);
        }
    }
    (void)runtime::config::format_routes(project);
}

} // namespace lambda_local::fuzz
