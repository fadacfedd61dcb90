// lambda-local-worker: one execution environment; started by lambda-local with
// its end of the protocol socket as file descriptor 3 and its own pid as argument.
#include "runtime/worker/worker.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

int main(int argc, char** argv) {
    // The environment must not outlive lambda-local, however lambda-local ends.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (argc > 1 && ::getppid() != static_cast<pid_t>(std::atol(argv[1]))) {
        return 1; // lambda-local already ended
    }
    return lambda_local::worker::run_worker(3);
}
