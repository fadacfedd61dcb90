// Reading a whole file, with the user-facing error wording.
#pragma once

#include "runtime/util/error.hpp"

#include <cstddef>
#include <istream>
#include <string>

namespace lambda_local {

// The whole content of `path`. Throws lambda_local::Error
// "<what>: cannot open: <strerror>" (or "cannot read").
std::string read_file(const std::string& path, const std::string& what);

// What the bounded read_file and read_bounded throw past their limit.
class TooLarge : public Error {
  public:
    using Error::Error;
};

// As read_file, but reads no more than `limit` bytes: a longer file (or /dev/zero, a pipe that
// never ends) throws TooLarge "<what> is over <limit> bytes" instead of filling the memory.
std::string read_file(const std::string& path, const std::string& what, std::size_t limit);

// The most read of a file that configures or tests functions (a template, an env file, a test
// case, a snapshot, a key): far more than any real one (CloudFormation takes templates of up to
// 1 MB), little enough that `--template /dev/zero` is an error and not all of the memory.
inline constexpr std::size_t k_max_config_file = 64u << 20;

// The most read of a file of a function's code (a library, a bootstrap, a layer's file) that
// `package` or `doctor` reads whole: four times Lambda's 250 MB for code unzipped, past which
// `package` warns but goes on (a debug build's library can be larger than 250 MB).
inline constexpr std::size_t k_max_code_file = std::size_t{1} << 30;

// All of `in` (standard input, say), under the same limit and with the same errors.
std::string read_bounded(std::istream& in, const std::string& what, std::size_t limit);

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
