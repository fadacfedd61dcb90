// One connection of a LoopServer: h2o's HTTP/1.1, with our checks in front and our deadlines.
#include "runtime/http/h2o_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <strings.h>

#include <cstring>
#include <exception>
#include <memory>
#include <tuple>
#include <utility>

namespace lambda_local::runtime::http::detail {

namespace {

Connection& of(h2o_socket_t* socket) {
    return *static_cast<Connection*>(socket->on_close.data);
}

Connection& of(h2o_timeout_entry_t* entry) {
    return *reinterpret_cast<TimerSlot*>(entry)->owner;
}

std::string_view input_of(const Connection& c) {
    return {c.socket->input->bytes, c.socket->input->size};
}

void clear_deadline(Connection& c) {
    h2o_timeout_unlink(&c.timer.entry);
}

// Reports an error to h2o's read callback: h2o closes the connection, whatever it was reading.
void close_through_h2o(Connection& c) {
    c.h2o_read(c.socket, h2o_socket_error_closed);
}

void on_socket_read(h2o_socket_t* socket, const char* err);
void on_socket_write(h2o_socket_t* socket, const char* err);

// Keeps our callbacks in front of those h2o set last.
void hook(Connection& c) {
    h2o_socket_t* s = c.socket;
    if (s->_cb.read != nullptr && s->_cb.read != on_socket_read) {
        c.h2o_read = s->_cb.read;
        s->_cb.read = on_socket_read;
    }
    if (s->_cb.write != nullptr && s->_cb.write != on_socket_write) {
        c.h2o_write = s->_cb.write;
        s->_cb.write = on_socket_write;
    }
}

void on_idle_expired(h2o_timeout_entry_t* entry) {
    Connection& c = of(entry);
    ++c.core->stats.dropped;
    close_through_h2o(c);
    after_h2o(c);
}

void on_head_expired(h2o_timeout_entry_t* entry) {
    Connection& c = of(entry);
    ++c.core->stats.dropped;
    refuse(c, 408, "the request head did not arrive in time");
}

void on_body_expired(h2o_timeout_entry_t* entry) {
    Connection& c = of(entry);
    ++c.core->stats.dropped;
    refuse(c, 408, "the request body did not arrive in time");
}

void on_linger_expired(h2o_timeout_entry_t* entry) {
    Connection& c = of(entry);
    close_through_h2o(c);
    after_h2o(c);
}

// The outcome of checking the head at `offset` of h2o's input.
enum class Check { Wait, Accepted, Refused };

// Checks the head that begins at `offset` of the input; on Accepted it is in c.head.
Check check_head(Connection& c, std::size_t offset, int& status, std::string& reason) {
    std::string_view bytes = input_of(c).substr(offset);
    HeadExtent extent = find_head_end(bytes, c.core->limits, c.scan);
    if (extent.kind == HeadExtent::Kind::Incomplete) {
        return Check::Wait;
    }
    if (extent.kind == HeadExtent::Kind::TooLarge) {
        status = extent.status;
        reason = status == 414 ? "the request line is too long" : "the request head is too large";
        return Check::Refused;
    }
    HeadError error;
    if (!parse_request_head(bytes.substr(0, extent.length), c.core->limits, c.head, error)) {
        status = error.status;
        reason = std::move(error.reason);
        return Check::Refused;
    }
    c.head_ready = true;
    c.head_length = extent.length;
    c.scan = {};
    return Check::Accepted;
}

// The consumer of a streamed body learns that it will not be complete (once).
void abort_streamed(Connection& c, std::string_view why) {
    if (!c.streamed) {
        return;
    }
    std::unique_ptr<StreamedBody> streamed = std::move(c.streamed);
    if (streamed->consumer.aborted) {
        try {
            streamed->consumer.aborted(why);
        } catch (...) {
            // A consumer's failure is not the connection's.
        }
    }
}

// The head of the request at the start of the input, without its body (a request as the
// handler's BodyStreamer sees it).
Request head_request(const Connection& c) {
    Request request;
    request.method = c.head.method;
    request.target = c.head.target;
    std::size_t query = request.target.find('?');
    request.path = request.target.substr(0, query);
    if (query != std::string::npos) {
        request.query = request.target.substr(query + 1);
    }
    request.version = c.head.version;
    request.headers = c.head.headers;
    request.remote_ip = c.remote_ip;
    request.remote_port = c.remote_port;
    request.listener = c.listener;
    return request;
}

// Removes `length` bytes at `at` from h2o's input (h2o is not reading it meanwhile).
void erase_input(Connection& c, std::size_t at, std::size_t length) {
    h2o_buffer_t* input = c.socket->input;
    std::memmove(input->bytes + at, input->bytes + at + length, input->size - at - length);
    input->size -= length;
}

// Renames the Transfer-Encoding fields of the head at the start of the input, in place: h2o
// then reads a request without a body once a streamed body is whole. The head keeps its
// length (h2o may have searched part of it for its end already); the handler's request has
// the fields as sent, from the checked head.
void hide_body(Connection& c) {
    constexpr std::string_view k_field = "transfer-encoding:";
    constexpr std::string_view k_renamed = "x-streamed-body--:";
    static_assert(k_field.size() == k_renamed.size());
    char* head = c.socket->input->bytes;
    std::size_t at = 0;
    while (at < c.head_length) {
        const void* found = std::memchr(head + at, '\n', c.head_length - at);
        std::size_t end = found ? static_cast<std::size_t>(static_cast<const char*>(found) - head)
                                : c.head_length;
        if (end - at >= k_field.size() &&
            ::strncasecmp(head + at, k_field.data(), k_field.size()) == 0) {
            std::memcpy(head + at, k_renamed.data(), k_renamed.size());
        }
        at = end + 1;
    }
}

void on_socket_read(h2o_socket_t* socket, const char* err);
void expect_body(Connection& c);

// The streamed body is whole: h2o reads the head alone, and dispatches the request.
void streamed_body_complete(Connection& c) {
    c.trailers = c.streamed->decoder.trailers();
    c.body_streamed = true;
    bool paused = c.streamed->paused;
    c.streamed.reset();
    hide_body(c);
    c.head.framing = BodyFraming::None;
    if (paused) {
        h2o_socket_read_start(c.socket, on_socket_read);
    }
    expect_body(c);
    c.h2o_read(c.socket, nullptr);
    after_h2o(c);
}

// Decodes what the input holds of a streamed body, handing its pieces to the consumer, until
// the input is used up, the consumer waits, or the body is whole.
void pump_streamed(Connection& c) {
    while (c.streamed && !c.streamed->paused && !c.closed) {
        StreamedBody& streamed = *c.streamed;
        std::string_view input = input_of(c).substr(c.head_length);
        if (input.empty() && !streamed.decoder.complete()) {
            return;
        }
        ChunkedDecoder::Step step = streamed.decoder.feed(input);
        if (streamed.decoder.failed()) {
            int status = streamed.decoder.status();
            std::string reason = streamed.decoder.reason();
            abort_streamed(c, reason);
            refuse(c, status, reason);
            return;
        }
        bool more = true;
        if (!step.data.empty()) {
            try {
                // A view into the input: valid during the call only.
                more = streamed.consumer.piece(step.data);
            } catch (...) {
                more = true; // a consumer's failure is not the connection's
            }
            if (c.closed || !c.streamed || c.phase != Phase::Streamed) {
                return; // the consumer dropped the connection
            }
        }
        erase_input(c, c.head_length, step.consumed);
        if (!more) {
            c.streamed->paused = true;
            h2o_socket_read_stop(c.socket);
            return;
        }
        if (c.streamed->decoder.complete()) {
            streamed_body_complete(c);
            return;
        }
        if (step.consumed == 0) {
            return;
        }
    }
}

// A consumer that waited is ready for more.
void resume_streamed(Connection& c) {
    if (c.closed || !c.streamed || !c.streamed->paused) {
        return;
    }
    c.streamed->paused = false;
    h2o_socket_read_start(c.socket, on_socket_read);
    pump_streamed(c);
}

void on_streamed_body_expired(h2o_timeout_entry_t* entry) {
    Connection& c = of(entry);
    ++c.core->stats.dropped;
    abort_streamed(c, "the request body did not arrive in time");
    refuse(c, 408, "the request body did not arrive in time");
}

// The head just accepted has a body the handler takes as it arrives, when its BodyStreamer
// says so: from here on the connection decodes it (Phase::Streamed).
bool begin_streamed(Connection& c) {
    LoopServer::Core& core = *c.core;
    if (!core.options.stream_body || c.head.framing != BodyFraming::Chunked) {
        return false;
    }
    if (!c.self) {
        c.self = std::make_shared<Connection*>(&c);
    }
    std::weak_ptr<Connection*> self = c.self;
    BodyStream consumer;
    try {
        consumer = core.options.stream_body(head_request(c), [self] {
            if (auto connection = self.lock(); connection && *connection != nullptr) {
                resume_streamed(**connection);
            }
        });
    } catch (...) {
        return false;
    }
    if (!consumer.piece) {
        return false;
    }
    ChunkedLimits limits;
    limits.max_body = core.options.max_streamed_body;
    limits.max_trailers = core.options.max_head;
    c.streamed =
        std::make_unique<StreamedBody>(StreamedBody{std::move(consumer), ChunkedDecoder(limits)});
    c.phase = Phase::Streamed;
    set_deadline(c, core.streamed_body, on_streamed_body_expired);
    // h2o, which sees the head only once the body is in, would not answer a client that waits
    // for 100 Continue (curl does, for a chunked upload) before it sends its body.
    const std::string* expect = find_header(c.head.headers, "Expect");
    if (expect != nullptr && ::strcasecmp(expect->c_str(), "100-continue") == 0) {
        char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
        uv_buf_t buffer = uv_buf_init(interim, sizeof interim - 1);
        uv_try_write(reinterpret_cast<uv_stream_t*>(&c.tcp.tcp), &buffer, 1);
    }
    return true;
}

// The head was accepted: h2o reads the body, if there is one, within body_timeout.
void expect_body(Connection& c) {
    c.phase = Phase::Body;
    if (c.head.framing == BodyFraming::None) {
        clear_deadline(c); // h2o hands the request over at once
    } else {
        set_deadline(c, c.core->body, on_body_expired);
    }
}

void on_socket_read(h2o_socket_t* socket, const char* err) {
    Connection& c = of(socket);
    if (err != nullptr) {
        c.h2o_read(socket, err);
        after_h2o(c);
        return;
    }
    if (c.phase == Phase::Refusing) {
        h2o_buffer_consume(&socket->input, socket->input->size);
        return;
    }
    if (c.phase == Phase::Streamed) {
        pump_streamed(c);
        return;
    }
    if (c.phase == Phase::Idle || c.phase == Phase::Head) {
        int status = 0;
        std::string reason;
        switch (check_head(c, 0, status, reason)) {
        case Check::Wait:
            if (c.phase == Phase::Idle) {
                c.phase = Phase::Head;
                set_deadline(c, c.core->head, on_head_expired);
            }
            return; // h2o sees the head once it is whole
        case Check::Refused:
            refuse(c, status, reason);
            return;
        case Check::Accepted:
            if (begin_streamed(c)) {
                pump_streamed(c);
                return;
            }
            expect_body(c);
            break;
        }
    }
    c.h2o_read(socket, nullptr);
    after_h2o(c);
}

void on_socket_write(h2o_socket_t* socket, const char* err) {
    Connection& c = of(socket);
    // The last write of a response: h2o reads the next request as soon as it returns. Check the
    // head of a pipelined request first; a refused one is cut off before h2o sees it.
    Check next = Check::Wait;
    int status = 0;
    std::string reason;
    if (err == nullptr && c.out.final_sent && c.req != nullptr && c.req->http1_is_persistent) {
        c.scan = {};
        if (c.next_offset < c.socket->input->size) {
            next = check_head(c, c.next_offset, status, reason);
            if (next == Check::Refused) {
                c.socket->input->size = c.next_offset;
            }
        }
    }
    c.h2o_write(socket, err);
    after_h2o(c);
    if (next == Check::Refused && !c.closed) {
        refuse(c, status, reason);
    }
}

void on_socket_closed(void* data) {
    auto& c = *static_cast<Connection*>(data);
    c.closed = true;
    if (c.self) {
        *c.self = nullptr;
    }
    abort_streamed(c, "the connection closed");
    clear_deadline(c);
    h2o_linklist_unlink(&c.link);
    --c.core->stats.connections;
    connection_closed(*c.core);
}

void on_tcp_closed(uv_handle_t* handle) {
    std::unique_ptr<Connection> owned(reinterpret_cast<TcpSlot*>(handle)->owner);
}

// Lives in a request's memory pool: its disposal is the end of the request.
struct PoolSentinel {
    Connection* connection;
};

void on_pool_disposed(void* sentinel) {
    request_disposed(*static_cast<PoolSentinel*>(sentinel)->connection);
}

// The peer's address and port, or "" and 0.
std::pair<std::string, int> peer_of(uv_tcp_t* tcp) {
    sockaddr_storage address{};
    int length = sizeof address;
    if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return {};
    }
    char text[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (address.ss_family == AF_INET) {
        auto* ip4 = reinterpret_cast<sockaddr_in*>(&address);
        uv_ip4_name(ip4, text, sizeof text);
        port = ntohs(ip4->sin_port);
    } else if (address.ss_family == AF_INET6) {
        auto* ip6 = reinterpret_cast<sockaddr_in6*>(&address);
        uv_ip6_name(ip6, text, sizeof text);
        port = ntohs(ip6->sin6_port);
    }
    return {text, port};
}

// Answers an error to a request h2o dispatched, and closes the connection after it.
void answer_error(Connection& c, h2o_req_t* req, int status, const std::string& reason) {
    ++c.core->stats.refused;
    std::string body = error_body(status, reason);
    h2o_send_error_generic(req, status, reason_phrase(status).data(), body.c_str(),
                           H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
}

Request take_request(Connection& c, h2o_req_t* req) {
    Request request;
    request.method = std::move(c.head.method);
    request.target = std::move(c.head.target);
    std::size_t query = request.target.find('?');
    request.path = request.target.substr(0, query);
    if (query != std::string::npos) {
        request.query = request.target.substr(query + 1);
    }
    request.version = std::move(c.head.version);
    request.headers = std::move(c.head.headers);
    if (req->entity.base != nullptr) {
        request.body.assign(req->entity.base, req->entity.len);
    }
    request.remote_ip = c.remote_ip;
    request.remote_port = c.remote_port;
    request.listener = c.listener;
    request.body_streamed = std::exchange(c.body_streamed, false);
    request.trailers = std::move(c.trailers);
    c.trailers.clear();
    return request;
}

// Parts the request from its exchange; a responder not done learns that its client is gone.
void detach_exchange(Connection& c) {
    Exchange* exchange = c.exchange;
    if (exchange == nullptr) {
        return;
    }
    c.exchange = nullptr;
    exchange->connection = nullptr;
    if (exchange->state != Exchange::State::Pending &&
        exchange->state != Exchange::State::Streaming) {
        return;
    }
    exchange->state = Exchange::State::Gone;
    // Released after the call: they may hold the last copy of the responder.
    std::shared_ptr<Exchange> keep = exchange->shared_from_this();
    std::function<void()> gone = std::move(keep->on_gone);
    std::function<void()> drain = std::move(keep->on_drain);
    if (gone) {
        try {
            gone();
        } catch (...) {
            // A callback's failure is not the connection's.
        }
    }
}

} // namespace

void set_deadline(Connection& c, h2o_timeout_t& timeout, h2o_timeout_cb expired) {
    h2o_timeout_unlink(&c.timer.entry);
    c.timer.entry.cb = expired;
    h2o_timeout_link(c.core->loop, &timeout, &c.timer.entry);
}

void after_h2o(Connection& c) {
    if (c.closed) {
        return;
    }
    hook(c);
    // After a response, h2o went on with bytes that were already in: a pipelined request.
    if (c.phase == Phase::Idle && c.socket->input->size > 0 && c.socket->_cb.read != nullptr) {
        if (c.head_ready) {
            expect_body(c);
        } else {
            c.phase = Phase::Head;
            set_deadline(c, c.core->head, on_head_expired);
        }
    }
}

void refuse(Connection& c, int status, std::string_view reason) {
    abort_streamed(c, reason);
    ++c.core->stats.refused;
    c.phase = Phase::Refusing;
    std::optional<Response> own;
    if (status == 413 && c.core->options.body_too_large) {
        try {
            own = c.core->options.body_too_large(head_request(c));
        } catch (...) {
            own.reset(); // the server's own answer, then
        }
    }
    std::string answer;
    if (own) {
        answer = serialize_response(*own, false);
    } else {
        std::string body = error_body(status, reason);
        answer = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) +
                 "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    }
    // Small enough for the socket's buffer; a client that filled it gets no answer.
    uv_buf_t buffer = uv_buf_init(answer.data(), static_cast<unsigned>(answer.size()));
    uv_try_write(reinterpret_cast<uv_stream_t*>(&c.tcp.tcp), &buffer, 1);
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&c.tcp.tcp), &fd) == 0) {
        ::shutdown(fd, SHUT_WR);
    }
    // What the client sends from now on is read and dropped, so that closing does not reset
    // the connection before the answer is read; its end closes the connection.
    h2o_buffer_consume(&c.socket->input, c.socket->input->size);
    c.timer.entry.cb = on_linger_expired;
    h2o_timeout_unlink(&c.timer.entry);
    h2o_timeout_link(c.core->loop, &c.core->linger, &c.timer.entry);
}

