// The bytes between a debugger's TCP connection on 127.0.0.1 and gdbserver in an environment.
#pragma once

#include "runtime/loop/event_loop.hpp"
#include "runtime/util/fd.hpp"

#include <functional>
#include <memory>
#include <string>

namespace lambda_local::runtime::debugger {

// One debugging session of one execution environment, on the loop: accepts the first
// connection on `listener` (the DebugPort's, on the host's 127.0.0.1: reachable whatever the
// environment's network namespace) and relays it, both ways, to `server`, the socket whose
// other end is gdbserver's standard input and output inside the environment. A connection that
// comes while one is relayed is closed at once. When the debugger's connection ends, gdbserver
// is told (end of its input) and detaches; when gdbserver ends (the debugger detached, or the
// environment ended), the session is over: `ended` is called once, and the relay stops.
class DebugRelay {
  public:
    DebugRelay(loop::EventLoop& loop, int listener, Fd server, std::function<void()> ended);
    DebugRelay(const DebugRelay&) = delete;
    DebugRelay& operator=(const DebugRelay&) = delete;
    ~DebugRelay();

    // A debugger has connected (it may have left since).
    bool connected_once() const { return m_connected_once; }
    // gdbserver is still there: the session is not over.
    bool active() const { return static_cast<bool>(m_server); }

  private:
    void accept_connections();
    // Moves what can be moved each way, and watches for what comes next.
    void pump();
    void client_gone();
    void end();
    void watch();

    loop::EventLoop& m_loop;
    int m_listener;
    Fd m_server;
    Fd m_client;
    std::string m_to_server;
    std::string m_to_client;
    bool m_connected_once = false;
    bool m_server_input_closed = false;
    std::function<void()> m_ended;
    std::unique_ptr<loop::FdWatch> m_listen_watch;
    std::unique_ptr<loop::FdWatch> m_server_watch;
    std::unique_ptr<loop::FdWatch> m_client_watch;
};

} // namespace lambda_local::runtime::debugger
