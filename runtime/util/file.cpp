// Whole-file reads.
#include "runtime/util/file.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lambda_local {

std::string read_file(const std::string& path, const std::string& what) {
    return read_file(path, what, std::string().max_size());
}

std::string read_file(const std::string& path, const std::string& what, std::size_t limit) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw Error(what + ": cannot open: " + std::strerror(errno));
    }
    std::string text;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw Error(what + ": cannot read: " + std::strerror(errno));
        }
        if (n == 0) {
            return text;
        }
        if (static_cast<std::size_t>(n) > limit - text.size()) {
            throw TooLarge(what + " is over " + std::to_string(limit) + " bytes");
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

std::string read_bounded(std::istream& in, const std::string& what, std::size_t limit) {
    std::string text;
    char buffer[65536];
    while (in) {
        in.read(buffer, sizeof buffer);
        auto n = static_cast<std::size_t>(in.gcount());
        if (n > limit - text.size()) {
            throw TooLarge(what + " is over " + std::to_string(limit) + " bytes");
        }
        text.append(buffer, n);
    }
    if (in.bad()) {
        throw Error(what + ": cannot read");
    }
    return text;
}

std::string base_name(const std::string& path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string own_executable_dir() {
    char path[4096];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        return ".";
    }
    std::string exe(path, static_cast<std::size_t>(n));
    return exe.substr(0, exe.rfind('/'));
}

std::string find_companion(const std::string& name, int access_mode) {
    std::string dir = own_executable_dir();
    for (const std::string& candidate :
         {dir + "/" + name, dir + "/../libexec/lambda-local/" + name}) {
        if (::access(candidate.c_str(), access_mode) == 0) {
            return candidate;
        }
    }
    return "";
}

} // namespace lambda_local
