// The worker: one execution environment, serving invocations over the wire protocol.
#pragma once

namespace lambda_local::worker {

// Runs an execution environment whose supervisor is at the other end of
// `socket_fd`; returns the worker's exit status. The worker enters the sandbox,
// forks the environment's first process (pid 1 of its pid namespace, which only
// reaps), and that forks the handler process, which loads the handler and serves
// invocations until the supervisor closes the socket, or, for a custom runtime, execs its
// bootstrap, which takes its invocations from the Runtime API the supervisor serves.
int run_worker(int socket_fd);

} // namespace lambda_local::worker
