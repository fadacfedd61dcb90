// The h2o row of the serve benchmark: lambda-local's LoopServer (libh2o on libuv) answering "ok"
// to every request on one loop, as bench/httplib_ceiling.cpp does with cpp-httplib.
// Built on request only: `cmake --build build --target h2o_ceiling`.
#include "runtime/http/loop_server.hpp"
#include "runtime/util/error.hpp"

#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace http = lambda_local::runtime::http;

namespace {

// SIGINT and SIGTERM stop the server gracefully, then the loop.
struct Stopper {
    http::LoopServer* server;
    uv_signal_t interrupt;
    uv_signal_t terminate;
};

void on_signal(uv_signal_t* signal, int) {
    auto* stopper = static_cast<Stopper*>(signal->data);
    stopper->server->stop([stopper] {
        uv_close(reinterpret_cast<uv_handle_t*>(&stopper->interrupt), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&stopper->terminate), nullptr);
    });
}

} // namespace

int main(int argc, char** argv) {
    uv_loop_t* loop = uv_default_loop();
    http::LoopServerOptions options;
    options.port = argc > 1 ? std::atoi(argv[1]) : 3902;
    http::LoopServer server(loop, options, [](http::Request, http::Responder responder) {
        http::Response response;
        response.headers = {{"Content-Type", "text/plain"}};
        response.body = "ok";
        responder.respond(std::move(response));
    });
    try {
        server.listen();
    } catch (const lambda_local::Error& error) {
        std::fprintf(stderr, "h2o_ceiling: %s\n", error.what());
        return 1;
    }
    Stopper stopper{&server, {}, {}};
    uv_signal_init(loop, &stopper.interrupt);
    uv_signal_init(loop, &stopper.terminate);
    stopper.interrupt.data = &stopper;
    stopper.terminate.data = &stopper;
    uv_signal_start(&stopper.interrupt, on_signal, SIGINT);
    uv_signal_start(&stopper.terminate, on_signal, SIGTERM);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
