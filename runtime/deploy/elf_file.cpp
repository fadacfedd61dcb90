// A bounds-checked reader of ELF64 headers, the dynamic section and symbol versions.
#include "runtime/deploy/elf_file.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"

#include <elf.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <optional>

namespace lambda_local::runtime::deploy {
namespace {

// The structures are read with memcpy: the host must be little-endian like the files.
static_assert(std::endian::native == std::endian::little,
              "the ELF reader assumes a little-endian host");

// A view of bytes whose reads never leave it: each failure is a "truncated" Error.
class Bytes {
  public:
    Bytes(std::string_view data, std::string what) : m_data(data), m_what(std::move(what)) {}

    std::size_t size() const { return m_data.size(); }

    bool fits(std::uint64_t offset, std::uint64_t length) const {
        return offset <= m_data.size() && length <= m_data.size() - offset;
    }

    template <typename T> T read(std::uint64_t offset) const {
        if (!fits(offset, sizeof(T))) {
            throw Error("truncated: " + m_what + " needs " + std::to_string(sizeof(T)) +
                        " bytes at offset " + std::to_string(offset) + " but has " +
                        std::to_string(m_data.size()));
        }
        T value;
        std::memcpy(&value, m_data.data() + offset, sizeof(T));
        return value;
    }

    Bytes slice(std::uint64_t offset, std::uint64_t length, std::string what) const {
        if (!fits(offset, length)) {
            throw Error("truncated: " + what + " (" + std::to_string(length) + " bytes at offset " +
                        std::to_string(offset) + ") ends past the end of the file (" +
                        std::to_string(m_data.size()) + " bytes)");
        }
        return Bytes(m_data.substr(offset, length), std::move(what));
    }

    // The NUL-terminated string at `offset` of this (string table) view.
    std::string string_at(std::uint64_t offset) const {
        if (offset >= m_data.size()) {
            throw Error("corrupt: a name points past the end of " + m_what + " (offset " +
                        std::to_string(offset) + " of " + std::to_string(m_data.size()) + ")");
        }
        auto end = m_data.find('\0', offset);
        if (end == std::string_view::npos) {
            throw Error("corrupt: a name in " + m_what + " is not terminated");
        }
        return std::string(m_data.substr(offset, end - offset));
    }

  private:
    std::string_view m_data;
    std::string m_what;
};

// The section headers, and each section's bytes on demand.
class Sections {
  public:
    Sections(const Bytes& file, const Elf64_Ehdr& header) : m_file(file) {
        if (header.e_shoff == 0) {
            throw Error("the file has no section headers (stripped with sstrip?): its dynamic "
                        "symbols and versions cannot be read");
        }
        if (header.e_shentsize != sizeof(Elf64_Shdr)) {
            throw Error("corrupt: section header size " + std::to_string(header.e_shentsize) +
                        ", expected " + std::to_string(sizeof(Elf64_Shdr)));
        }
        std::uint64_t count = header.e_shnum;
        if (count == 0) { // extended numbering: the count is in section 0's sh_size
            count = file.read<Elf64_Shdr>(header.e_shoff).sh_size;
        }
        if (count > (file.size() - std::min<std::uint64_t>(header.e_shoff, file.size())) /
                        sizeof(Elf64_Shdr)) {
            throw Error("truncated: " + std::to_string(count) + " section headers at offset " +
                        std::to_string(header.e_shoff) + " end past the end of the file (" +
                        std::to_string(file.size()) + " bytes)");
        }
        m_headers.reserve(count);
        for (std::uint64_t i = 0; i < count; ++i) {
            m_headers.push_back(file.read<Elf64_Shdr>(header.e_shoff + i * sizeof(Elf64_Shdr)));
        }
    }

    const Elf64_Shdr* find(std::uint32_t type) const {
        for (const auto& header : m_headers) {
            if (header.sh_type == type) {
                return &header;
            }
        }
        return nullptr;
    }

    Bytes data(const Elf64_Shdr& section, const std::string& what) const {
        if (section.sh_type == SHT_NOBITS) {
            return Bytes({}, what);
        }
        return m_file.slice(section.sh_offset, section.sh_size, what);
    }

