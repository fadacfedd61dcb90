// Running a command for the end-to-end tests: posix_spawn, pipes read with poll, a time bound.
#include "tests/e2e/process.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lambda_local::e2e {
namespace {

using Clock = std::chrono::steady_clock;

// After the command has exited, how long its pipes may stay open (held by a leftover process).
constexpr std::chrono::seconds k_pipe_grace{5};

[[noreturn]] void fail_setup(std::string_view call) {
    throw std::runtime_error("e2e process helper: " + os_error(call));
}

void make_pipe(Fd& read_end, Fd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        fail_setup("pipe2");
    }
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
}

void set_nonblocking(const Fd& fd) {
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
        fail_setup("fcntl");
    }
}

std::vector<std::string> environment_strings(const RunOptions& options) {
    EnvList vars;
    if (options.env) {
        vars = *options.env;
    } else {
        for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
            std::string_view text(*entry);
            auto eq = text.find('=');
            if (eq != std::string_view::npos) {
                vars.emplace_back(std::string(text.substr(0, eq)),
                                  std::string(text.substr(eq + 1)));
            }
        }
    }
    for (const auto& [key, value] : options.extra_env) {
        auto it = std::find_if(vars.begin(), vars.end(),
                               [&key = key](const auto& var) { return var.first == key; });
        if (it != vars.end()) {
            it->second = value;
        } else {
            vars.emplace_back(key, value);
        }
    }
    std::vector<std::string> strings;
    strings.reserve(vars.size());
    for (const auto& [key, value] : vars) {
        strings.push_back(key + "=" + value);
    }
    return strings;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

// Reads what is available; closes `fd` at end of file or on an error.
void drain(Fd& fd, std::string& into) {
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n > 0) {
            into.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        fd.reset();
        return;
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return -WTERMSIG(status);
    }
    return -1000;
}

// Reaps `pid` if it has exited; true then, with `exit_code` set.
bool try_reap(pid_t pid, int& exit_code) {
    int status = 0;
    pid_t r;
    do {
        r = ::waitpid(pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid) {
        exit_code = decode_status(status);
        return true;
    }
    if (r < 0) {
        exit_code = -1000;
        return true; // not our child any more: nothing to wait for
    }
    return false;
}

std::string command_line(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty()) {
            out += ' ';
        }
        bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"$\\") == std::string::npos;
        out += plain ? arg : "'" + arg + "'";
    }
    return out;
}

