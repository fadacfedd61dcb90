// lambda-local's HTTP/1.1 server on a libuv loop: h2o's configuration, listening and stopping.
#include "runtime/http/loop_server.hpp"

#include "runtime/http/h2o_connection.hpp"
#include "runtime/util/error.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

namespace lambda_local::runtime::http {

namespace {

using detail::Connection;
using detail::Phase;

std::uint64_t milliseconds(std::chrono::milliseconds duration) {
    return duration.count() > 0 ? static_cast<std::uint64_t>(duration.count()) : 0;
}

void collect_handle(uv_handle_t* handle, void* handles) {
    static_cast<std::vector<uv_handle_t*>*>(handles)->push_back(handle);
}

// The open connections, in a list that survives their closing while it is walked.
std::vector<Connection*> open_connections(LoopServer::Core& core) {
    std::vector<Connection*> all;
    for (h2o_linklist_t* node = core.connections.next; node != &core.connections;
         node = node->next) {
        all.push_back(H2O_STRUCT_FROM_MEMBER(Connection, link, node));
    }
    return all;
}

void on_connection(uv_stream_t* listener, int status) {
    if (status == 0) {
        detail::accept_connection(*static_cast<LoopServer::Core*>(listener->data), listener);
    }
}

} // namespace

// A listener of add_listener(): its handle, and whose it is.
struct ExtraListener {
    uv_tcp_t tcp{};
    LoopServer::Core* core = nullptr;
    int id = 0;
};

namespace {

void on_extra_connection(uv_stream_t* stream, int status) {
    auto* listener = static_cast<ExtraListener*>(stream->data);
    if (status == 0) {
        detail::accept_connection(*listener->core, stream, listener->id);
    }
}

void close_extra(ExtraListener* listener) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener->tcp),
             [](uv_handle_t* handle) { delete static_cast<ExtraListener*>(handle->data); });
}

void on_handle_closed(uv_handle_t* handle) {
    --static_cast<LoopServer::Core*>(handle->data)->open_handles;
}

void report_if_stopped(LoopServer::Core& core) {
    if (!core.stopping || core.stop_reported || core.stats.connections != 0 || core.listener_open) {
        return;
    }
    core.stop_reported = true;
    uv_timer_stop(&core.stop_timer);
    if (core.stopped) {
        std::function<void()> stopped = std::move(core.stopped);
        stopped();
    }
}

// stop_timeout has passed: whatever is still open is closed now.
void force_stop(LoopServer::Core& core) {
    core.forced = true;
    for (Connection* c : open_connections(core)) {
        detail::drop_connection(*c);
    }
}

void on_stop_deadline(uv_timer_t* timer) {
    auto& core = *static_cast<LoopServer::Core*>(timer->data);
    force_stop(core);
    report_if_stopped(core);
}

void begin_stop(LoopServer::Core& core) {
    if (core.listener_open) {
        core.listener_open = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&core.listener), on_handle_closed);
    }
    for (auto& [id, listener] : core.extra_listeners) {
        close_extra(listener);
    }
    core.extra_listeners.clear();
    // What h2o_context_request_shutdown() does for HTTP/1 (it also arms HTTP/2's GOAWAY timer,
    // which this server does not speak): answers carry `Connection: close` from now on.
    core.context.shutdown_requested = 1;
    for (Connection* c : open_connections(core)) {
        switch (c->phase) {
        case Phase::Idle:
            detail::drop_connection(*c);
            break;
        case Phase::Head:
            detail::refuse(*c, 503, "the server is stopping");
            break;
        case Phase::Handling:
            if (c->req != nullptr) {
                c->req->http1_is_persistent = 0;
            }
            break;
        case Phase::Body:
        case Phase::Streamed:
        case Phase::Refusing:
            break;
        }
    }
    uv_timer_start(&core.stop_timer, on_stop_deadline, milliseconds(core.options.stop_timeout), 0);
}

// Stop work runs from this timer, outside of h2o's callbacks.
void on_soon(uv_timer_t* timer) {
    auto& core = *static_cast<LoopServer::Core*>(timer->data);
    if (!core.stop_begun) {
        core.stop_begun = true;
        begin_stop(core);
    }
    report_if_stopped(core);
}

