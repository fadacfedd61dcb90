// Writing all of a buffer, and closing every descriptor above
// the ones a process means to keep.
#include "runtime/util/fd.hpp"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace lambda_local {

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void close_descriptors_from(int lowest) {
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, static_cast<unsigned>(lowest), ~0u, 0u) == 0) {
        return;
    }
#endif
    // Before Linux 5.9: list first, then close (closing while reading the directory would
    // close the directory's own descriptor).
    std::vector<int> open;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        int own = ::dirfd(dir);
        while (dirent* entry = ::readdir(dir)) {
            int fd = std::atoi(entry->d_name);
            if (entry->d_name[0] != '.' && fd >= lowest && fd != own) {
                open.push_back(fd);
            }
        }
        ::closedir(dir);
    } else {
        // No /proc: every possible number up to the limit.
        long limit = ::sysconf(_SC_OPEN_MAX);
        for (int fd = lowest; fd < (limit > 0 ? limit : 65536); ++fd) {
            open.push_back(fd);
        }
    }
    for (int fd : open) {
        ::close(fd);
    }
}

} // namespace lambda_local
