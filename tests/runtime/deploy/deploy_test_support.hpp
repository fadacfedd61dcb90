// Shared pieces of the deploy tests: a temporary directory, a crafted tiny ELF file with
// chosen imports and versions, and running a shell command.
#pragma once

#include <doctest/doctest.h>

#include <elf.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime::deploy::testing {

// A fresh directory under /tmp, removed with its content when destroyed.
class TempDir {
  public:
    TempDir() {
        char pattern[] = "/tmp/ll-deploy-test-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        m_path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return m_path; }

    // Writes <dir>/<name> (binary) and returns its path.
    std::string write(const std::string& name, const std::string& bytes) const {
        std::string path = m_path + "/" + name;
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }

  private:
    std::string m_path;
};

// What the crafted ELF holds.
struct TinyElf {
    std::uint16_t machine = EM_X86_64;
    std::uint16_t type = ET_DYN;
    std::vector<std::string> needed{"libc.so.6"};
    std::string versions_of = "libc.so.6"; // the file the versions below are required of
    std::vector<std::pair<std::string, std::string>> imports{{"memcpy", "GLIBC_2.14"},
                                                             {"fcntl64", "GLIBC_2.28"}};
    std::vector<std::string> exports{"handle"};
    std::string rpath;   // DT_RPATH, when not empty
    std::string runpath; // DT_RUNPATH, when not empty
};

// The bytes of a minimal 64-bit little-endian ELF file with a dynamic section, .dynsym,
// .gnu.version and .gnu.version_r as `spec` says (no code: enough for the reader).
inline std::string tiny_elf(const TinyElf& spec) {
    std::string strings(1, '\0');
    auto add_string = [&](const std::string& text) {
        auto at = static_cast<Elf64_Word>(strings.size());
        strings += text;
        strings += '\0';
        return at;
    };
    std::vector<std::string> versions;
    for (const auto& [symbol, version] : spec.imports) {
        bool known = false;
        for (const auto& v : versions) {
            known = known || v == version;
        }
        if (!known) {
            versions.push_back(version);
        }
    }
    auto version_index = [&](const std::string& version) {
        for (std::size_t i = 0; i < versions.size(); ++i) {
            if (versions[i] == version) {
                return static_cast<std::uint16_t>(i + 2);
            }
        }
        return std::uint16_t{1};
    };

    std::vector<Elf64_Sym> symbols(1);
    std::vector<std::uint16_t> versym{0};
    for (const auto& [symbol, version] : spec.imports) {
        Elf64_Sym sym{};
        sym.st_name = add_string(symbol);
        sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
        sym.st_shndx = SHN_UNDEF;
        symbols.push_back(sym);
        versym.push_back(version_index(version));
    }
    for (const auto& name : spec.exports) {
        Elf64_Sym sym{};
        sym.st_name = add_string(name);
        sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
        sym.st_shndx = 5;
        sym.st_value = 0x1000;
        symbols.push_back(sym);
        versym.push_back(1);
    }
    std::string verneed;
    if (!versions.empty()) {
        Elf64_Verneed need{};
        need.vn_version = 1;
        need.vn_cnt = static_cast<Elf64_Half>(versions.size());
        need.vn_file = add_string(spec.versions_of);
        need.vn_aux = sizeof(Elf64_Verneed);
        verneed.append(reinterpret_cast<const char*>(&need), sizeof need);
        for (std::size_t i = 0; i < versions.size(); ++i) {
            Elf64_Vernaux aux{};
            aux.vna_other = static_cast<Elf64_Half>(i + 2);
            aux.vna_name = add_string(versions[i]);
            aux.vna_next = i + 1 < versions.size() ? sizeof(Elf64_Vernaux) : 0;
            verneed.append(reinterpret_cast<const char*>(&aux), sizeof aux);
        }
    }
    std::vector<Elf64_Dyn> dynamic;
    for (const auto& name : spec.needed) {
        Elf64_Dyn entry{};
        entry.d_tag = DT_NEEDED;
        entry.d_un.d_val = add_string(name);
        dynamic.push_back(entry);
    }
    if (!spec.rpath.empty()) {
        Elf64_Dyn entry{};
        entry.d_tag = DT_RPATH;
        entry.d_un.d_val = add_string(spec.rpath);
        dynamic.push_back(entry);
    }
    if (!spec.runpath.empty()) {
        Elf64_Dyn entry{};
        entry.d_tag = DT_RUNPATH;
        entry.d_un.d_val = add_string(spec.runpath);
        dynamic.push_back(entry);
    }
    dynamic.push_back(Elf64_Dyn{});

    std::string out(sizeof(Elf64_Ehdr), '\0');
    auto place = [&](const void* data, std::size_t size) {
        while (out.size() % 8 != 0) {
            out += '\0';
        }
        auto at = out.size();
        out.append(static_cast<const char*>(data), size);
        return at;
    };
    auto strings_at = place(strings.data(), strings.size());
    auto symbols_at = place(symbols.data(), symbols.size() * sizeof(Elf64_Sym));
    auto versym_at = place(versym.data(), versym.size() * 2);
    auto verneed_at = place(verneed.data(), verneed.size());
    auto dynamic_at = place(dynamic.data(), dynamic.size() * sizeof(Elf64_Dyn));

    std::vector<Elf64_Shdr> sections(6);
    auto section = [&](int index, Elf64_Word type, std::size_t offset, std::size_t size,
                       Elf64_Word link, Elf64_Word info, std::size_t entsize) {
        sections[index].sh_type = type;
        sections[index].sh_offset = offset;
        sections[index].sh_size = size;
        sections[index].sh_link = link;
        sections[index].sh_info = info;
        sections[index].sh_entsize = entsize;
    };
    section(1, SHT_STRTAB, strings_at, strings.size(), 0, 0, 0);
    section(2, SHT_DYNSYM, symbols_at, symbols.size() * sizeof(Elf64_Sym), 1, 1, sizeof(Elf64_Sym));
    section(3, SHT_GNU_versym, versym_at, versym.size() * 2, 2, 0, 2);
    section(4, SHT_GNU_verneed, verneed_at, verneed.size(), 1, versions.empty() ? 0 : 1, 0);
    section(5, SHT_DYNAMIC, dynamic_at, dynamic.size() * sizeof(Elf64_Dyn), 1, 0,
            sizeof(Elf64_Dyn));
    auto sections_at = place(sections.data(), sections.size() * sizeof(Elf64_Shdr));

    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = spec.type;
    header.e_machine = spec.machine;
    header.e_version = EV_CURRENT;
    header.e_shoff = sections_at;
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_shentsize = sizeof(Elf64_Shdr);
    header.e_shnum = static_cast<Elf64_Half>(sections.size());
    std::memcpy(out.data(), &header, sizeof header);
    return out;
}

// Runs `command` with /bin/sh; its exit status and what it printed on stdout.
inline std::pair<int, std::string> run_shell(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        output.append(buffer, n);
    }
    int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

} // namespace lambda_local::runtime::deploy::testing
