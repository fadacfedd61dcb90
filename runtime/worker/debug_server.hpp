// `--debug`: gdbserver started by the handler process, attached to it before the function's init.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace lambda_local::worker {

// gdbserver's command line: attached to `pid`, speaking the remote protocol on its standard
// input and output ("-"), which the supervisor relays to the debugger's TCP connection.
std::vector<std::string> gdbserver_arguments(const std::string& gdbserver, pid_t pid);

// In the handler process, after the sandbox is in force and before any handler code runs:
// starts `gdbserver` as its child (so inside the environment, with the same user, limits,
// cgroup and system-call filter), the remote protocol on `channel` (which this process no
// longer holds afterwards), and returns once gdbserver has attached: the process is then
// stopped until the debugger continues it. Returns why not (gdbserver could not run, or ended
// before it attached), or "".
std::string start_debug_server(const std::string& gdbserver, int channel);

} // namespace lambda_local::worker
