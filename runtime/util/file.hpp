// Reading a whole file, with the user-facing error wording.
#pragma once

#include <string>

namespace lambda_local {

// The whole content of `path`. Throws lambda_local::Error
// "<what>: cannot open: <strerror>" (or "cannot read").
std::string read_file(const std::string& path, const std::string& what);

// The folder of the running executable (from /proc/self/exe; "." when it cannot be read).
std::string own_executable_dir();

// The last component of a path ("libx.so" of "/opt/lib/libx.so"); the path if it has no '/'.
std::string base_name(const std::string& path);

// A program installed with lambda-local (the worker, the bootstrap, the serve executable):
// beside the running executable, as in a build folder, or in ../libexec/lambda-local/ as
// `make install` lays it out. The path, or "" when neither has it with `access_mode`
// (access(2): X_OK for a program to run, R_OK for one to copy).
std::string find_companion(const std::string& name, int access_mode);

} // namespace lambda_local
