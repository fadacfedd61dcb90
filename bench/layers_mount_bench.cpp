// The time the worker spends laying layers into /opt, per mechanism: in a fresh child each
// time, a new mount namespace (in a user namespace with --rootless), then
// lay_layers_into_opt() timed alone. Not a test: it prints microseconds. See bench/README.md.
//
//   layers_mount_bench [--rootless] [--runs N] LAYER_DIR...
#include "runtime/worker/opt_layers.hpp"
#include "runtime/worker_config.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool write_text(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == ssize_t(text.size());
    if (fd >= 0) {
        ::close(fd);
    }
    return ok;
}

// One run in a child: microseconds of lay_layers_into_opt, or -1 when it failed.
long one_run(const lambda_local::WorkerConfig& config, bool rootless) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
        return -1;
    }
    pid_t child = ::fork();
    if (child == 0) {
        ::close(pipe_fds[0]);
        long result = -1;
        uid_t uid = 65534;
        gid_t gid = 65534;
        bool ready = true;
        if (rootless && ::geteuid() == 0) {
            // A change of user makes a process undumpable, which would leave its /proc/self/
            // files to root: the uid map could not be written.
            ready = ::setgroups(0, nullptr) == 0 && ::setresgid(gid, gid, gid) == 0 &&
                    ::setresuid(uid, uid, uid) == 0 && ::prctl(PR_SET_DUMPABLE, 1) == 0;
        }
        uid = ::geteuid();
        gid = ::getegid();
        int flags = CLONE_NEWNS | (rootless ? CLONE_NEWUSER : 0);
        ready = ready && ::unshare(flags) == 0;
        if (ready && rootless) {
            ready = write_text("/proc/self/setgroups", "deny") &&
                    write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") &&
                    write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
        }
        ready = ready && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
        if (!ready) {
            std::fprintf(stderr, "layers_mount_bench: no namespace: %s\n", std::strerror(errno));
        }
        if (ready) {
            auto start = std::chrono::steady_clock::now();
            std::string why = lambda_local::worker::lay_layers_into_opt(config);
            auto took = std::chrono::steady_clock::now() - start;
            if (why.empty()) {
                result = long(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
            } else {
                std::fprintf(stderr, "layers_mount_bench: %s\n", why.c_str());
            }
        }
        [[maybe_unused]] ssize_t n = ::write(pipe_fds[1], &result, sizeof result);
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    long result = -1;
    if (::read(pipe_fds[0], &result, sizeof result) != sizeof result) {
        result = -1;
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return result;
}

} // namespace

int main(int argc, char** argv) {
    bool rootless = false;
    int runs = 200;
    std::vector<std::string> layers;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--rootless") == 0) {
            rootless = true;
        } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else {
            layers.emplace_back(argv[i]);
        }
    }
    if (layers.empty() || runs <= 0) {
        std::fprintf(stderr, "usage: layers_mount_bench [--rootless] [--runs N] LAYER_DIR...\n");
        return 2;
    }
    std::printf("| Mechanism (%zu layer(s)%s) | median | p90 |\n|---|---|---|\n", layers.size(),
                rootless ? ", user namespace" : "");
    for (const char* mount : {"", "bind-tree", "new-root"}) {
        lambda_local::WorkerConfig config;
        config.layers = layers;
        config.layer_mount = mount;
        std::vector<long> times;
        for (int i = 0; i < runs; ++i) {
            long us = one_run(config, rootless);
            if (us < 0) {
                return 1;
            }
            times.push_back(us);
        }
        std::sort(times.begin(), times.end());
        const char* name = *mount == '\0' ? (layers.size() == 1 ? "bind mount" : "overlay")
                           : std::strcmp(mount, "bind-tree") == 0 ? "merged tree of bind mounts"
                                                                  : "root of its own (no /opt)";
        std::printf("| %s | %ld µs | %ld µs |\n", name, times[times.size() / 2],
                    times[times.size() * 9 / 10]);
    }
    return 0;
}
