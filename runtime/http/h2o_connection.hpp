// LoopServer's internals around h2o: the server's state, one connection and one exchange.
//
// h2o 2.2.5 (Debian's libh2o) parses and frames HTTP/1.1 itself, but lets a server see a request
// only once its head and whole body are in, answers some malformed requests on its own, and has
// a single timeout for the idle wait, the head and the body. So that every head is checked before
// h2o acts on it (RFC 9112's refusals, 414/431/501, 408 with an answer), a connection interposes
// on the read and write callbacks of its h2o socket (h2o_socket_t::_cb, a public struct):
// bytes reach h2o only after the head that starts them was checked, and the end of each response
// is seen before h2o reads the next request. A connection h2o owns is only ever closed through
// h2o: by reporting a read error to h2o's read callback while h2o reads, or by shutting the
// socket down so that h2o's pending write fails.
//
// A body the handler takes as it arrives (LoopServerOptions::stream_body) never reaches h2o:
// the connection decodes it from h2o's input buffer itself, behind the head, handing each
// piece over and stopping the socket's reads while the consumer waits. Once the body is
// whole, the head is rewritten in the buffer without its Transfer-Encoding, and h2o reads a
// request without a body, which reaches the handler as any other.
#pragma once

#include "runtime/http/chunked_body.hpp"
#include "runtime/http/loop_server.hpp"
#include "runtime/http/request_head.hpp"

#include <h2o.h>
#include <h2o/http1.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

namespace detail {

struct Connection;
struct Exchange;

// What a connection is doing, as far as the server is concerned.
enum class Phase {
    Idle,     // waiting for the first byte of a request
    Head,     // part of a head has arrived
    Body,     // the head was accepted; h2o reads the rest of the request
    Streamed, // the head was accepted; its body goes to a BodyStream as it arrives
    Handling, // the request is with the handler, or its answer is being written
    Refusing, // the server answered an error and closes once the client is done sending
};

// How long a refused client may go on sending before its connection is closed, in ms.
inline constexpr std::uint64_t k_linger_ms = 1000;

// h2o's handler, with the server it belongs to.
struct HandlerSlot {
    h2o_handler_t handler;
    LoopServer::Core* core;
};

// A connection's TCP handle; libuv and h2o only know its address.
struct TcpSlot {
    uv_tcp_t tcp;
    Connection* owner;
};

// A connection's one deadline at a time (idle, head, body, write or linger).
struct TimerSlot {
    h2o_timeout_entry_t entry;
    Connection* owner;
};

// The h2o generator of the response being sent.
struct GeneratorSlot {
    h2o_generator_t generator;
    Connection* owner;
};

// The response being written: the bytes h2o is writing stay here until h2o is done with them.
struct Output {
    std::string sending; // handed to h2o (a whole body, or chunks), until h2o is done with it
    std::string queued;  // written while `sending` was being written
    bool started = false;
    bool chunked = false;        // chunk framing is ours
    bool bodiless = false;       // HEAD, 1xx, 204, 304: no body bytes are sent
    bool in_flight = false;      // an h2o_send awaits its proceed callback
    bool final_sent = false;     // the last h2o_send (final or error) was made
    bool finish_pending = false; // finish() came while a send was in flight
    bool abort_pending = false;  // abort() came while a send was in flight
};

// A request body being taken as it arrives (Phase::Streamed).
struct StreamedBody {
    BodyStream consumer;
    ChunkedDecoder decoder;
    bool paused = false; // the consumer said wait: the socket is not read until it resumes
};

// One accepted connection. Owned by its uv handle: freed when libuv has closed the handle.
struct Connection {
    LoopServer::Core* core = nullptr;
    TcpSlot tcp{};
    h2o_socket_t* socket = nullptr;
    h2o_linklist_t link{}; // in Core::connections while open
    bool closed = false;   // h2o closed its socket
    std::string remote_ip;
    int remote_port = 0;
    int listener = 0; // the id of the listener it was accepted from

    h2o_socket_cb h2o_read = nullptr; // h2o's callbacks, called from ours
    h2o_socket_cb h2o_write = nullptr;

    Phase phase = Phase::Idle;
    TimerSlot timer{};
    std::size_t write_queue_at_check = 0; // for the write deadline: was anything written since?

