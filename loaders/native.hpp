// The native ABI of include/lambda_local.h: a table of functions passed in.
#pragma once

#include "loaders/library.hpp"
#include "loaders/loader.hpp"

namespace lambda_local::loaders {

// The symbol that marks a native handler library.
inline constexpr const char* k_abi_version_symbol = "lambda_local_abi_version";
// The optional init entry point of a native handler library.
inline constexpr const char* k_init_symbol = "lambda_local_init";

// Checks the library's ABI version, runs its init (if any), and returns the
// handler calling `entry`, or the init's error.
LoadResult load_native_handler(Library library, void* version_marker, void* entry,
                               const Context& init_context);

} // namespace lambda_local::loaders
