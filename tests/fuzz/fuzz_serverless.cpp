// Fuzzes the loading of serverless.yml (runtime/config/serverless.hpp) on top of yaml-cpp.
#include "runtime/config/serverless.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/project_invariants.hpp"

#include <optional>

using namespace lambda_local;
using namespace lambda_local::runtime::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fuzz::MemoryFile file(fuzz::as_text(data, size));
    ProjectOptions options;
    options.inherit_process_environment = false; // ${env:...} reads nothing of this process
    std::optional<Project> project;
    try {
        project = load_serverless(file.path(), options);
    } catch (const Error&) {
        return 0; // the documented refusal: "<path>:<line>: <what>"
    }
    fuzz::check_project(*project);
    return 0;
}
