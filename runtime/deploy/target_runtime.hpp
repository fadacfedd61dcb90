// The Lambda OS-only runtimes a package can target: their architectures, C and C++
// libraries, and which shared libraries their base system provides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::deploy {

// One `provided.*` runtime: what its base image offers a native library.
struct TargetRuntime {
    std::string_view name;    // "provided.al2023"
    std::string_view os;      // "Amazon Linux 2023"
    std::string_view glibc;   // "2.34"
    std::string_view glibcxx; // libstdc++'s newest GLIBCXX_ version: "3.4.29" (GCC 11)
    std::string_view cxxabi;  // libstdc++'s newest CXXABI_ version: "1.3.13"
    int gcc_major = 0;        // libgcc_s's newest GCC_<major>... version
};

// The runtime named `name` (provided.al2023 or provided.al2); throws lambda_local::Error
// naming the choices otherwise.
const TargetRuntime& target_runtime(std::string_view name);

// The names target_runtime() accepts, newest first.
std::vector<std::string> target_runtime_names();

// Lambda's name for an architecture: "x86_64" or "arm64" (also for "aarch64"), from an
// ELF machine number or a user's spelling; nothing for one Lambda does not run.
std::optional<std::string> lambda_architecture(std::uint16_t elf_machine);
std::optional<std::string> lambda_architecture(std::string_view spelling);

// Whether a library (by its DT_NEEDED name) is part of every provided.* base image, and is
// therefore not bundled: glibc's libraries, the dynamic loader, libgcc_s and libstdc++.
bool is_base_system_library(std::string_view name);

// How a required symbol version compares with what a runtime's base system provides.
struct VersionVerdict {
    bool ok = false;
    std::string why; // for a version too new: "needs glibc 2.36, provided.al2023 has 2.34"
};

// The verdict on `version` (e.g. "GLIBC_2.28") required of the base-system library `file`
// (e.g. "libc.so.6"); nothing when `file` is not a base-system library (a bundled one
// brings its own versions).
std::optional<VersionVerdict> check_base_version(const TargetRuntime& target, std::string_view file,
                                                 std::string_view version);

// Compares dotted version numbers ("2.2.5" < "2.14"); missing parts count as 0.
int compare_versions(std::string_view a, std::string_view b);

} // namespace lambda_local::runtime::deploy
