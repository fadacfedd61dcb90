// Reading what the dynamic loader will ask of an ELF file: machine, needed libraries, versions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::deploy {

// ELF machine numbers (e_machine) lambda-local names.
inline constexpr std::uint16_t k_machine_x86_64 = 62;
inline constexpr std::uint16_t k_machine_aarch64 = 183;

// What kind of object a file is, from e_type and the PIE flag.
enum class ElfKind { SharedObject, PieExecutable, Executable, Relocatable, Other };

// A version the file requires of one of its dependencies (.gnu.version_r):
// "GLIBC_2.14" of "libc.so.6". A weak requirement does not stop the load.
struct VersionNeed {
    std::string file;
    std::string version;
    bool weak = false;
};

// An imported symbol bound to a required version: "memcpy" needs GLIBC_2.14 of libc.so.6.
struct VersionedImport {
    std::string symbol;
    std::string version;
    std::string file;
};

// The parts of a 64-bit little-endian ELF file that decide whether it loads somewhere.
struct ElfFile {
    std::uint16_t machine = 0; // e_machine
    ElfKind kind = ElfKind::Other;
    bool has_dynamic_section = false;
    std::vector<std::string> needed; // DT_NEEDED, in order
    std::string soname;              // DT_SONAME
    std::string rpath;               // DT_RPATH (searched before LD_LIBRARY_PATH)
    std::string runpath;             // DT_RUNPATH (searched after it)
    std::vector<VersionNeed> version_needs;
    std::vector<VersionedImport> imports; // undefined dynamic symbols with a version, in order
    std::vector<std::string> exports;     // defined dynamic symbols, sorted

    // Whether the file defines (exports) the dynamic symbol `name`.
    bool exports_symbol(std::string_view name) const;
};

// Parses the bytes of an ELF file. Throws lambda_local::Error saying what is wrong
// ("not an ELF file", "truncated: ...", "a 32-bit ELF file ...") for anything else.
ElfFile parse_elf(std::string_view bytes);

// Reads and parses `path`; errors are prefixed with the path.
ElfFile read_elf(const std::string& path);

// The machine's usual name: "x86_64", "aarch64", "i386", "arm", "riscv", ...
// or "machine 1234" for a number lambda-local does not know.
std::string machine_name(std::uint16_t machine);

// "shared library", "position-independent executable", ...
std::string_view kind_name(ElfKind kind);

} // namespace lambda_local::runtime::deploy
