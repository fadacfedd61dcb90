// The Runtime API of one execution environment, served over HTTP on 127.0.0.1.
#pragma once

#include "runtime/http/message.hpp"
#include "runtime/http/server.hpp"
#include "runtime/runtime_api/state.hpp"
#include "runtime/util/fd.hpp"

#include <string>

namespace lambda_local::runtime::runtime_api {

// Answers one request of the runtime from `state`: GET /runtime/invocation/next, POST
// /runtime/invocation/{id}/response and /error, POST /runtime/init/error; 404 for any other
// path, 405 for another method on one of these.
http::Response handle_request(State& state, const http::Request& request);

// A Runtime API on an ephemeral port of 127.0.0.1, for the life of one execution
// environment's runtime. The supervisor waits on notify_fd() next to the worker's socket.
class Server {
  public:
    // Listens and starts serving. Throws lambda_local::Error when it cannot listen.
    Server();
    // Serves on a socket that already listens: under --network isolated, one the worker made
    // on 127.0.0.1:9001 inside the environment's network namespace.
    explicit Server(Fd listener);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    // "127.0.0.1:<port>": the value of AWS_LAMBDA_RUNTIME_API (on the host; inside its own
    // namespace the listener's port is the same).
    std::string address() const;
    // Readable (an eventfd) while Notices may be waiting in state().
    int notify_fd() const { return m_notify.get(); }
    // Resets notify_fd() before the Notices are taken.
    void clear_notify() const;
    State& state() { return m_state; }
    // Ends every waiting /next, lets requests in progress finish, and stops listening.
    // Safe to call more than once.
    void stop();

  private:
    Fd m_notify;
    State m_state;
    http::Server m_http;
};

} // namespace lambda_local::runtime::runtime_api
