// gdbserver inside the execution environment, attached to the handler process it was forked by.
#include "runtime/worker/debug_server.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace lambda_local::worker {
namespace {

// How long gdbserver may take to attach once started (it attaches at once, without waiting for
// the debugger to connect).
constexpr auto k_attach_bound = std::chrono::seconds(10);

// The TracerPid of /proc/self/status: the process tracing this one, or 0.
long tracer_pid() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("TracerPid:", 0) == 0) {
            return std::atol(line.c_str() + std::strlen("TracerPid:"));
        }
    }
    return 0;
}

std::string ended_how(int status) {
    if (WIFEXITED(status)) {
        return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return "signal " + std::to_string(WTERMSIG(status));
    }
    return "status " + std::to_string(status);
}

} // namespace

std::vector<std::string> gdbserver_arguments(const std::string& gdbserver, pid_t pid) {
    return {gdbserver, "--once", "--attach", "-", std::to_string(pid)};
}

std::string start_debug_server(const std::string& gdbserver, int channel) {
    std::vector<std::string> arguments = gdbserver_arguments(gdbserver, ::getpid());
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    // Not the function's variables: LD_LIBRARY_PATH names the task root before the system's
    // libraries, and gdbserver is not the function.
    char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
    char* envp[] = {path, nullptr};
    pid_t server = ::fork();
    if (server < 0) {
        ::close(channel);
        return os_error("fork");
    }
    if (server == 0) {
        if (::dup2(channel, STDIN_FILENO) < 0 || ::dup2(channel, STDOUT_FILENO) < 0) {
            std::_Exit(126);
        }
        close_descriptors_from(STDERR_FILENO + 1);
        ::execve(argv[0], argv.data(), envp);
        std::string message =
            "lambda-local: --debug: cannot run " + gdbserver + ": " + os_error("execve") + "\n";
        [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, message.data(), message.size());
        std::_Exit(127);
    }
    ::close(channel); // gdbserver's alone: nothing of the function holds it
    // Where Yama restricts ptrace to descendants, a child may trace this process only when
    // named (EINVAL without Yama: nothing to do).
    ::prctl(PR_SET_PTRACER, static_cast<unsigned long>(server), 0, 0, 0);
    auto deadline = std::chrono::steady_clock::now() + k_attach_bound;
    for (;;) {
        // Attached means stopped: this loop goes on when the debugger continues the process.
        if (tracer_pid() != 0) {
            return {};
        }
        int status = 0;
        if (::waitpid(server, &status, WNOHANG) == server) {
            return "gdbserver ended before it attached to the handler process (" +
                   ended_how(status) + ")";
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(server, SIGKILL);
            ::waitpid(server, &status, 0);
            return "gdbserver did not attach to the handler process within 10 s";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

} // namespace lambda_local::worker
