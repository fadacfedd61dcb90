// Preparing a function's layers: ARNs mapped, zips extracted, Lambda's limits checked.
#include "runtime/layers/layers.hpp"

#include "runtime/layers/layer_cache.hpp"
#include "runtime/util/error.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

namespace lambda_local::runtime::layers {
namespace {

namespace fs = std::filesystem;

std::string megabytes(std::uint64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

// Folders nested deeper than this are refused rather than walked (each level holds a descriptor
// and a frame).
constexpr int k_max_depth = 256;

// Adds the sizes of the regular files below the directory `fd` to `total`, stopping early.
// Throws lambda_local::Error past k_max_depth levels.
void add_sizes(int fd, std::uint64_t& total, std::uint64_t stop_after, int depth,
               const std::string& top) {
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        return;
    }
    std::unique_ptr<DIR, int (*)(DIR*)> owner(dir, ::closedir);
    if (depth > k_max_depth) {
        throw Error(top + ": folders nested more than " + std::to_string(k_max_depth) + " deep");
    }
    while (dirent* entry = ::readdir(dir)) {
        if (total > stop_after) {
            return;
        }
        std::string_view name = entry->d_name;
        if (name == "." || name == "..") {
            continue;
        }
        struct stat info {};
        if (::fstatat(::dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
            continue;
        }
        if (S_ISREG(info.st_mode)) {
            total += static_cast<std::uint64_t>(info.st_size);
        } else if (S_ISDIR(info.st_mode)) {
            int child = ::openat(::dirfd(dir), entry->d_name,
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child >= 0) {
                add_sizes(child, total, stop_after, depth + 1, top);
            }
        }
    }
}

// A layer after the map: its absolute path, and what the user wrote, for messages.
struct LayerSource {
    std::string path;
    std::string written;
};

LayerSource locate(const std::string& layer, const LayerOptions& options,
                   const std::string& function) {
    if (!is_layer_arn(layer)) {
        return {fs::absolute(layer).lexically_normal().string(), layer};
    }
    auto found = options.arn_map.find(layer);
    if (found == options.arn_map.end()) {
        // arn:aws:lambda:<region>:<account>:layer:<name>:<version> → without the version.
        std::size_t colon = layer.rfind(':');
        std::string_view unversioned = std::string_view(layer).substr(0, colon);
        if (std::count(layer.begin(), layer.end(), ':') == 7) {
            found = options.arn_map.find(unversioned);
        }
    }
    if (found == options.arn_map.end()) {
        throw Error("function '" + function + "': layer " + layer +
                    " is a published layer, which lambda-local cannot download: map it to a "
                    "local copy of its content with --layer-map '" +
                    layer + "=DIR' (a folder or a .zip)");
    }
    return {found->second, layer};
}

} // namespace

bool is_layer_arn(std::string_view text) {
    return text.starts_with("arn:");
}

void add_layer_mapping(LayerOptions& options, std::string_view text) {
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size()) {
        throw Error("--layer-map '" + std::string(text) +
                    "': write ARN=PATH (a layer version's ARN, then a local folder or .zip)");
    }
    std::string arn(text.substr(0, equals));
    if (!is_layer_arn(arn) || arn.find(":layer:") == std::string::npos) {
        throw Error("--layer-map '" + std::string(text) + "': '" + arn +
                    "' is not a layer ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)");
    }
    options.arn_map[arn] =
        fs::absolute(std::string(text.substr(equals + 1))).lexically_normal().string();
}

std::uint64_t directory_size(const std::string& dir, std::uint64_t stop_after) {
    std::uint64_t total = 0;
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        add_sizes(fd, total, stop_after, 0, dir);
    }
    return total;
}

void prepare_layers(FunctionSpec& spec, const LayerOptions& options) {
    if (spec.layers.empty()) {
        return;
    }
    const std::string function = "function '" + spec.name + "'";
    if (spec.layers.size() > k_max_layers) {
        throw Error(function + " has " + std::to_string(spec.layers.size()) +
                    " layers: Lambda allows at most " + std::to_string(k_max_layers));
    }
    const std::uint64_t limit = k_max_unzipped_code_bytes;
    std::uint64_t total = directory_size(spec.code_dir, limit);
    std::string parts = "code " + megabytes(total);
    auto over = [&](const std::string& last) {
        return Error(function + ": the code and its layers are over Lambda's limit of 250 MB (" +
                     std::to_string(limit) + " bytes) unzipped: " + parts + last);
    };
    if (total > limit) {
        throw over(" (the code directory " + spec.code_dir + " alone)");
    }
    std::optional<LayerCache> cache;
    std::vector<std::string> folders;
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        LayerSource source = locate(spec.layers[i], options, spec.name);
        const std::string label = "layer " + std::to_string(i + 1) + " (" + source.written + ")";
        struct stat info {};
        if (::stat(source.path.c_str(), &info) != 0) {
            throw Error(function + ": " + label + ": " + source.path + " " +
                        (errno == ENOENT ? std::string("does not exist")
                                         : "cannot be read: " + std::string(std::strerror(errno))));
        }
        std::uint64_t size = 0;
        std::string folder;
        if (S_ISDIR(info.st_mode)) {
            try {
                size = directory_size(source.path, limit - total);
            } catch (const Error& e) {
                throw Error(function + ": " + label + ": " + e.what());
            }
            folder = source.path;
        } else if (S_ISREG(info.st_mode)) {
            try {
                ZipArchive archive(source.path);
                size = archive.unzipped_size();
                if (size <= limit - total) {
                    if (!cache) {
                        cache.emplace(options.cache_dir.empty() ? LayerCache::default_root()
                                                                : options.cache_dir);
                    }
                    folder = cache->extracted(archive, limit - total);
                }
            } catch (const Error& e) {
                throw Error(function + ": " + label + ": " + e.what());
            }
        } else {
            throw Error(function + ": " + label + ": " + source.path +
                        " is neither a folder nor a .zip file");
        }
        if (size > limit - total) {
            // A folder is counted only up to the limit; a zip's size is declared, and it is
            // not extracted.
            parts += ", " + label + (folder.empty() ? " " : " at least ") + megabytes(size);
            throw over(folder.empty() ? " (nothing extracted)" : "");
        }
        parts += ", " + label + " " + megabytes(size);
        total += size;
        folders.push_back(std::move(folder));
    }
    spec.layers = std::move(folders);
}

std::string layer_mount_override() {
    const char* value = std::getenv("LAMBDA_LOCAL_LAYER_MOUNT");
    return value != nullptr ? value : "";
}

} // namespace lambda_local::runtime::layers
