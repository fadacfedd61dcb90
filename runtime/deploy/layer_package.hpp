// `lambda-local package --layer`: the zip of a folder to publish as a Lambda layer, with every
// ELF file in it checked for the target as a function's library is.
#pragma once

#include "runtime/deploy/deploy_check.hpp"
#include "runtime/deploy/package.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace lambda_local::runtime::deploy {

// What to package as a layer, for which runtime.
struct LayerPackageOptions {
    std::string folder;               // its files go into /opt: lib/, bin/, bootstrap, ...
    std::string output = "layer.zip"; // the zip to write
    std::string target = "provided.al2023";
    std::string arch;       // "" means the ELF files' own (they must agree)
    bool force = false;     // package even when the check finds problems
    std::string layer_name; // for the printed publish lines; "" means the folder's name
};

// What build_layer_package() did.
struct LayerPackageResult {
    const TargetRuntime* target = nullptr;
    std::string arch;                  // "" when there is no ELF file and no --arch
    std::vector<FileCheck> elf_files;  // every ELF file, by its name in the zip
    std::vector<std::string> problems; // each stops a load on the target
    std::vector<std::string> warnings;
    std::vector<PackagedFile> files; // the zip's entries, in order
    std::uint64_t unzipped = 0;
    std::uint64_t zip_size = 0;
};

// Checks every ELF file under options.folder (architecture, base-system versions; a library it
// needs that neither the target's base system nor the layer's lib/ has is a warning: the
// function or another layer may bring it), then writes the zip: the folder's files at its root,
// their modes kept, symbolic links kept as links (one that leads outside the folder is a
// problem). Throws lambda_local::Error naming every problem unless options.force, and for a
// folder that does not exist or cannot be read.
LayerPackageResult build_layer_package(const LayerPackageOptions& options);

// What `package --layer` prints: the check, the entries, and how to publish and use the layer.
std::string format_layer_package(const LayerPackageOptions& options,
                                 const LayerPackageResult& result);

} // namespace lambda_local::runtime::deploy