// A listening socket for host:port.
Fd listening_socket(const std::string& host, int port, const std::string& where) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    int failed = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    if (failed != 0 || found == nullptr) {
        throw Error("cannot listen on " + where + ": " + ::gai_strerror(failed));
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> address(found, ::freeaddrinfo);
    Fd listener(::socket(address->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) {
        throw Error("cannot listen on " + where + ": " + os_error("socket"));
    }
    int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(listener.get(), address->ai_addr, address->ai_addrlen) != 0) {
        throw Error("cannot listen on " + where + ": " + os_error("bind"));
    }
    if (::listen(listener.get(), 1024) != 0) {
        throw Error("cannot listen on " + where + ": " + os_error("listen"));
    }
    return listener;
}

} // namespace

namespace detail {

void connection_closed(LoopServer::Core& core) {
    if (core.stopping && core.stats.connections == 0) {
        uv_timer_start(&core.soon_timer, on_soon, 0, 0);
    }
}

} // namespace detail

LoopServer::LoopServer(uv_loop_t* loop, LoopServerOptions options, Handler handler)
    : m_core(std::make_unique<Core>()) {
    Core& core = *m_core;
    core.loop = loop;
    core.options = std::move(options);
    core.limits = {core.options.max_head, core.options.max_request_line, core.options.max_body};
    core.handler = std::move(handler);

    h2o_config_init(&core.config);
    core.config.server_name = h2o_iovec_init(H2O_STRLIT("")); // no Server header
    // h2o refuses a chunked body that reaches this size; ours refuses a larger Content-Length.
    core.config.max_request_entity_size = core.options.max_body + 1;
    // h2o's one timeout, from the end of a response to the end of the next request: ours come
    // first, with an answer where one is due.
    core.config.http1.req_timeout =
        milliseconds(core.options.idle_timeout) + milliseconds(core.options.head_timeout) +
        std::max(milliseconds(core.options.body_timeout),
                 core.options.stream_body ? milliseconds(core.options.streamed_body_timeout)
                                          : std::uint64_t{0}) +
        10000;
    core.config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t* host =
        h2o_config_register_host(&core.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t* path = h2o_config_register_path(host, "/", 0);
    auto* slot = reinterpret_cast<detail::HandlerSlot*>(
        h2o_create_handler(path, sizeof(detail::HandlerSlot)));
    slot->handler.on_req = detail::on_request;
    slot->core = &core;

    // The handles of h2o's context and of the deadlines below do not keep the loop running
    // once the server has stopped: the listener and the connections' I/O do while it serves.
    // (h2o's context has a uv_async_t for messages from other threads, which is not used, and
    // a deadline's timer stays armed after its last entry is unlinked.)
    std::vector<uv_handle_t*> before;
    uv_walk(loop, collect_handle, &before);
    h2o_context_init(&core.context, loop, &core.config);
    core.accept.ctx = &core.context;
    core.accept.hosts = core.config.hosts;
    h2o_timeout_init(loop, &core.idle, milliseconds(core.options.idle_timeout));
    h2o_timeout_init(loop, &core.head, milliseconds(core.options.head_timeout));
    h2o_timeout_init(loop, &core.body, milliseconds(core.options.body_timeout));
    h2o_timeout_init(loop, &core.streamed_body, milliseconds(core.options.streamed_body_timeout));
    h2o_timeout_init(loop, &core.write, milliseconds(core.options.write_timeout));
    h2o_timeout_init(loop, &core.linger, detail::k_linger_ms);
    std::vector<uv_handle_t*> after;
    uv_walk(loop, collect_handle, &after);
    for (uv_handle_t* handle : after) {
        if ((handle->type == UV_ASYNC || handle->type == UV_TIMER) &&
            std::find(before.begin(), before.end(), handle) == before.end()) {
            uv_unref(handle);
        }
    }
    h2o_linklist_init_anchor(&core.connections);

    uv_timer_init(loop, &core.stop_timer);
    uv_timer_init(loop, &core.soon_timer);
    core.stop_timer.data = &core;
    core.soon_timer.data = &core;
    core.open_handles = 2;
}

LoopServer::~LoopServer() {
    Core& core = *m_core;
    if (!core.stopping) {
        core.stopping = true;
    }
    if (!core.stop_begun) {
        core.stop_begun = true;
        begin_stop(core);
    }
    if (!core.forced) {
        force_stop(core);
    }
    // The closes complete in the loop; bounded, in case a connection will not close.
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (core.stats.connections > 0 && std::chrono::steady_clock::now() < give_up) {
        uv_run(core.loop, UV_RUN_NOWAIT);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&core.stop_timer), on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&core.soon_timer), on_handle_closed);
    if (core.stats.connections > 0) {
        // h2o's context cannot be disposed of with connections: leave it (and the server's
        // memory) rather than free what the loop still refers to.
        (void)m_core.release();
        return;
    }
    h2o_timeout_dispose(core.loop, &core.idle);
    h2o_timeout_dispose(core.loop, &core.head);
    h2o_timeout_dispose(core.loop, &core.body);
    h2o_timeout_dispose(core.loop, &core.streamed_body);
    h2o_timeout_dispose(core.loop, &core.write);
    h2o_timeout_dispose(core.loop, &core.linger);
    h2o_context_dispose(&core.context); // runs the loop once: the handles above are closed
    while (core.open_handles > 0) {
        uv_run(core.loop, UV_RUN_NOWAIT);
    }
    h2o_config_dispose(&core.config);
}

