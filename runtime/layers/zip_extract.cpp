// Safe extraction: each path made component by component from a directory descriptor, with
// O_NOFOLLOW and O_EXCL, so that neither a name nor an earlier entry can lead outside.
#include "runtime/layers/zip_extract.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lambda_local::runtime::layers {
namespace {

constexpr std::size_t k_max_symlink_target = 4096;

// Writes all of `data` to `fd`.
bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// A directory of the tree being extracted, opened below `root` one component at a time
// (made when missing); a component that is a symbolic link or a file is an error.
Fd open_parent(int root, const std::vector<std::string>& components, std::size_t count,
               const std::string& name) {
    Fd current(::fcntl(root, F_DUPFD_CLOEXEC, 0));
    for (std::size_t i = 0; i < count; ++i) {
        const std::string& part = components[i];
        if (::mkdirat(current.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
            throw Error("entry '" + name + "': " + os_error("mkdir " + part));
        }
        Fd next(
            ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            int error = errno;
            struct stat info {};
            if (::fstatat(current.get(), part.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(info.st_mode)) {
                throw Error("entry '" + name + "' goes through the symbolic link '" + part +
                            "' (refused: it could lead outside the layer)");
            }
            throw Error("entry '" + name + "': '" + part + "' is not a directory (" +
                        std::strerror(error) + ")");
        }
        current = std::move(next);
    }
    return current;
}

} // namespace

std::vector<std::string> entry_components(std::string_view name) {
    const std::string whole(name);
    auto refuse = [&](const std::string& why) { return Error("entry '" + whole + "': " + why); };
    if (name.empty()) {
        throw refuse("an empty name");
    }
    if (name.find('\0') != std::string_view::npos) {
        throw refuse("a NUL byte in the name");
    }
    if (name.front() == '/') {
        throw refuse("an absolute path (refused: it would land outside the layer)");
    }
    if (name.find('\\') != std::string_view::npos) {
        throw refuse("a backslash in the name (refused: write '/' between folders)");
    }
    std::vector<std::string> components;
    while (!name.empty()) {
        std::size_t slash = name.find('/');
        std::string_view part = name.substr(0, slash);
        if (part == "..") {
            throw refuse("'..' in the path (refused: it could land outside the layer)");
        }
        if (!part.empty() && part != ".") {
            components.emplace_back(part);
        }
        if (slash == std::string_view::npos) {
            break;
        }
        name.remove_prefix(slash + 1);
    }
    if (components.empty()) {
        throw refuse("names no file");
    }
    return components;
}

bool symlink_stays_inside(const std::vector<std::string>& link, std::string_view target) {
    if (target.empty() || target.find('\0') != std::string_view::npos) {
        return false;
    }
    if (target.front() == '/') {
        return target == "/opt" || target.starts_with("/opt/");
    }
    // The link's own directory is its depth below the root; ".." climbs one.
    long depth = static_cast<long>(link.size()) - 1;
    while (!target.empty()) {
        std::size_t slash = target.find('/');
        std::string_view part = target.substr(0, slash);
        if (part == "..") {
            if (--depth < 0) {
                return false;
            }
        } else if (!part.empty() && part != ".") {
            ++depth;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        target.remove_prefix(slash + 1);
    }
    return true;
}

void extract_zip(const ZipArchive& archive, const std::string& dir, std::uint64_t max_bytes) {
    const std::string& zip = archive.path();
    if (archive.unzipped_size() > max_bytes) {
        throw Error(zip + ": " + std::to_string(archive.unzipped_size()) +
                    " bytes unzipped, over the limit of " + std::to_string(max_bytes) +
                    " (nothing was extracted)");
    }
    Fd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root) {
        throw Error(dir + ": " + os_error("open"));
    }
    // Directory modes are set last: a read-only directory would refuse its own entries.
    std::vector<std::pair<std::vector<std::string>, std::uint32_t>> directories;
    try {
        for (const ZipEntry& entry : archive.entries()) {
            std::vector<std::string> parts = entry_components(entry.name);
            std::size_t parents =
                entry.type == ZipEntryType::Directory ? parts.size() : parts.size() - 1;
            Fd parent = open_parent(root.get(), parts, parents, entry.name);
            if (entry.type == ZipEntryType::Directory) {
                directories.emplace_back(parts, entry.mode | 0700);
                continue;
            }
            const std::string& leaf = parts.back();
            if (entry.type == ZipEntryType::Symlink) {
                std::string target = archive.read_small(entry, k_max_symlink_target);
                if (!symlink_stays_inside(parts, target)) {
                    throw Error("entry '" + entry.name + "' is a symbolic link to '" + target +
                                "', outside the layer (refused)");
                }
                if (::symlinkat(target.c_str(), parent.get(), leaf.c_str()) != 0) {
                    throw Error(
                        "entry '" + entry.name + "': " +
                        (errno == EEXIST ? std::string("a duplicate entry") : os_error("symlink")));
                }
                continue;
            }
            Fd file(::openat(parent.get(), leaf.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!file) {
                throw Error(
                    "entry '" + entry.name + "': " +
                    (errno == EEXIST ? std::string("a duplicate entry") : os_error("create")));
            }
            archive.read(entry, [&](std::string_view piece) {
                if (!write_all(file.get(), piece)) {
                    throw Error("entry '" + entry.name + "': " + os_error("write"));
                }
            });
            if (::fchmod(file.get(), entry.mode & 0777) != 0) {
                throw Error("entry '" + entry.name + "': " + os_error("chmod"));
            }
        }
        for (const auto& [parts, mode] : directories) {
            Fd parent = open_parent(root.get(), parts, parts.size() - 1, parts.back());
            if (::fchmodat(parent.get(), parts.back().c_str(), mode & 0777, 0) != 0) {
                throw Error("entry '" + parts.back() + "/': " + os_error("chmod"));
            }
        }
    } catch (const Error& e) {
        std::string what = e.what();
        throw Error(what.starts_with(zip) ? what : zip + ": " + what);
    }
}

} // namespace lambda_local::runtime::layers
