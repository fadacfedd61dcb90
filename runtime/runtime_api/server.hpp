// The Runtime API as the supervisor serves it: one endpoint per execution environment.
#pragma once

#include "runtime/http/message.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/runtime_api/state.hpp"
#include "runtime/util/fd.hpp"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace lambda_local::runtime::runtime_api {

// Answers one request of the runtime from `state`: GET /runtime/invocation/next (held until an
// invocation is posted), POST /runtime/invocation/{id}/response and /error, POST
// /runtime/init/error; 404 for any other path, 405 for another method on one of these. `reply`
// is called once, now or later, on the loop's thread. A streamed /response comes here at its
// end (Request::body_streamed; its trailers Lambda-Runtime-Function-Error-Type and
// Lambda-Runtime-Function-Error-Body, base64, report a mid-stream error), or whole when it was
// not taken as it came (then it is begun and ended at once, or refused).
void handle_request(State& state, const http::Request& request,
                    std::function<void(http::Response)> reply);

// Begins a streamed /response in `state` from its head (POST
// /2018-06-01/runtime/invocation/{id}/response with Lambda-Runtime-Function-Response-Mode:
// streaming, chunked): true when the stream began, its bytes then going to
// state.stream_bytes() as they arrive and its end (with its trailers) to handle_request();
// false for any other request, or one the state refuses, which handle_request() answers.
// `resume` restarts the reading of the body after stream_bytes() answered false.
bool begin_streamed_response(State& state, const http::Request& head, std::function<void()> resume);

// The Runtime API of one execution environment while its runtime lives: an address of its
// own, and the state the runtime's requests drive. Destroying it stops listening and ends a
// waiting /next.
class Endpoint {
  public:
    virtual ~Endpoint() = default;
    // "127.0.0.1:<port>": the value of AWS_LAMBDA_RUNTIME_API.
    virtual std::string address() const = 0;
    virtual State& state() = 0;
};

// Whether a connection may use an endpoint: from the peer's address and port and the
// endpoint's own port (ExecutionEnvironment's: the socket at its other end is held by a process
// of the environment).
using PeerCheck = std::function<bool(const std::string& ip, int port, int endpoint_port)>;

// What serves the Runtime API of every environment of one event loop (an HTTP server on that
// loop, runtime/runtime_api/http_host.hpp). The executable that runs only library handlers has
// none: it has no HTTP stack to load at each cold start.
class Host {
  public:
    virtual ~Host() = default;
    // An endpoint listening on an ephemeral port of 127.0.0.1, or on `listener` when given (a
    // socket made inside the environment's own network namespace). `notify` is called on the
    // loop's thread whenever the state queues a Notice. A request from a connection that
    // `admits` refuses is answered 403 and reaches no state (none: every connection may).
    // Throws lambda_local::Error when it cannot listen.
    virtual std::unique_ptr<Endpoint> open(Fd listener, std::function<void()> notify,
                                           PeerCheck admits = {}) = 0;
};

// Makes the Host of a loop. Empty in the executable without an HTTP stack (lambda-local), which
// hands custom runtimes over to the one with it (lambda-local-serve): see NeedsRuntimeApi.
using HostFactory = std::function<std::unique_ptr<Host>(loop::EventLoop& loop)>;

// Thrown where a custom runtime would need a Runtime API and no HostFactory was given (and by
// `lambda-local test` for a JWT authorizer, whose verification only lambda-local-serve links):
// the command line is then run again by lambda-local-serve (cmd/main.cpp).
class NeedsRuntimeApi : public std::runtime_error {
  public:
    NeedsRuntimeApi() : std::runtime_error("a custom runtime needs lambda-local-serve") {}
};

} // namespace lambda_local::runtime::runtime_api
