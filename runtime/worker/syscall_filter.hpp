// The system-call filter of the handler process (seccomp): the programs the build compiled
// from runtime/worker/filters/syscall_rules.hpp's rules.
#pragma once

#include <string>

namespace lambda_local::worker {

// Installs the filter on the calling thread's process (and every process and program it
// starts afterwards; it cannot be removed), setting no_new_privs first. Each refused call
// fails with EPERM and the process goes on, as in Lambda; clone3 fails with ENOSYS, so that the
// C library falls back to clone, whose flags can be looked at: clone with a namespace flag
// fails with EPERM, threads and fork work. `debugging` (--debug): ptrace passes whole, for the
// gdbserver this process starts; install_tracing_filter() then takes it away again from the
// process itself. Returns why it could not be installed, or "".
std::string install_syscall_filter(bool debugging = false);

// Under --debug, in the handler process once gdbserver has been started: a second filter,
// stacked on the first, refusing ptrace (but PTRACE_TRACEME) with EPERM to this process and
// everything it starts, so that gdbserver is the only tracer in the environment. Returns why
// it could not be installed, or "".
std::string install_tracing_filter();

} // namespace lambda_local::worker