    HeadScan scan;           // the search for the end of the head being received
    RequestHead head;        // the checked head of the request h2o reads or dispatches next
    bool head_ready = false; // `head` is that of the request h2o reads or dispatches next
    std::size_t head_length = 0;
    std::size_t next_offset = 0; // where the next pipelined request begins in h2o's input

    h2o_req_t* req = nullptr; // the request being handled, until h2o disposes of it
    Exchange* exchange = nullptr;
    GeneratorSlot generator{};
    Output out;

    std::unique_ptr<StreamedBody> streamed; // Phase::Streamed, until the request is dispatched
    HeaderList trailers;                    // of the streamed body, for the handler's request
    bool body_streamed = false;             // the request h2o dispatches next had one
    // This connection while it is open, for a BodyStreamer's `resume` (which may outlive it).
    std::shared_ptr<Connection*> self;
};

// One request and its answer, shared by the copies of its Responder.
struct Exchange : std::enable_shared_from_this<Exchange> {
    enum class State { Pending, Streaming, Complete, Gone };

    Connection* connection = nullptr; // null once the request is over
    State state = State::Pending;
    bool drain_wanted = false;
    std::function<void()> on_drain;
    std::function<void()> on_gone;

    Exchange() = default;
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;
    // Answers 500 to a request left pending, aborts an unfinished stream.
    ~Exchange();
};

// Accepts one connection from `listener` (whose id is `listener_id`) and hands it to h2o.
void accept_connection(LoopServer::Core& core, uv_stream_t* listener, int listener_id = 0);
// h2o's request callback: the request goes to the handler.
int on_request(h2o_handler_t* handler, h2o_req_t* req);
// Closes a connection whatever it is doing (through h2o, as the header comment says).
void drop_connection(Connection& connection);
// Answers `status` to a connection h2o is reading from, then closes it.
void refuse(Connection& connection, int status, std::string_view reason);
// After a call into h2o that may have changed its callbacks: keeps ours in front.
void after_h2o(Connection& connection);
// Links the connection's deadline to `timeout` (unlinking the previous one).
void set_deadline(Connection& connection, h2o_timeout_t& timeout, h2o_timeout_cb expired);
// The request being handled was disposed of by h2o (answered or gone).
void request_disposed(Connection& connection);
// A connection was closed (its memory lives on until libuv has closed its handle).
void connection_closed(LoopServer::Core& core);

// Sends a whole response (Responder::respond).
void send_whole(Connection& connection, Response response);
// Streams (Responder::start, write, finish, abort).
void start_stream(Connection& connection, int status, const HeaderList& headers);
void write_stream(Connection& connection, std::string_view bytes);
void finish_stream(Connection& connection, const HeaderList& trailers);
void abort_stream(Connection& connection);
// The bytes of a streamed response not yet handed to the socket.
std::size_t queued_bytes(const Connection& connection);
// A plain-text error body: "Request Header Fields Too Large: <reason>\n".
std::string error_body(int status, std::string_view reason);

} // namespace detail

// The server's state.
struct LoopServer::Core {
    uv_loop_t* loop = nullptr;
    LoopServerOptions options;
    HeadLimits limits;
    Handler handler;

    h2o_globalconf_t config{};
    h2o_context_t context{};
    h2o_accept_ctx_t accept{};

    uv_tcp_t listener{};
    bool listener_open = false;
    int port = 0;
    // Listeners added with add_listener(), by id; each frees itself once libuv has closed it.
    std::map<int, struct ExtraListener*> extra_listeners;
    int next_listener_id = 1;

    h2o_timeout_t idle{};
    h2o_timeout_t head{};
    h2o_timeout_t body{};
    h2o_timeout_t streamed_body{};
    h2o_timeout_t write{};
    h2o_timeout_t linger{};

    h2o_linklist_t connections{};
    LoopServerStats stats;

    bool stopping = false;   // stop() was called
    bool stop_begun = false; // the listener is closed, idle connections too
    bool forced = false;     // stop_timeout has passed
    bool stop_reported = false;
    std::function<void()> stopped;
    uv_timer_t stop_timer{}; // stop_timeout
    uv_timer_t soon_timer{}; // runs stop work outside h2o's callbacks
    int open_handles = 0;    // of the three above, not yet closed
};

} // namespace lambda_local::runtime::http
