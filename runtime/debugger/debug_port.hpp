// `--debug [PORT]`: the port a debugger connects to, and the gdbserver that answers it.
#pragma once

#include "runtime/util/fd.hpp"

#include <memory>
#include <string>

namespace lambda_local::runtime::debugger {

// `--debug` without a port: the one of gdbserver's own manual (`target remote :1234`).
inline constexpr int k_default_debug_port = 1234;

// gdbserver on the PATH (`PATH`, or the default path when unset). Throws lambda_local::Error
// "--debug needs gdbserver ..." when there is none.
std::string find_gdbserver(const char* path = nullptr);

// A listening TCP socket on 127.0.0.1:`port` (non-blocking, close-on-exec). Throws
// lambda_local::Error "--debug: cannot listen on 127.0.0.1:<port>: bind failed: <why>".
Fd listen_on_loopback(int port);

// What a command started with --debug holds for as long as it runs: the listening socket on
// the host's 127.0.0.1 (made before any environment, so that a port in use is an error at
// once), and gdbserver. One execution environment at a time uses it.
struct DebugPort {
    int port = k_default_debug_port;
    std::string gdbserver; // absolute path
    Fd listener;

    // gdbserver found, then the port listened on (0: one the kernel chooses, then in `port`).
    // Throws lambda_local::Error.
    static std::shared_ptr<DebugPort> open(int port);
};

} // namespace lambda_local::runtime::debugger
