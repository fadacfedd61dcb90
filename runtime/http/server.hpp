// lambda-local's HTTP/1.1 server: a listening socket and a fixed pool of long-lived threads.
#pragma once

#include "runtime/http/message.hpp"
#include "runtime/util/fd.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lambda_local::runtime::http {

// Answers one request. It may block (a Runtime API /next waits for an invocation); it runs on
// one of the server's threads, which live as long as the server.
using Handler = std::function<Response(const Request&)>;

class Server;

// Sends the response to one request, from any thread, once (later calls do nothing). What the
// socket takes at once is sent by the calling thread; the rest, for a client slow to read, by
// the connection's thread, so that the caller never waits on the client.
class Responder {
  public:
    struct Exchange;
    Responder(std::shared_ptr<Exchange> exchange, Server* server)
        : m_exchange(std::move(exchange)), m_server(server) {}
    void operator()(Response response) const;

  private:
    std::shared_ptr<Exchange> m_exchange;
    Server* m_server;
};

// Answers one request through its Responder, now or later from another thread. The
// connection's thread goes back to reading; a next request (pipelined, or after the answer) is
// handled once this answer is out, so answers keep the order of requests. A handler must not
// wait for a later request of its connection.
using AsyncHandler = std::function<void(const Request&, Responder)>;

// How a Server listens and reads.
struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;     // 0: an ephemeral port (see Server::port())
    int threads = 16; // connections served at once; more wait for a thread
    std::size_t max_body = 10 * 1024 * 1024;
    std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds read_timeout{std::chrono::seconds(30)}; // for the rest of a request
    // The answer to a request that cannot be served: 400 (broken), 413 (body over max_body),
    // 431 (head over 64 KiB). The default is a plain-text body.
    std::function<Response(int status)> error_response;
};

// One server. Every connection is served by one thread of the pool at a time, one request
// after another (keep-alive), its responses in the order of its requests; each response
// carries an explicit Content-Length.
class Server {
  public:
    Server(ServerOptions options, Handler handler);
    Server(ServerOptions options, AsyncHandler handler);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    // Binds and listens, and starts the threads. Throws lambda_local::Error:
    // "cannot listen on 127.0.0.1:3000: bind failed: Address already in use".
    void start();
    // Starts on a socket that already listens (made elsewhere: in an environment's network
    // namespace, say).
    void start(Fd listener);
    // The port listened on (the ephemeral one when options.port is 0); valid after start().
    int port() const { return m_port; }
    // Stops accepting, closes idle connections, lets requests in progress finish, and joins
    // the threads. Safe to call more than once.
    void stop();
    // The number of requests being handled now.
    int in_flight() const { return m_in_flight.load(); }

  private:
    friend class Responder;
    void accept_loop();
    void connection_loop();
    void serve_connection(Fd connection, const std::string& remote_ip);

    ServerOptions m_options;
    AsyncHandler m_handler;
    Fd m_listener;
    Fd m_wake_read; // readable once stop() began
    Fd m_wake_write;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_in_flight{0};
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::pair<Fd, std::string>> m_waiting; // accepted connections and their peers
    std::set<int> m_connection_wakes; // each served connection's eventfd: stopping, output left
    std::thread m_acceptor;
    std::vector<std::thread> m_threads;
};

} // namespace lambda_local::runtime::http