std::string tail(const std::string& text, std::size_t max) {
    if (text.size() <= max) {
        return text;
    }
    return "[... " + std::to_string(text.size() - max) + " bytes ...]" +
           text.substr(text.size() - max);
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("run_process: empty argv");
    }
    // A command that closes its stdin early must not kill the test process.
    static const bool sigpipe_ignored = [] {
        std::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)sigpipe_ignored;

    Fd in_read, in_write, out_read, out_write, err_read, err_write;
    if (options.stdin_data) {
        make_pipe(in_read, in_write);
    }
    make_pipe(out_read, out_write);
    make_pipe(err_read, err_write);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (options.stdin_data) {
        posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);

    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t no_signals, all_signals;
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setsigdefault(&attributes, &all_signals);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                              POSIX_SPAWN_SETPGROUP);

    std::vector<std::string> args = argv;
    std::vector<std::string> env = environment_strings(options);
    std::vector<char*> arg_pointers = pointers(args);
    std::vector<char*> env_pointers = pointers(env);

    ProcessResult result;
    result.argv = argv;
    const auto start = Clock::now();
    const auto deadline = start + options.bound;
    pid_t pid = -1;
    int spawn_error = ::posix_spawn(&pid, args[0].c_str(), &actions, &attributes,
                                    arg_pointers.data(), env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawn_error != 0) {
        throw std::runtime_error("e2e process helper: " +
                                 os_error("posix_spawn " + args[0], spawn_error));
    }
    result.pid = pid;
    in_read.reset();
    out_write.reset();
    err_write.reset();
    set_nonblocking(out_read);
    set_nonblocking(err_read);
    std::size_t stdin_written = 0;
    if (in_write) {
        set_nonblocking(in_write);
    }

    bool exited = false;
    Clock::time_point exit_time{};
    bool pipes_held_open = false;
    bool stdout_seen = false;
    for (;;) {
        if (!exited && try_reap(pid, result.exit_code)) {
            exited = true;
            exit_time = Clock::now();
            in_write.reset();
        }
        if (exited && !out_read && !err_read) {
            break;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            break;
        }
        if (exited && now - exit_time > k_pipe_grace) {
            pipes_held_open = true;
            break;
        }
        std::vector<pollfd> fds;
        if (out_read) {
            fds.push_back({out_read.get(), POLLIN, 0});
        }
        if (err_read) {
            fds.push_back({err_read.get(), POLLIN, 0});
        }
        if (in_write) {
            fds.push_back({in_write.get(), POLLOUT, 0});
        }
        // Short slices: the exit of the command is noticed by polling waitpid (with no pipe
        // left open, poll() just sleeps for the slice).
        auto slice = std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(20));
        int timeout_ms =
            static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(slice).count());
        int ready = ::poll(fds.data(), fds.size(), std::max(timeout_ms, 1));
        if (ready < 0 && errno != EINTR) {
            fail_setup("poll");
        }
        for (const auto& p : fds) {
            if (p.revents == 0) {
                continue;
            }
            if (out_read && p.fd == out_read.get()) {
                drain(out_read, result.out);
            } else if (err_read && p.fd == err_read.get()) {
                drain(err_read, result.err);
            } else if (in_write && p.fd == in_write.get()) {
                const std::string& data = *options.stdin_data;
                if (p.revents & (POLLERR | POLLHUP)) {
                    in_write.reset();
                    continue;
                }
                while (stdin_written < data.size()) {
                    ssize_t n = ::write(in_write.get(), data.data() + stdin_written,
                                        data.size() - stdin_written);
                    if (n > 0) {
                        stdin_written += static_cast<std::size_t>(n);
                    } else if (n < 0 && errno == EINTR) {
                        continue;
                    } else {
                        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                            in_write.reset(); // EPIPE: the command stopped reading
                        }
                        break;
                    }
                }
                if (in_write && stdin_written >= data.size()) {
                    in_write.reset();
                }
            }
        }
        if (in_write && stdin_written >= options.stdin_data->size()) {
            in_write.reset();
        }
        if (!result.signal_sent && !exited && !options.signal_when_stderr_contains.empty() &&
            result.err.find(options.signal_when_stderr_contains) != std::string::npos) {
            ::kill(pid, options.signal);
            result.signal_sent = true;
        }
        if (!stdout_seen && !exited && !options.when_stdout_contains.empty() &&
            result.out.find(options.when_stdout_contains) != std::string::npos) {
            stdout_seen = true;
            if (options.on_stdout) {
                options.on_stdout();
            }
        }
    }

    if (!exited) {
        // Past the bound: end the whole process group, reap, and fail the test.
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        int ignored = 0;
        while (!try_reap(pid, ignored)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        result.elapsed = Clock::now() - start;
        FAIL("command did not finish within " << options.bound.count() << " ms and was killed: "
                                              << command_line(argv) << "\nstderr so far:\n"
                                              << tail(result.err, 4000));
    }
    result.elapsed = Clock::now() - start;
    if (pipes_held_open) {
        FAIL_CHECK("the command exited but its stdout/stderr stayed open for more than "
                   << k_pipe_grace.count()
                   << " s (held by a leftover process): " << command_line(argv));
    }
    return result;
}

std::string lambda_local_path() {
    return LL_BUILD_DIR "/lambda-local";
}

ProcessResult lambda_local(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv{lambda_local_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, options);
}

std::string describe(const ProcessResult& result) {
    return "command: " + command_line(result.argv) +
           "\nexit code: " + std::to_string(result.exit_code) +
           "\nelapsed: " + std::to_string(result.elapsed.count()) + " s" +
           "\nstdout: " + tail(result.out, 2000) + "\nstderr: " + tail(result.err, 3000);
}

} // namespace lambda_local::e2e
