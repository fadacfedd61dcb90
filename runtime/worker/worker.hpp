// The worker: one execution environment, serving invocations over the wire protocol.
#pragma once

namespace lambda_local::worker {

// The worker's descriptors to its supervisor (runtime/protocol/wire.hpp has the frames of each).
// `control` never reaches the handler process; `invoke` and `results` reach only it. The
// handler channel is a socket in and a pipe out rather than one socket: a reader of a socket
// wakes the writer's side as it frees space, and the handler, asleep on the same socket
// waiting for its next invocation, would be woken for nothing after each answer.
struct Channels {
    int control = 3; // socket: Config and Proceed in; Network and Exited out
    int invoke = 4;  // socket: Invoke in
    int results = 5; // pipe: Sandbox, Ready, InitError and Result out
    // --debug only (WorkerConfig::gdbserver): a socket to the supervisor, which relays it to
    // the debugger's TCP connection; held by the handler process until gdbserver has it.
    int debug = 6;
};

// Runs an execution environment whose supervisor is at the other end of
// `channels`; returns the worker's exit status. It ends the environment when the supervisor
// closes the control channel. The worker enters the sandbox,
// forks the environment's first process (pid 1 of its pid namespace, which only
// reaps), and that forks the handler process, which loads the handler and serves
// invocations until the supervisor closes its channel, or, for a custom runtime, execs its
// bootstrap, which takes its invocations from the Runtime API the supervisor serves.
int run_worker(Channels channels);

} // namespace lambda_local::worker
