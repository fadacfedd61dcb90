// Writing a package atomically, and the names and sizes its report prints.
#include "runtime/deploy/package_output.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace lambda_local::runtime::deploy {
namespace {

void write_all(int fd, std::string_view bytes, const std::string& path) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw Error(path + ": cannot write: " + std::strerror(errno));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

} // namespace

void write_atomically(const std::string& path, const std::string& bytes) {
    std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) {
        throw Error(path + ": cannot create: " + std::strerror(errno));
    }
    try {
        write_all(fd.get(), bytes, path);
        if (::fsync(fd.get()) != 0) {
            throw Error(path + ": cannot write: " + std::strerror(errno));
        }
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
    fd.reset();
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw Error(path + ": cannot create: " + std::strerror(error));
    }
}

std::string logical_id(const std::string& name, const std::string& suffix) {
    std::string id;
    bool upper = true;
    for (unsigned char c : name) {
        if (std::isalnum(c) == 0) {
            upper = true;
            continue;
        }
        id += static_cast<char>(upper ? std::toupper(c) : c);
        upper = false;
    }
    if (id.empty() || std::isdigit(static_cast<unsigned char>(id.front())) != 0) {
        id = "Handler" + id;
    }
    return id + suffix;
}

std::string size_text(std::uint64_t bytes) {
    char buffer[32];
    if (bytes >= 1024 * 1024) {
        std::snprintf(buffer, sizeof buffer, "%.1f MB", static_cast<double>(bytes) / 1048576.0);
    } else if (bytes >= 1024) {
        std::snprintf(buffer, sizeof buffer, "%.1f KB", static_cast<double>(bytes) / 1024.0);
    } else {
        std::snprintf(buffer, sizeof buffer, "%llu bytes", static_cast<unsigned long long>(bytes));
    }
    return buffer;
}

} // namespace lambda_local::runtime::deploy