    // The string table a section links to.
    Bytes linked_strings(const Elf64_Shdr& section, const std::string& what) const {
        if (section.sh_link == 0 || section.sh_link >= m_headers.size()) {
            throw Error("corrupt: " + what + " links to section " +
                        std::to_string(section.sh_link) + " of " +
                        std::to_string(m_headers.size()));
        }
        return data(m_headers[section.sh_link], "the string table of " + what);
    }

  private:
    const Bytes& m_file;
    std::vector<Elf64_Shdr> m_headers;
};

void read_dynamic(const Sections& sections, ElfFile& elf) {
    const Elf64_Shdr* dynamic = sections.find(SHT_DYNAMIC);
    if (dynamic == nullptr) {
        return;
    }
    elf.has_dynamic_section = true;
    Bytes entries = sections.data(*dynamic, "the dynamic section");
    Bytes strings = sections.linked_strings(*dynamic, "the dynamic section");
    for (std::uint64_t at = 0; at + sizeof(Elf64_Dyn) <= entries.size(); at += sizeof(Elf64_Dyn)) {
        auto entry = entries.read<Elf64_Dyn>(at);
        switch (entry.d_tag) {
        case DT_NULL:
            return;
        case DT_NEEDED:
            elf.needed.push_back(strings.string_at(entry.d_un.d_val));
            break;
        case DT_SONAME:
            elf.soname = strings.string_at(entry.d_un.d_val);
            break;
        case DT_RPATH:
            elf.rpath = strings.string_at(entry.d_un.d_val);
            break;
        case DT_RUNPATH:
            elf.runpath = strings.string_at(entry.d_un.d_val);
            break;
        case DT_FLAGS_1:
            if ((entry.d_un.d_val & DF_1_PIE) != 0 && elf.kind == ElfKind::SharedObject) {
                elf.kind = ElfKind::PieExecutable;
            }
            break;
        default:
            break;
        }
    }
}

// Version index (vna_other) → what it stands for.
std::map<std::uint16_t, VersionNeed> read_version_needs(const Sections& sections, ElfFile& elf) {
    std::map<std::uint16_t, VersionNeed> by_index;
    const Elf64_Shdr* section = sections.find(SHT_GNU_verneed);
    if (section == nullptr) {
        return by_index;
    }
    Bytes data = sections.data(*section, "the version needs (.gnu.version_r)");
    Bytes strings = sections.linked_strings(*section, "the version needs (.gnu.version_r)");
    // Each entry is at least 16 bytes: more entries than that cannot be real (and a
    // corrupt vn_next cannot make the walk loop for long).
    const std::uint64_t limit = data.size() / sizeof(Elf64_Vernaux) + 1;
    std::uint64_t at = 0;
    std::uint64_t walked = 0;
    for (std::uint32_t i = 0; i < section->sh_info && walked++ < limit; ++i) {
        auto need = data.read<Elf64_Verneed>(at);
        std::string file = strings.string_at(need.vn_file);
        std::uint64_t aux_at = at + need.vn_aux;
        for (std::uint16_t j = 0; j < need.vn_cnt && walked++ < limit; ++j) {
            auto aux = data.read<Elf64_Vernaux>(aux_at);
            VersionNeed version{file, strings.string_at(aux.vna_name),
                                (aux.vna_flags & VER_FLG_WEAK) != 0};
            by_index[aux.vna_other] = version;
            elf.version_needs.push_back(std::move(version));
            if (aux.vna_next == 0) {
                break;
            }
            aux_at += aux.vna_next;
        }
        if (need.vn_next == 0) {
            break;
        }
        at += need.vn_next;
    }
    return by_index;
}

void read_symbols(const Sections& sections, const std::map<std::uint16_t, VersionNeed>& needs,
                  ElfFile& elf) {
    const Elf64_Shdr* dynsym = sections.find(SHT_DYNSYM);
    if (dynsym == nullptr) {
        return;
    }
    Bytes symbols = sections.data(*dynsym, "the dynamic symbol table (.dynsym)");
    Bytes names = sections.linked_strings(*dynsym, "the dynamic symbol table (.dynsym)");
    std::optional<Bytes> versions;
    if (const Elf64_Shdr* versym = sections.find(SHT_GNU_versym)) {
        versions = sections.data(*versym, "the symbol versions (.gnu.version)");
    }
    const std::uint64_t count = symbols.size() / sizeof(Elf64_Sym);
    for (std::uint64_t i = 1; i < count; ++i) {
        auto symbol = symbols.read<Elf64_Sym>(i * sizeof(Elf64_Sym));
        if (symbol.st_name == 0) {
            continue;
        }
        unsigned bind = ELF64_ST_BIND(symbol.st_info);
        if (symbol.st_shndx != SHN_UNDEF) {
            if (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) {
                elf.exports.push_back(names.string_at(symbol.st_name));
            }
            continue;
        }
        if (!versions || !versions->fits(i * 2, 2)) {
            continue;
        }
        auto index = static_cast<std::uint16_t>(versions->read<std::uint16_t>(i * 2) & 0x7fff);
        auto found = needs.find(index);
        if (index < 2 || found == needs.end()) {
            continue; // unversioned (0: local, 1: global)
        }
        elf.imports.push_back(
            {names.string_at(symbol.st_name), found->second.version, found->second.file});
    }
    std::sort(elf.exports.begin(), elf.exports.end());
}

ElfKind kind_of(std::uint16_t type) {
    switch (type) {
    case ET_DYN:
        return ElfKind::SharedObject;
    case ET_EXEC:
        return ElfKind::Executable;
    case ET_REL:
        return ElfKind::Relocatable;
    default:
        return ElfKind::Other;
    }
}

} // namespace

bool ElfFile::exports_symbol(std::string_view name) const {
    return std::binary_search(exports.begin(), exports.end(), name);
}

ElfFile parse_elf(std::string_view bytes) {
    Bytes file(bytes, "the file");
    if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
        throw Error("not an ELF file");
    }
    unsigned char elf_class = static_cast<unsigned char>(bytes[EI_CLASS]);
    unsigned char data = static_cast<unsigned char>(bytes[EI_DATA]);
    if (data == ELFDATA2MSB) {
        throw Error("a big-endian ELF file: Lambda runs little-endian x86_64 and arm64 code");
    }
    if (data != ELFDATA2LSB) {
        throw Error("corrupt: unknown ELF data encoding " + std::to_string(data));
    }
    if (elf_class == ELFCLASS32) {
        auto machine = file.read<std::uint16_t>(offsetof(Elf32_Ehdr, e_machine));
        throw Error("a 32-bit ELF file (" + machine_name(machine) +
                    "): Lambda runs 64-bit x86_64 and arm64 code");
    }
    if (elf_class != ELFCLASS64) {
        throw Error("corrupt: unknown ELF class " + std::to_string(elf_class));
    }
    auto header = file.read<Elf64_Ehdr>(0);
    ElfFile elf;
    elf.machine = header.e_machine;
    elf.kind = kind_of(header.e_type);
    if (elf.kind == ElfKind::Relocatable) {
        return elf; // an object file has no dynamic section to read
    }
    Sections sections(file, header);
    read_dynamic(sections, elf);
    auto needs = read_version_needs(sections, elf);
    read_symbols(sections, needs, elf);
    return elf;
}

