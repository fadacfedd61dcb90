// `lambda-local package`: the deployable zip of a handler library for a provided.* runtime
// (bootstrap + the .so + its non-system dependencies), and the lines that deploy it.
#pragma once

#include "runtime/deploy/deploy_check.hpp"
#include "runtime/function/quotas.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::deploy {

// What to package, for which runtime.
struct PackageOptions {
    std::string library;
    std::string handler = "handle";
    std::string output = "function.zip";
    std::string target = "provided.al2023";
    std::string arch;                    // "" means the library's own
    bool force = false;                  // package even when the check finds problems
    std::string bootstrap;               // the executable to ship; "" finds lambda-local-bootstrap
    std::string function_name;           // for the printed deploy lines
    std::optional<LibrarySearch> search; // nothing: this machine's
};

// One entry of the zip.
struct PackagedFile {
    std::string name; // "bootstrap", "libhandler.so", "lib/libfoo.so.1", "lib/"
    std::uint32_t mode = 0;
    std::uint64_t size = 0;
    std::string source; // where it came from on this machine ("" for a directory)
};

// What build_package() did.
struct PackageResult {
    DeploymentCheck check;
    FileCheck bootstrap;
    std::vector<std::string> problems; // the check's and the bootstrap's
    std::vector<PackagedFile> files;
    std::uint64_t zip_size = 0;
    std::vector<std::string> warnings;
};

// lambda-local-bootstrap: $LAMBDA_LOCAL_BOOTSTRAP, else beside this executable (the build
// tree, or bin/ after `make install`). Throws lambda_local::Error when there is none.
std::string find_bootstrap_executable();

// Checks the library and the bootstrap for the target, then writes the zip to
// options.output (atomically). Throws lambda_local::Error, naming every problem, when
// either would not load and options.force is not set.
PackageResult build_package(const PackageOptions& options);

// What `package` prints: the check in one line, the zip's entries, and how to deploy it
// with the AWS CLI and with SAM.
std::string format_package(const PackageOptions& options, const PackageResult& result);

} // namespace lambda_local::runtime::deploy
