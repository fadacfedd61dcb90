// /opt from the layers: a bind mount, an overlay, or a merged tree of bind mounts; and a root of
// the environment's own where the host has no /opt to mount on.
#include "runtime/worker/opt_layers.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::worker {
namespace {

constexpr const char* k_opt = "/opt";
// Where the environment's own root is assembled when the host has no /opt: the host's /tmp,
// which the private /tmp replaces anyway.
constexpr const char* k_stage = "/tmp";

bool has_word(std::string_view text, std::string_view word) {
    while (!text.empty()) {
        std::size_t end = text.find_first_of(", ");
        if (text.substr(0, end) == word) {
            return true;
        }
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 1);
    }
    return false;
}

std::string fd_path(int fd, const std::string& name = {}) {
    return "/proc/self/fd/" + std::to_string(fd) + (name.empty() ? "" : "/" + name);
}

// The attributes `attributes` (MOUNT_ATTR_*) on the mount at `target` and every mount below it;
// before Linux 5.12 (no mount_setattr), read-only by a remount of `target` alone, whose bind
// mounts are clones of the host's read-only mounts already (a remount the kernel refuses is
// then good enough when `target` is read-only).
std::string set_attributes(const std::string& target, std::uint64_t attributes) {
#ifdef SYS_mount_setattr
    mount_attr attr{};
    attr.attr_set = attributes;
    if (::syscall(SYS_mount_setattr, AT_FDCWD, target.c_str(), AT_RECURSIVE, &attr, sizeof attr) ==
        0) {
        return {};
    }
    if (errno != ENOSYS) {
        return os_error("mount_setattr " + target);
    }
#endif
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
    if (attributes & MOUNT_ATTR_NOSUID) {
        flags |= MS_NOSUID | MS_NODEV;
    }
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0) {
        // In a user namespace a remount must repeat the flags a bind mount's source has
        // locked; a bind mount of the host's read-only file system is read-only already.
        int error = errno;
        struct statvfs info {};
        if (::statvfs(target.c_str(), &info) == 0 && (info.f_flag & ST_RDONLY)) {
            return {};
        }
        return os_error("remount " + target + " read-only", error);
    }
    return {};
}

constexpr std::uint64_t k_opt_attributes = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

std::string bind_mount(const std::string& source, const std::string& target, bool recursive) {
    unsigned long flags = MS_BIND | (recursive ? MS_REC : 0);
    if (::mount(source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0) {
        return os_error("mount --bind " + target);
    }
    return {};
}

// An empty file to bind a file onto.
bool make_mount_point_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    return static_cast<bool>(fd);
}

bool make_directory(const std::string& path, mode_t mode) {
    return ::mkdir(path.c_str(), 0700) == 0 && ::chmod(path.c_str(), mode & 07777) == 0;
}

// How deep folders that several layers share are merged (each level holds descriptors and a
// frame); deeper is an error.
constexpr int k_max_merge_depth = 128;

// One name in the directories being merged: which layers have it, and what it is in each.
struct Found {
    std::size_t layer;
    mode_t mode;
};