ElfFile read_elf(const std::string& path) {
    std::string bytes = read_file(path, path, k_max_code_file); // /dev/zero never ends
    try {
        return parse_elf(bytes);
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
}

std::string machine_name(std::uint16_t machine) {
    switch (machine) {
    case EM_X86_64:
        return "x86_64";
    case EM_AARCH64:
        return "aarch64";
    case EM_386:
        return "i386";
    case EM_ARM:
        return "arm";
    case EM_RISCV:
        return "riscv";
    case EM_PPC:
        return "powerpc";
    case EM_PPC64:
        return "powerpc64";
    case EM_S390:
        return "s390";
    case EM_MIPS:
        return "mips";
    case EM_SPARCV9:
        return "sparcv9";
    case EM_IA_64:
        return "ia64";
    case 258: // EM_LOONGARCH, missing from older <elf.h>
        return "loongarch";
    default:
        return "machine " + std::to_string(machine);
    }
}

std::string_view kind_name(ElfKind kind) {
    switch (kind) {
    case ElfKind::SharedObject:
        return "shared library";
    case ElfKind::PieExecutable:
        return "position-independent executable";
    case ElfKind::Executable:
        return "executable";
    case ElfKind::Relocatable:
        return "relocatable object file";
    case ElfKind::Other:
        break;
    }
    return "ELF file of an unknown type";
}

} // namespace lambda_local::runtime::deploy
