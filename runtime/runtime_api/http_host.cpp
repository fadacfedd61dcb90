// Serving the Runtime API of each environment from one LoopServer, a listener each.
#include "runtime/runtime_api/http_host.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/execution/response_stream.hpp"
#include "runtime/util/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace lambda_local::runtime::runtime_api {
namespace {

// Bodies up to this size reach the state, which answers 413 past k_max_response_payload with
// Lambda's body; past it the server answers 413 by itself.
constexpr std::size_t k_max_read_body = 64u << 20;

// A listening socket on an ephemeral port of 127.0.0.1.
Fd listen_on_loopback(int& port) {
    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) {
        throw Error("cannot start the Runtime API: " + os_error("socket"));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener.get(), 128) != 0) {
        throw Error("cannot start the Runtime API: " + os_error("listen"));
    }
    socklen_t length = sizeof address;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    return listener;
}

// The port a listening socket is bound to.
int bound_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

// A streamed response may pass Lambda's cap by this much before the server refuses it: the
// environment's StreamRelay ends it at the cap first, with Lambda's error.
constexpr std::size_t k_streamed_slack = std::size_t{16} << 20;

http::LoopServerOptions server_options(http::BodyStreamer stream_body) {
    http::LoopServerOptions options;
    // A streamed /response lasts at most as long as its invocation (its deadline ends the
    // runtime, and the connection with it); the server's own bound comes after.
    options.stream_body = std::move(stream_body);
    options.max_streamed_body = k_max_streamed_response + k_streamed_slack;
    options.streamed_body_timeout = std::chrono::minutes(16);
    options.max_body = k_max_read_body;
    // A runtime waits in /next for as long as no invocation comes (Lambda sets no limit).
    options.write_timeout = std::chrono::hours(24 * 365);
    options.idle_timeout = std::chrono::hours(24 * 365);
    options.stop_timeout = std::chrono::milliseconds(500);
    return options;
}

} // namespace

class HttpHost::HttpEndpoint : public Endpoint {
  public:
    HttpEndpoint(HttpHost& host, int listener, int port, std::function<void()> notify,
                 PeerCheck admits)
        : m_host(host), m_listener(listener), m_port(port), m_admits(std::move(admits)),
          m_state(std::move(notify)) {}
    ~HttpEndpoint() override {
        m_host.m_server.remove_listener(m_listener);
        m_host.m_endpoints.erase(m_listener);
        m_state.close(); // a /next still held is answered 500
    }
    std::string address() const override { return "127.0.0.1:" + std::to_string(m_port); }
    State& state() override { return m_state; }
    bool admits(const http::Request& request) const {
        return !m_admits || m_admits(request.remote_ip, request.remote_port, m_port);
    }

  private:
    HttpHost& m_host;
    int m_listener;
    int m_port;
    PeerCheck m_admits;
    State m_state;
};

HttpHost::HttpHost(loop::EventLoop& loop)
    : m_server(loop.uv(),
               server_options([this](const http::Request& head, std::function<void()> resume) {
                   return stream(head, std::move(resume));
               }),
               [this](http::Request request, http::Responder responder) {
                   handle(request, std::move(responder));
               }) {}

http::BodyStream HttpHost::stream(const http::Request& head, std::function<void()> resume) {
    http::BodyStream stream;
    HttpEndpoint* endpoint = endpoint_for(head);
    if (endpoint == nullptr ||
        !begin_streamed_response(endpoint->state(), head, std::move(resume))) {
        return stream; // handle() answers it: 403 for a connection the endpoint refuses
    }
    // The endpoint may go (its environment ended) while the runtime still sends: by its
    // listener id, never by a pointer kept.
    int listener = head.listener;
    stream.piece = [this, listener](std::string_view piece) {
        auto endpoint = m_endpoints.find(listener);
        return endpoint == m_endpoints.end() || endpoint->second->state().stream_bytes(piece);
    };
    stream.aborted = [this, listener](std::string_view) {
        auto endpoint = m_endpoints.find(listener);
        if (endpoint != m_endpoints.end()) {
            endpoint->second->state().stream_broken();
        }
    };
    return stream;
}

HttpHost::~HttpHost() = default;

std::unique_ptr<Endpoint> HttpHost::open(Fd listener, std::function<void()> notify,
                                         PeerCheck admits) {
    int port = 0;
    if (!listener) {
        listener = listen_on_loopback(port);
    } else {
        port = bound_port(listener.get());
    }
    int id = m_server.add_listener(std::move(listener));
    auto endpoint =
        std::make_unique<HttpEndpoint>(*this, id, port, std::move(notify), std::move(admits));
    m_endpoints[id] = endpoint.get();
    return endpoint;
}

HttpHost::HttpEndpoint* HttpHost::endpoint_for(const http::Request& request) {
    auto found = m_endpoints.find(request.listener);
    return found != m_endpoints.end() && found->second->admits(request) ? found->second : nullptr;
}

void HttpHost::handle(const http::Request& request, http::Responder responder) {
    auto found = m_endpoints.find(request.listener);
    if (found != m_endpoints.end() && !found->second->admits(request)) {
        // Another process of the machine than the environment's (another function's handler,
        // under --network host): it may not take this environment's invocations.
        responder.respond({403,
                           {{"Content-Type", "application/json"}},
                           error_payload("AccessDeniedException",
                                         "this connection does not come from the execution "
                                         "environment this Runtime API serves",
                                         false)});
        return;
    }
    if (found == m_endpoints.end()) {
        // The environment is gone while its runtime still talks (its end is near).
        responder.respond({500,
                           {{"Content-Type", "application/json"}},
                           error_payload("InternalServerError", "Internal Server Error", false)});
        return;
    }
    handle_request(found->second->state(), request, [responder](http::Response response) mutable {
        responder.respond(std::move(response));
    });
}

} // namespace lambda_local::runtime::runtime_api
