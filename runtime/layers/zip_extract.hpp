// Extracting a zip archive into a directory without anything of it landing outside.
#pragma once

#include "runtime/layers/zip_archive.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::layers {

// The components of an entry's name ("lib/libfoo.so" → {"lib", "libfoo.so"}; "./a//b/" →
// {"a", "b"}). Throws lambda_local::Error "entry '<name>': <why>" for a name that is empty,
// absolute, holds "..", a backslash or a NUL byte.
std::vector<std::string> entry_components(std::string_view name);

// Whether a symbolic link at `link` (its components) to `target` stays inside the archive's
// tree, or points into /opt (where the environment finds the layers): a relative target that
// never climbs above the root, or an absolute one under /opt.
bool symlink_stays_inside(const std::vector<std::string>& link, std::string_view target);

// Extracts every entry of `archive` into `dir` (an existing, empty directory). Nothing is
// written outside `dir`: names are checked (entry_components), no path goes through a
// symbolic link, files are created (never opened if they exist), and a symbolic link must
// stay inside (symlink_stays_inside). The archive's declared size must be at most
// `max_bytes`, and no entry yields more than it declares, so extraction stops at that limit,
// not after it. Modes are kept (permission bits only; directories get u+rwx). Throws
// lambda_local::Error "<zip>: <why>"; what was extracted then stays in `dir` for the caller
// to remove.
void extract_zip(const ZipArchive& archive, const std::string& dir, std::uint64_t max_bytes);

} // namespace lambda_local::runtime::layers