void drop_connection(Connection& c) {
    if (c.closed) {
        return;
    }
    switch (c.phase) {
    case Phase::Idle:
    case Phase::Head:
    case Phase::Body:
    case Phase::Streamed:
    case Phase::Refusing:
        close_through_h2o(c); // h2o is reading (or reads once a streamed body is whole)
        after_h2o(c);
        return;
    case Phase::Handling:
        break;
    }
    // h2o writes, or waits for the handler: give it something to write (h2o only closes a
    // connection when a read or a write fails), then make its writes fail. The responder
    // learns at once that its client is gone.
    detach_exchange(c);
    if (c.closed) {
        return;
    }
    if (c.req != nullptr && !c.out.started) {
        c.req->http1_is_persistent = 0;
        Response response;
        response.status = 503;
        response.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
        response.body = error_body(503, "the server closed the connection");
        send_whole(c, std::move(response));
    } else if (c.req != nullptr && !c.out.in_flight && !c.out.final_sent) {
        abort_stream(c);
    }
    if (c.closed) {
        return;
    }
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&c.tcp.tcp), &fd) == 0) {
        ::shutdown(fd, SHUT_RDWR);
    }
}

void accept_connection(LoopServer::Core& core, uv_stream_t* listener, int listener_id) {
    auto owned = std::make_unique<Connection>();
    Connection& c = *owned;
    c.core = &core;
    c.listener = listener_id;
    c.tcp.owner = &c;
    c.timer.owner = &c;
    c.generator.owner = &c;
    if (uv_tcp_init(core.loop, &c.tcp.tcp) != 0) {
        return;
    }
    auto* stream = reinterpret_cast<uv_stream_t*>(&c.tcp.tcp);
    static_cast<void>(owned.release()); // from here on, on_tcp_closed frees it
    if (uv_accept(listener, stream) != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(stream), on_tcp_closed);
        return;
    }
    uv_tcp_nodelay(&c.tcp.tcp, 1);
    std::tie(c.remote_ip, c.remote_port) = peer_of(&c.tcp.tcp);
    c.socket = h2o_uv_socket_create(stream, on_tcp_closed);
    c.socket->on_close.cb = on_socket_closed;
    c.socket->on_close.data = &c;
    h2o_linklist_insert(&core.connections, &c.link);
    ++core.stats.connections;
    set_deadline(c, core.idle, on_idle_expired);
    timeval now{};
    ::gettimeofday(&now, nullptr);
    h2o_http1_accept(&core.accept, c.socket, now);
    after_h2o(c);
}

