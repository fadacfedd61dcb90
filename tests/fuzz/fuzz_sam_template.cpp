// Fuzzes the loading of SAM templates (runtime/config/sam_template.hpp) on top of yaml-cpp.
#include "runtime/config/sam_template.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/project_invariants.hpp"

#include <optional>

using namespace lambda_local;
using namespace lambda_local::runtime::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fuzz::MemoryFile file(fuzz::as_text(data, size));
    std::optional<Project> project;
    try {
        project = load_sam_template(file.path());
    } catch (const Error&) {
        return 0; // the documented refusal: "<path>:<line>: <what is wrong>"
    }
    fuzz::check_project(*project);
    return 0;
}
