// Ctrl-C and SIGTERM turned into a readable file descriptor, for poll loops.
#pragma once

namespace lambda_local {

// Installs SIGINT and SIGTERM handlers (once) that write to a pipe; returns its
// read end, which becomes readable after the first such signal.
int interrupt_fd();
// The signal that was received, or 0.
int received_interrupt();

} // namespace lambda_local
