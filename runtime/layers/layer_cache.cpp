// The layer cache on disk: content keys, extraction beside the cache, and renaming into place.
#include "runtime/layers/layer_cache.hpp"

#include "runtime/layers/zip_extract.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/sha256.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace lambda_local::runtime::layers {
namespace {

namespace fs = std::filesystem;

// Makes `path` and its parents, and checks that the last one is a directory of this user.
void make_private_directory(const std::string& path) {
    std::error_code error;
    fs::create_directories(path, error);
    if (error) {
        throw Error("layer cache " + path + ": cannot create: " + error.message());
    }
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        throw Error("layer cache " + path + ": not a directory");
    }
    if (info.st_uid != ::geteuid()) {
        throw Error("layer cache " + path + ": owned by uid " + std::to_string(info.st_uid) +
                    ", not by this user (set LAMBDA_LOCAL_CACHE_DIR to a directory of yours)");
    }
}

// What identifies one version of a file without reading it: a change of content changes
// its change time (ctime), which no one can set.
std::string file_identity(const struct stat& info) {
    std::ostringstream text;
    text << info.st_dev << ' ' << info.st_ino << ' ' << info.st_size << ' ' << info.st_mtim.tv_sec
         << '.' << info.st_mtim.tv_nsec << ' ' << info.st_ctim.tv_sec << '.'
         << info.st_ctim.tv_nsec;
    return text.str();
}

// Writes `text` to `path` through a temporary file and a rename; failures are ignored (the
// key is then computed again next time).
void write_quietly(const std::string& path, const std::string& text) {
    std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << text;
        if (!out) {
            ::unlink(temporary.c_str());
            return;
        }
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        ::unlink(temporary.c_str());
    }
}

} // namespace

LayerCache::LayerCache(std::string root) : m_root(std::move(root)) {}

std::string LayerCache::default_root() {
    if (const char* dir = std::getenv("LAMBDA_LOCAL_CACHE_DIR"); dir != nullptr && *dir) {
        return fs::absolute(dir).lexically_normal().string();
    }
    if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir != nullptr && *dir == '/') {
        return std::string(dir) + "/lambda-local";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return std::string(home) + "/.cache/lambda-local";
    }
    throw Error("no directory to extract zip layers into: set LAMBDA_LOCAL_CACHE_DIR (or "
                "XDG_CACHE_HOME, or HOME)");
}

std::string LayerCache::content_key(const std::string& zip_path) const {
    Fd fd(::open(zip_path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0) {
        throw Error(zip_path + ": cannot open: " + std::strerror(errno));
    }
    const std::string identity = file_identity(info);
    const std::string keys = m_root + "/keys";
    const std::string memo = keys + "/" + sha256_hex(fs::absolute(zip_path).string());
    {
        std::ifstream in(memo);
        std::string line;
        if (std::getline(in, line) && line.size() > 65 && line.ends_with(identity) &&
            line[64] == ' ' && line.size() == 65 + identity.size()) {
            return line.substr(0, 64);
        }
    }
    Sha256 hash;
    std::string buffer(1 << 16, '\0');
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw Error(zip_path + ": cannot read: " + std::strerror(errno));
        }
        if (n == 0) {
            break;
        }
        hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    std::string key = hash.hex_digest();
    // Remembered only when the file did not change while it was read.
    struct stat after {};
    if (::fstat(fd.get(), &after) == 0 && file_identity(after) == identity) {
        make_private_directory(keys);
        write_quietly(memo, key + " " + identity + "\n");
    }
    return key;
}

std::string LayerCache::extracted(const ZipArchive& archive, std::uint64_t max_bytes) const {
    const std::string layers = m_root + "/layers";
    make_private_directory(m_root);
    std::string key = content_key(archive.path());
    std::string target = layers + "/" + key;
    struct stat info {};
    if (::lstat(target.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
        return target;
    }
    make_private_directory(layers);
    std::string staging = layers + "/.extracting-" + key.substr(0, 16) + "-" +
                          std::to_string(::getpid()) + "-" + random_hex(8);
    if (::mkdir(staging.c_str(), 0755) != 0) {
        throw Error("layer cache " + layers + ": " + os_error("mkdir"));
    }
    auto remove_staging = [&] {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
    };
    try {
        extract_zip(archive, staging, max_bytes);
    } catch (...) {
        remove_staging();
        throw;
    }
    if (::rename(staging.c_str(), target.c_str()) != 0) {
        int error = errno;
        remove_staging();
        // Another run extracted the same zip first: its directory is as good.
        if (error != EEXIST && error != ENOTEMPTY) {
            throw Error("layer cache " + target + ": " + os_error("rename", error));
        }
    }
    return target;
}

} // namespace lambda_local::runtime::layers
