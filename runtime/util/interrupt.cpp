// The self-pipe behind interrupt_fd().
#include "runtime/util/interrupt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>

namespace lambda_local {
namespace {

int g_pipe[2] = {-1, -1};
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) {
    g_signal = sig;
    char byte = 1;
    [[maybe_unused]] auto ignored = ::write(g_pipe[1], &byte, 1);
}

} // namespace

int interrupt_fd() {
    if (g_pipe[0] < 0) {
        if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
            return -1;
        }
        struct sigaction action {};
        action.sa_handler = on_signal;
        ::sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
    }
    return g_pipe[0];
}

int received_interrupt() {
    return g_signal;
}

} // namespace lambda_local
