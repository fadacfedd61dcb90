// Finding a library's DT_NEEDED dependencies on this machine the way the dynamic loader
// would, to tell which come with the target's base system and which must be bundled.
#pragma once

#include "runtime/deploy/elf_file.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::deploy {

// Where the dynamic loader looks after a library's own DT_RPATH: LD_LIBRARY_PATH, then
// (after DT_RUNPATH) the directories of ld.so.conf and the default ones.
struct LibrarySearch {
    std::vector<std::string> ld_library_path;
    std::vector<std::string> system_dirs;

    // This machine's: $LD_LIBRARY_PATH, /etc/ld.so.conf (with its includes), then
    // /lib64, /usr/lib64, /lib, /usr/lib.
    static LibrarySearch from_host();
};

// The directories of an ld.so.conf file, following `include` lines (with globs).
std::vector<std::string> read_ld_so_conf(const std::string& path);

// A search path list ("a:b;c") as directories, with $ORIGIN / ${ORIGIN} replaced by `origin`.
std::vector<std::string> split_search_path(std::string_view list, std::string_view origin);

// The ELF machine of a 64-bit little-endian ELF file, reading only its header; nothing
// when `path` is not one (or cannot be read).
std::optional<std::uint16_t> elf64_machine(const std::string& path);

// One DT_NEEDED name of the library or of a bundled dependency.
struct Dependency {
    std::string name;      // as written in DT_NEEDED: "libfoo.so.1"
    std::string needed_by; // the file name of the object that needs it
    bool base_system = false;
    std::string path; // where it was found on this machine ("" when base_system or not found)
};

// The dependency closure of `elf` (read from `path`), breadth-first, each name once: base
// system libraries are not looked for (and not descended into), every other one is looked
// for as the dynamic loader would (DT_RPATH of it and its loaders unless it has a
// DT_RUNPATH, LD_LIBRARY_PATH, DT_RUNPATH, system directories; $ORIGIN expanded; a file
// of another machine skipped) and descended into.
std::vector<Dependency> resolve_dependencies(const std::string& path, const ElfFile& elf,
                                             const LibrarySearch& search);

} // namespace lambda_local::runtime::deploy
