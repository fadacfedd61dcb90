// The handler process's system-call filter as rules, compiled to BPF with libseccomp. The build
// runs this once (generate_filters.cpp) and the worker loads the programs it wrote
// (runtime/worker/syscall_filter.hpp): compiling the rules at each cold start took about 0.7 ms.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace lambda_local::worker {

// The calls the filter refuses, by name, as docs/sandbox.md lists them: those that make or
// enter namespaces, mount, trace or read other processes, load kernel code, use keyrings,
// set the clock, reboot or swap. Modelled on Docker's default profile for a container without
// added capabilities.
const std::vector<const char*>& refused_system_calls();

// The handler process's filter for this machine's architecture and its other ABIs (i386 and
// x32 on x86_64). Each refused call fails with EPERM; clone3 with ENOSYS, so that the C library
// falls back to clone, whose flags can be looked at (clone or unshare with a namespace flag:
// EPERM). ptrace passes only as PTRACE_TRACEME, or whole when `debugging` (--debug), for the
// gdbserver the handler process starts. Throws Error when libseccomp cannot compile it.
std::vector<sock_filter> compile_handler_filter(bool debugging);

// Under --debug, stacked on the handler filter once gdbserver runs: ptrace refused (but
// PTRACE_TRACEME) with EPERM. Throws Error when libseccomp cannot compile it.
std::vector<sock_filter> compile_tracing_filter();

} // namespace lambda_local::worker
