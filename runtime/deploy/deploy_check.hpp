// Would a handler library load on a Lambda runtime? Its architecture, its type, the
// versions it requires of the base system, and its dependencies, checked before packaging
// (`lambda-local package`) and on request (`lambda-local doctor --library`).
#pragma once

#include "runtime/deploy/dependencies.hpp"
#include "runtime/deploy/elf_file.hpp"
#include "runtime/deploy/target_runtime.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::deploy {

// What to check a library against.
struct CheckOptions {
    std::string target = "provided.al2023";
    std::string arch;    // "x86_64" or "arm64"; "" means the library's own
    std::string handler; // a symbol the library must export; "" checks none
    // Where dependencies are looked for; nothing means this machine's (from_host()).
    std::optional<LibrarySearch> search;
};

// One version a file requires of a base-system library, with the symbols bound to it.
struct VersionRequirement {
    std::string file;    // "libc.so.6"
    std::string version; // "GLIBC_2.28"
    bool ok = true;
    bool weak = false;                // a weak requirement does not stop the load
    std::string why;                  // when not ok: "needs glibc 2.28, provided.al2 has 2.26"
    std::vector<std::string> symbols; // sorted
};

// One file that goes into the package, and what it requires of the base system.
struct FileCheck {
    std::string name; // its name in the package: "libhandler.so", "lib/libfoo.so", "bootstrap"
    std::string path; // where it is on this machine
    ElfFile elf;
    std::vector<VersionRequirement> requirements; // by file, then version
};

// The whole verdict on a library for one target.
struct DeploymentCheck {
    const TargetRuntime* target = nullptr;
    std::string arch;  // the target architecture, Lambda's name
    std::string abi;   // "native" or "classic", by the lambda_local_abi_version export
    FileCheck library; // the handler library itself
    std::vector<Dependency> dependencies;
    std::vector<FileCheck> bundled;    // the dependencies found here that are not base system
    std::vector<std::string> problems; // each stops the load, in the user's words

    bool loads() const { return problems.empty(); }
};

// Checks the library at `path`. Throws lambda_local::Error when it cannot be read or is not
// a 64-bit little-endian ELF file; everything else is a problem in the result.
DeploymentCheck check_library(const std::string& path, const CheckOptions& options);

// Checks an executable that is to run as the function's `bootstrap`: its architecture and
// type, its base-system versions, and that it needs nothing but the base system. Problems
// are appended to `problems`, prefixed with "bootstrap: ".
FileCheck check_bootstrap(const std::string& path, const TargetRuntime& target,
                          const std::string& arch, std::vector<std::string>& problems);

// The versions `elf` requires of the base system, judged for `target`. Too-new ones (not
// weak) are added to `problems` as "<symbol>@<version> <why>", prefixed by `prefix`.
std::vector<VersionRequirement> check_requirements(const ElfFile& elf, const TargetRuntime& target,
                                                   const std::string& prefix,
                                                   std::vector<std::string>& problems);

// The report `doctor --library` prints: every requirement, symbol by symbol, then the result.
std::string format_check(const DeploymentCheck& check);

// One line for `package`: "libx.so loads on provided.al2023 (x86_64): ...".
std::string summarize_check(const DeploymentCheck& check);

} // namespace lambda_local::runtime::deploy
