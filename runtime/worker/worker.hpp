// The worker: one execution environment, serving invocations over the wire protocol.
#pragma once

namespace lambda_local::worker {

// The worker's two descriptors to its supervisor: frames come in on `in` (a socket) and go
// out on `out` (a pipe). Two channels rather than one socket: a reader of a socket wakes the
// writer's side as it frees space, and the handler, asleep on the same socket waiting for its
// next invocation, would be woken for nothing after each answer.
struct Channel {
    int in = 3;
    int out = 4;
};

// Runs an execution environment whose supervisor is at the other end of
// `channel`; returns the worker's exit status. The worker enters the sandbox,
// forks the environment's first process (pid 1 of its pid namespace, which only
// reaps), and that forks the handler process, which loads the handler and serves
// invocations until the supervisor closes its channel, or, for a custom runtime, execs its
// bootstrap, which takes its invocations from the Runtime API the supervisor serves.
int run_worker(Channel channel);

} // namespace lambda_local::worker