// Fills the (empty, writable) directory `target` with the union of `dirs` (lowest layer
// first): a name takes the topmost layer's entry; a directory that several consecutive layers
// have, from the top down, is merged again below; one only a single layer has is bind-mounted.
std::string merge_into(const std::string& target, const std::vector<int>& dirs, int depth = 0) {
    if (depth > k_max_merge_depth) {
        return "layers whose folders several of them share nest more than " +
               std::to_string(k_max_merge_depth) + " deep (at " + target + ")";
    }
    std::map<std::string, std::vector<Found>> names;
    for (std::size_t layer = 0; layer < dirs.size(); ++layer) {
        int copy = ::fcntl(dirs[layer], F_DUPFD_CLOEXEC, 0);
        DIR* listing = copy >= 0 ? ::fdopendir(copy) : nullptr;
        if (listing == nullptr) {
            if (copy >= 0) {
                ::close(copy);
            }
            return os_error("opendir " + target);
        }
        std::unique_ptr<DIR, int (*)(DIR*)> owner(listing, ::closedir);
        while (dirent* entry = ::readdir(listing)) {
            std::string name = entry->d_name;
            if (name == "." || name == "..") {
                continue;
            }
            struct stat info {};
            if (::fstatat(dirs[layer], name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
                names[name].push_back({layer, info.st_mode});
            }
        }
    }
    for (const auto& [name, found] : names) {
        const Found& top = found.back();
        const std::string path = target + "/" + name;
        const int top_dir = dirs[top.layer];
        if (S_ISLNK(top.mode)) {
            char link[4096];
            ssize_t n = ::readlinkat(top_dir, name.c_str(), link, sizeof link - 1);
            if (n < 0) {
                return os_error("readlink " + path);
            }
            link[n] = '\0';
            if (::symlink(link, path.c_str()) != 0) {
                return os_error("symlink " + path);
            }
            continue;
        }
        if (!S_ISDIR(top.mode)) {
            if (!make_mount_point_file(path)) {
                return os_error("create " + path);
            }
            if (std::string why = bind_mount(fd_path(top_dir, name), path, false); !why.empty()) {
                return why;
            }
            continue;
        }
        // The directories from the top down to the first layer where the name is not one.
        std::vector<int> merged;
        std::vector<Fd> opened;
        for (auto it = found.rbegin(); it != found.rend() && S_ISDIR(it->mode); ++it) {
            Fd sub(::openat(dirs[it->layer], name.c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) {
                return os_error("open " + path);
            }
            merged.insert(merged.begin(), sub.get());
            opened.push_back(std::move(sub));
        }
        if (!make_directory(path, top.mode)) {
            return os_error("mkdir " + path);
        }
        std::string why = merged.size() == 1 ? bind_mount(fd_path(top_dir, name), path, true)
                                             : merge_into(path, merged, depth + 1);
        if (!why.empty()) {
            return why;
        }
    }
    return {};
}

// The layers at `target` (an existing directory), read-only.
std::string mount_layers(const std::vector<Fd>& layers, const std::string& target,
                         bool allow_overlay) {
    if (layers.size() == 1) {
        if (std::string why = bind_mount(fd_path(layers.front().get()), target, true);
            !why.empty()) {
            return why;
        }
        return set_attributes(target, k_opt_attributes);
    }
    if (allow_overlay) {
        // The first lower directory is the top one: the last layer.
        std::string options = "lowerdir=";
        for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
            options += (it == layers.rbegin() ? "" : ":") + fd_path(it->get());
        }
        if (::mount("overlay", target.c_str(), "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV,
                    options.c_str()) == 0) {
            return {};
        }
        // Refused (a user namespace before Linux 5.11, overlapping layers): the merged tree.
    }
    if (::mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
        return os_error("mount tmpfs " + target);
    }
    std::vector<int> dirs;
    for (const Fd& layer : layers) {
        dirs.push_back(layer.get());
    }
    if (std::string why = merge_into(target, dirs); !why.empty()) {
        return why;
    }
    return set_attributes(target, k_opt_attributes);
}

// A root of the environment's own at k_stage: every top-level entry of the host's root but /opt
// (the layers) bind-mounted (or linked, for a symbolic link such as /lib → usr/lib), the host's
// /tmp too (which the stage covers: bound from a descriptor opened before; the private /tmp
// covers it in turn, and a code directory under it stays reachable), read-only; then it
// becomes the root.
std::string root_with_opt(const std::vector<Fd>& layers, bool allow_overlay) {
    const std::string stage = k_stage;
    Fd host_tmp(::open(stage.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host_tmp) {
        return os_error("open " + stage);
    }
    if (::mount("tmpfs", stage.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
        return os_error("mount tmpfs " + stage);
    }
    DIR* listing = ::opendir("/");
    if (listing == nullptr) {
        return os_error("opendir /");
    }
    std::unique_ptr<DIR, int (*)(DIR*)> owner(listing, ::closedir);
    while (dirent* entry = ::readdir(listing)) {
        std::string name = entry->d_name;
        if (name == "." || name == ".." || name == "tmp" || name == "opt") {
            continue;
        }
        std::string host = "/" + name;
        std::string path = stage + "/" + name;
        struct stat info {};
        if (::lstat(host.c_str(), &info) != 0) {
            continue;
        }
        std::string why;
        if (S_ISDIR(info.st_mode)) {
            why = make_directory(path, info.st_mode) ? bind_mount(host, path, true)
                                                     : os_error("mkdir " + path);
        } else if (S_ISLNK(info.st_mode)) {
            char link[4096];
            ssize_t n = ::readlink(host.c_str(), link, sizeof link - 1);
            if (n >= 0) {
                link[n] = '\0';
                if (::symlink(link, path.c_str()) != 0) {
                    why = os_error("symlink " + path);
                }
            }
        } else if (S_ISREG(info.st_mode)) {
            why = make_mount_point_file(path) ? bind_mount(host, path, false)
                                              : os_error("create " + path);
        }
        if (!why.empty()) {
            return why;
        }
    }
    owner.reset();
    if (!make_directory(stage + "/tmp", 01777) || !make_directory(stage + "/opt", 0755)) {
        return os_error("mkdir " + stage + "/opt");
    }
    // Not recursive: the stage itself is mounted on the host's /tmp. Where that is refused (a
    // /tmp with locked mounts under it, in a user namespace), a code directory under the host's
    // /tmp is hidden, which the sandbox's notes say.
    bind_mount(fd_path(host_tmp.get()), stage + "/tmp", false);
    if (std::string why = mount_layers(layers, stage + "/opt", allow_overlay); !why.empty()) {
        return why;
    }
    if (std::string why = set_attributes(stage, MOUNT_ATTR_RDONLY); !why.empty()) {
        return why;
    }
    // The stage becomes "/", the host's root is stacked on it and then let go.
    if (::chdir(stage.c_str()) != 0) {
        return os_error("chdir " + stage);
    }
    if (::syscall(SYS_pivot_root, ".", ".") != 0) {
        return os_error("pivot_root");
    }
    if (::umount2(".", MNT_DETACH) != 0) {
        return os_error("umount the host's root");
    }
    if (::chdir("/") != 0) {
        return os_error("chdir /");
    }
    return {};
}

} // namespace

std::string lay_layers_into_opt(const WorkerConfig& config) {
    if (config.layers.empty()) {
        return {};
    }
    // Opened before anything is mounted: a layer under the host's /tmp stays reachable.
    std::vector<Fd> layers;
    for (const std::string& dir : config.layers) {
        Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) {
            return "layer " + dir + ": " + os_error("open");
        }
        layers.push_back(std::move(fd));
    }
    bool allow_overlay = !has_word(config.layer_mount, "bind-tree");
    struct stat info {};
    bool host_has_opt = ::stat(k_opt, &info) == 0 && S_ISDIR(info.st_mode);
    if (host_has_opt && !has_word(config.layer_mount, "new-root")) {
        return mount_layers(layers, k_opt, allow_overlay);
    }
    return root_with_opt(layers, allow_overlay);
}

} // namespace lambda_local::worker
