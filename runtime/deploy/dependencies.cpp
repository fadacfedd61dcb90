// The dynamic loader's search order, replayed on this machine.
#include "runtime/deploy/dependencies.hpp"

#include "runtime/deploy/target_runtime.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/util/file.hpp"

#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <set>

namespace lambda_local::runtime::deploy {
namespace {

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string trim(std::string_view text) {
    const char* space = " \t\r\n";
    auto first = text.find_first_not_of(space);
    if (first == std::string_view::npos) {
        return {};
    }
    auto last = text.find_last_not_of(space);
    return std::string(text.substr(first, last - first + 1));
}

void read_conf(const std::string& path, std::vector<std::string>& dirs, int depth) {
    std::ifstream in(path);
    if (!in || depth > 8) {
        return;
    }
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line.substr(0, line.find('#')));
        if (line.empty()) {
            continue;
        }
        if (line.rfind("include", 0) == 0 && line.size() > 7 &&
            (line[7] == ' ' || line[7] == '\t')) {
            std::string pattern = trim(std::string_view(line).substr(8));
            if (!pattern.empty() && pattern.front() != '/') {
                pattern = directory_of(path) + "/" + pattern;
            }
            glob_t found{};
            if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
                for (std::size_t i = 0; i < found.gl_pathc; ++i) {
                    read_conf(found.gl_pathv[i], dirs, depth + 1);
                }
            }
            ::globfree(&found);
            continue;
        }
        if (line.front() == '/') {
            dirs.push_back(line);
        }
    }
}

bool is_regular_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// One DT_NEEDED name waiting to be looked for, with the search paths its needer gives it.
struct Pending {
    std::string name;
    std::string needed_by;
    std::vector<std::string> rpaths;   // searched first: empty when the needer has a DT_RUNPATH
    std::vector<std::string> runpaths; // the needer's DT_RUNPATH
    std::vector<std::string> chain;    // DT_RPATH of the needer and of the objects that loaded it
};

// Where the loader would find `pending` for `machine`, or "".
std::string locate(const Pending& pending, const LibrarySearch& search, std::uint16_t machine) {
    auto fits = [&](const std::string& candidate) {
        return is_regular_file(candidate) && elf64_machine(candidate) == machine;
    };
    if (pending.name.find('/') != std::string::npos) {
        return fits(pending.name) ? pending.name : std::string();
    }
    for (const auto* dirs :
         {&pending.rpaths, &search.ld_library_path, &pending.runpaths, &search.system_dirs}) {
        for (const auto& dir : *dirs) {
            std::string candidate = dir + "/" + pending.name;
            if (fits(candidate)) {
                return candidate;
            }
        }
    }
    return {};
}

// What `elf`, at `path`, adds to the search of its own dependencies. `chain` holds the
// DT_RPATHs of the objects that loaded it: the loader walks up that chain, each object
// without a DT_RUNPATH adding its DT_RPATH, unless the needer itself has a DT_RUNPATH.
void add_needed(const ElfFile& elf, const std::string& path, std::vector<std::string> chain,
                std::deque<Pending>& queue) {
    std::string origin = directory_of(path);
    std::vector<std::string> runpaths;
    if (elf.runpath.empty()) {
        auto own = split_search_path(elf.rpath, origin);
        chain.insert(chain.begin(), own.begin(), own.end());
    } else {
        runpaths = split_search_path(elf.runpath, origin);
    }
    std::vector<std::string> rpaths = elf.runpath.empty() ? chain : std::vector<std::string>{};
    for (const auto& name : elf.needed) {
        queue.push_back({name, base_name(path), rpaths, runpaths, chain});
    }
}

} // namespace

LibrarySearch LibrarySearch::from_host() {
    LibrarySearch search;
    if (const char* list = std::getenv("LD_LIBRARY_PATH")) {
        search.ld_library_path = split_search_path(list, ".");
    }
    search.system_dirs = read_ld_so_conf("/etc/ld.so.conf");
    for (const char* dir : {"/lib64", "/usr/lib64", "/lib", "/usr/lib"}) {
        search.system_dirs.emplace_back(dir);
    }
    return search;
}

std::vector<std::string> read_ld_so_conf(const std::string& path) {
    std::vector<std::string> dirs;
    read_conf(path, dirs, 0);
    return dirs;
}

std::vector<std::string> split_search_path(std::string_view list, std::string_view origin) {
    std::vector<std::string> dirs;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find_first_of(":;", start);
        if (end == std::string_view::npos) {
            end = list.size();
        }
        std::string dir(list.substr(start, end - start));
        for (std::string_view token : {"${ORIGIN}", "$ORIGIN"}) {
            for (auto at = dir.find(token); at != std::string::npos; at = dir.find(token, at)) {
                dir.replace(at, token.size(), origin);
                at += origin.size();
            }
        }
        while (dir.size() > 1 && dir.back() == '/') {
            dir.pop_back();
        }
        if (!dir.empty()) {
            dirs.push_back(std::move(dir));
        }
        start = end + 1;
    }
    return dirs;
}

std::optional<std::uint16_t> elf64_machine(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    Elf64_Ehdr header{};
    if (::pread(fd.get(), &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
        return std::nullopt;
    }
    return header.e_machine;
}

std::vector<Dependency> resolve_dependencies(const std::string& path, const ElfFile& elf,
                                             const LibrarySearch& search) {
    std::vector<Dependency> found;
    std::deque<Pending> queue;
    std::set<std::string> seen;
    add_needed(elf, path, {}, queue);
    while (!queue.empty()) {
        Pending pending = std::move(queue.front());
        queue.pop_front();
        if (!seen.insert(pending.name).second) {
            continue;
        }
        Dependency dependency{pending.name, pending.needed_by, false, {}};
        if (is_base_system_library(pending.name)) {
            dependency.base_system = true;
            found.push_back(std::move(dependency));
            continue;
        }
        dependency.path = locate(pending, search, elf.machine);
        if (!dependency.path.empty()) {
            ElfFile child = read_elf(dependency.path);
            add_needed(child, dependency.path, pending.chain, queue);
        }
        found.push_back(std::move(dependency));
    }
    return found;
}

} // namespace lambda_local::runtime::deploy