void LoopServer::listen() {
    const LoopServerOptions& options = m_core->options;
    std::string where = options.host + ":" + std::to_string(options.port);
    listen(listening_socket(options.host, options.port, where));
}

void LoopServer::listen(Fd listener) {
    Core& core = *m_core;
    if (core.listener_open || core.stopping) {
        throw Error("the server is already listening or stopped");
    }
    struct sigaction pipe_action {};
    if (::sigaction(SIGPIPE, nullptr, &pipe_action) == 0 && pipe_action.sa_handler == SIG_DFL) {
        ::signal(SIGPIPE, SIG_IGN);
    }
    int r = uv_tcp_init(core.loop, &core.listener);
    if (r != 0) {
        throw Error("cannot listen: " + os_error("uv_tcp_init", -r));
    }
    core.listener.data = &core;
    ++core.open_handles;
    core.listener_open = true;
    r = uv_tcp_open(&core.listener, listener.get());
    if (r == 0) {
        listener.release(); // libuv closes it
        r = uv_listen(reinterpret_cast<uv_stream_t*>(&core.listener), 1024, on_connection);
    }
    sockaddr_storage bound{};
    int length = sizeof bound;
    if (r == 0) {
        r = uv_tcp_getsockname(&core.listener, reinterpret_cast<sockaddr*>(&bound), &length);
    }
    if (r != 0) {
        core.listener_open = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&core.listener), on_handle_closed);
        throw Error("cannot listen: " + os_error("listen", -r));
    }
    core.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                                  : reinterpret_cast<sockaddr_in&>(bound).sin_port);
}

int LoopServer::port() const {
    return m_core->port;
}

void LoopServer::stop(std::function<void()> stopped) {
    Core& core = *m_core;
    if (core.stopping) {
        return;
    }
    core.stopping = true;
    core.stopped = std::move(stopped);
    uv_timer_start(&core.soon_timer, on_soon, 0, 0);
}

int LoopServer::add_listener(Fd listener) {
    Core& core = *m_core;
    if (core.stopping) {
        throw Error("the server is stopped");
    }
    struct sigaction pipe_action {};
    if (::sigaction(SIGPIPE, nullptr, &pipe_action) == 0 && pipe_action.sa_handler == SIG_DFL) {
        ::signal(SIGPIPE, SIG_IGN);
    }
    auto* extra = new ExtraListener;
    extra->core = &core;
    extra->id = core.next_listener_id++;
    int r = uv_tcp_init(core.loop, &extra->tcp);
    if (r != 0) {
        delete extra;
        throw Error("cannot listen: " + os_error("uv_tcp_init", -r));
    }
    extra->tcp.data = extra;
    r = uv_tcp_open(&extra->tcp, listener.get());
    if (r == 0) {
        listener.release(); // libuv closes it
        r = uv_listen(reinterpret_cast<uv_stream_t*>(&extra->tcp), 128, on_extra_connection);
    }
    if (r != 0) {
        close_extra(extra);
        throw Error("cannot listen: " + os_error("listen", -r));
    }
    core.extra_listeners[extra->id] = extra;
    return extra->id;
}

void LoopServer::remove_listener(int id) {
    Core& core = *m_core;
    auto found = core.extra_listeners.find(id);
    if (found != core.extra_listeners.end()) {
        close_extra(found->second);
        core.extra_listeners.erase(found);
    }
}

LoopServerStats LoopServer::stats() const {
    return m_core->stats;
}

} // namespace lambda_local::runtime::http
