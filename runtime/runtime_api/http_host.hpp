// The Runtime API of every environment of one event loop, served by one HTTP server there.
#pragma once

#include "runtime/http/loop_server.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/runtime_api/server.hpp"

#include <map>
#include <memory>

namespace lambda_local::runtime::runtime_api {

// One LoopServer on the loop, with a listening socket per environment: a runtime's requests
// reach its own environment's state by the socket they came through. A /next that waits is a
// request held by the server, not a thread. Destroy it while the loop is not running (after
// the environments it served), as LoopServer asks.
class HttpHost : public Host {
  public:
    explicit HttpHost(loop::EventLoop& loop);
    HttpHost(const HttpHost&) = delete;
    HttpHost& operator=(const HttpHost&) = delete;
    ~HttpHost() override;

    std::unique_ptr<Endpoint> open(Fd listener, std::function<void()> notify,
                                   PeerCheck admits = {}) override;

  private:
    class HttpEndpoint;
    void handle(const http::Request& request, http::Responder responder);
    // The endpoint of `request`'s listener when its connection may use it, else nullptr.
    HttpEndpoint* endpoint_for(const http::Request& request);
    // A streamed /response's body goes to its environment's state as it arrives.
    http::BodyStream stream(const http::Request& head, std::function<void()> resume);

    http::LoopServer m_server;
    std::map<int, HttpEndpoint*> m_endpoints; // by listener id
};

} // namespace lambda_local::runtime::runtime_api