int on_request(h2o_handler_t* handler, h2o_req_t* req) {
    LoopServer::Core& core = *reinterpret_cast<HandlerSlot*>(handler)->core;
    Connection& c = of(req->conn->callbacks->get_socket(req->conn));
    if (!c.head_ready) {
        // A head h2o took from its buffer without our seeing it first: check it now (h2o has
        // lower-cased its field names in place).
        c.scan = {};
        int status = 400;
        std::string reason = "a malformed request head";
        if (check_head(c, 0, status, reason) != Check::Accepted) {
            c.phase = Phase::Handling;
            clear_deadline(c);
            answer_error(c, req, status, reason);
            return 0;
        }
    }
    c.head_ready = false;
    c.phase = Phase::Handling;
    clear_deadline(c);
    if (core.stopping) {
        req->http1_is_persistent = 0;
    }
    c.next_offset =
        req->entity.base != nullptr
            ? static_cast<std::size_t>(req->entity.base + req->entity.len - c.socket->input->bytes)
            : c.head_length;
    c.req = req;
    c.out = {};
    static_cast<PoolSentinel*>(
        h2o_mem_alloc_shared(&req->pool, sizeof(PoolSentinel), on_pool_disposed))
        ->connection = &c;
    auto exchange = std::make_shared<Exchange>();
    exchange->connection = &c;
    c.exchange = exchange.get();
    ++core.stats.requests;
    try {
        core.handler(take_request(c, req), Responder(std::move(exchange)));
    } catch (...) {
        // The handler failed: its responder, if it was left unanswered, answered 500 as it went.
    }
    after_h2o(c);
    return 0;
}

void request_disposed(Connection& c) {
    detach_exchange(c);
    c.req = nullptr;
    c.out = {};
    if (!c.closed) {
        c.phase = Phase::Idle;
        c.scan = {};
        set_deadline(c, c.core->idle, on_idle_expired);
    }
}

} // namespace lambda_local::runtime::http::detail
