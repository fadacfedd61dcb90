// lambda-local-worker: one execution environment; started by lambda-local with the control
// socket as file descriptor 3 and the handler channel as 4 (a socket, frames in) and 5 (a
// pipe, frames out), under --debug the debugger's channel as 6, and lambda-local's pid as
// argument.
#include "runtime/worker/worker.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
// In the sanitizer build (a CI job) a handler's crash must still end the
// handler process by its signal, as in a normal build, not by ASan's report.
extern "C" const char* __asan_default_options() {
    return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0";
}
#endif

int main(int argc, char** argv) {
    // The environment must not outlive lambda-local, however lambda-local ends.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (argc > 1) {
        if (::getppid() != static_cast<pid_t>(std::atol(argv[1]))) {
            return 1; // lambda-local already ended
        }
        // The environment's processes are forks of this one: their /proc/<pid>/cmdline would
        // tell a handler lambda-local's pid.
        std::memset(argv[1], 0, std::strlen(argv[1]));
    }
    return lambda_local::worker::run_worker({3, 4, 5, 6});
}
