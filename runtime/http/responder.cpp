// The answer to one request of a LoopServer, written through h2o: whole, or streamed in chunks.
#include "runtime/http/responder.hpp"

#include "runtime/http/h2o_connection.hpp"

#include <strings.h>

#include <cstdio>
#include <utility>

namespace lambda_local::runtime::http {

namespace detail {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Headers the server writes itself.
bool is_framing_header(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
           iequals(name, "connection") || iequals(name, "keep-alive") || iequals(name, "date");
}

// A copy of `value` in the request's pool, with CR, LF and NUL made spaces.
h2o_iovec_t pool_value(h2o_req_t* req, std::string_view value) {
    h2o_iovec_t copy = h2o_strdup(&req->pool, value.data(), value.size());
    for (std::size_t i = 0; i < copy.len; ++i) {
        char& c = copy.base[i];
        if (c == '\r' || c == '\n' || c == '\0') {
            c = ' ';
        }
    }
    return copy;
}

void add_headers(h2o_req_t* req, const HeaderList& headers) {
    for (const auto& [name, value] : headers) {
        if (!is_field_name(name) || is_framing_header(name)) {
            continue;
        }
        h2o_iovec_t name_copy = h2o_strdup(&req->pool, name.data(), name.size());
        h2o_iovec_t value_copy = pool_value(req, value);
        h2o_add_header_by_str(&req->pool, &req->res.headers, name_copy.base, name_copy.len, 0,
                              nullptr, value_copy.base, value_copy.len);
    }
}

bool is_head_request(const h2o_req_t* req) {
    return h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD"));
}

bool is_bodiless_status(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

void set_status(h2o_req_t* req, int status) {
    if (status < 100 || status > 999) {
        status = 500;
    }
    req->res.status = status;
    req->res.reason = reason_phrase(status).data();
}

Connection& of(h2o_generator_t* generator) {
    return *reinterpret_cast<GeneratorSlot*>(generator)->owner;
}

void on_write_expired(h2o_timeout_entry_t* entry) {
    Connection& c = *reinterpret_cast<TimerSlot*>(entry)->owner;
    std::size_t queued = c.tcp.tcp.write_queue_size;
    if (queued == 0 || queued < c.write_queue_at_check) {
        // The client read something since the last check (or h2o is about to hear it did).
        c.write_queue_at_check = queued;
        set_deadline(c, c.core->write, on_write_expired);
        return;
    }
    ++c.core->stats.dropped;
    drop_connection(c);
}

// Hands `c.out.sending` to h2o. The request may be over when it returns.
void send(Connection& c, h2o_send_state_t state) {
    h2o_iovec_t buffer = h2o_iovec_init(c.out.sending.data(), c.out.sending.size());
    bool empty = c.out.sending.empty();
    c.out.in_flight = state == H2O_SEND_STATE_IN_PROGRESS;
    if (!c.out.in_flight) {
        c.out.final_sent = true;
    }
    h2o_req_t* req = c.req;
    h2o_send(req, empty ? nullptr : &buffer, empty ? 0 : 1, state);
    // A deadline only for what the socket did not take at once (h2o hears of the rest on the
    // loop's next turn).
    if (c.req != nullptr && c.tcp.tcp.write_queue_size > 0) {
        c.write_queue_at_check = c.tcp.tcp.write_queue_size;
        set_deadline(c, c.core->write, on_write_expired);
    }
    after_h2o(c);
}

void append_chunk(std::string& out, std::string_view bytes, bool chunked) {
    if (!chunked) {
        out.append(bytes);
        return;
    }
    char size[24];
    int length = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    out.append(size, static_cast<std::size_t>(length));
    out.append(bytes);
    out.append("\r\n");
}

// h2o wrote what it was given: send what came meanwhile, then let the writer go on.
void on_proceed(h2o_generator_t* generator, h2o_req_t*) {
    Connection& c = of(generator);
    c.out.in_flight = false;
    c.out.sending.clear();
    h2o_timeout_unlink(&c.timer.entry);
    if (c.out.abort_pending) {
        c.out.sending.swap(c.out.queued);
        send(c, H2O_SEND_STATE_ERROR);
        return;
    }
    if (!c.out.queued.empty() || c.out.finish_pending) {
        c.out.sending.swap(c.out.queued);
        send(c, c.out.finish_pending ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
        c.out.finish_pending = false;
    }
    if (c.exchange == nullptr || !c.exchange->drain_wanted || !c.out.queued.empty() ||
        c.out.final_sent) {
        return;
    }
    c.exchange->drain_wanted = false;
    if (c.exchange->on_drain) {
        std::shared_ptr<Exchange> keep = c.exchange->shared_from_this();
        std::function<void()> drain = keep->on_drain; // the callback may replace itself
        try {
            drain();
        } catch (...) {
            // A callback's failure is not the connection's.
        }
    }
}

// h2o ends the response before it is complete (its client is gone).
void on_stop(h2o_generator_t* generator, h2o_req_t*) {
    Connection& c = of(generator);
    c.out.in_flight = false;
}

void begin(Connection& c, int status, const HeaderList& headers) {
    c.out.started = true;
    if (c.core->stopping) {
        c.req->http1_is_persistent = 0; // `Connection: close`
    }
    c.generator.generator.proceed = on_proceed;
    c.generator.generator.stop = on_stop;
    set_status(c.req, status);
    add_headers(c.req, headers);
}

} // namespace

std::string error_body(int status, std::string_view reason) {
    std::string body(reason_phrase(status));
    if (!reason.empty()) {
        body += ": ";
        body += reason;
    }
    body += '\n';
    return body;
}

std::size_t queued_bytes(const Connection& c) {
    return c.out.queued.size();
}

void send_whole(Connection& c, Response response) {
    if (c.req == nullptr || c.out.started) {
        return;
    }
    h2o_req_t* req = c.req;
    begin(c, response.status, response.headers);
    bool bodiless = is_bodiless_status(req->res.status);
    req->res.content_length = bodiless ? SIZE_MAX : response.body.size();
    if (!bodiless && !is_head_request(req)) {
        c.out.sending = std::move(response.body);
    }
    h2o_start_response(req, &c.generator.generator);
    send(c, H2O_SEND_STATE_FINAL);
}

void start_stream(Connection& c, int status, const HeaderList& headers) {
    if (c.req == nullptr || c.out.started) {
        return;
    }
    h2o_req_t* req = c.req;
    begin(c, status, headers);
    req->res.content_length = SIZE_MAX;
    c.out.bodiless = is_head_request(req) || is_bodiless_status(req->res.status);
    if (!c.out.bodiless) {
        if (req->version >= 0x101) {
            c.out.chunked = true;
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_TRANSFER_ENCODING, nullptr,
                           H2O_STRLIT("chunked"));
        } else {
            req->http1_is_persistent =
                0; // HTTP/1.0: the end of the body is the end of the connection
        }
    }
    h2o_start_response(req, &c.generator.generator);
    send(c, H2O_SEND_STATE_IN_PROGRESS); // the status line and headers
}

void write_stream(Connection& c, std::string_view bytes) {
    if (c.req == nullptr || !c.out.started || c.out.final_sent || c.out.finish_pending ||
        c.out.abort_pending || c.out.bodiless || bytes.empty()) {
        return;
    }
    if (c.out.in_flight) {
        append_chunk(c.out.queued, bytes, c.out.chunked);
        return;
    }
    append_chunk(c.out.sending, bytes, c.out.chunked);
    send(c, H2O_SEND_STATE_IN_PROGRESS);
}

void finish_stream(Connection& c, const HeaderList& trailers) {
    if (c.req == nullptr || !c.out.started || c.out.final_sent || c.out.finish_pending ||
        c.out.abort_pending) {
        return;
    }
    std::string end;
    if (c.out.chunked) {
        end = "0\r\n";
        for (const auto& [name, value] : trailers) {
            if (!is_field_name(name) || is_framing_header(name)) {
                continue;
            }
            end += name;
            end += ": ";
            for (char ch : value) {
                end += (ch == '\r' || ch == '\n' || ch == '\0') ? ' ' : ch;
            }
            end += "\r\n";
        }
        end += "\r\n";
    }
    if (c.out.in_flight) {
        c.out.queued += end;
        c.out.finish_pending = true;
        return;
    }
    c.out.sending = std::move(end);
    send(c, H2O_SEND_STATE_FINAL);
}

void abort_stream(Connection& c) {
    if (c.req == nullptr || c.out.final_sent || c.out.abort_pending) {
        return;
    }
    if (!c.out.started) {
        // Nothing was sent yet: a 500 head, then the end of the connection.
        c.req->http1_is_persistent = 0;
        start_stream(c, 500, {});
        if (c.req == nullptr) {
            return;
        }
    }
    if (c.out.in_flight) {
        c.out.abort_pending = true; // after what was written before
        return;
    }
    send(c, H2O_SEND_STATE_ERROR);
}

Exchange::~Exchange() {
    Connection* c = connection;
    if (c == nullptr) {
        return;
    }
    c->exchange = nullptr;
    if (state == State::Pending) {
        Response response;
        response.status = 500;
        response.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
        response.body = error_body(500, "the request was not answered");
        send_whole(*c, std::move(response));
    } else if (state == State::Streaming) {
        abort_stream(*c);
    }
}

} // namespace detail

using detail::Exchange;

namespace {

// The callbacks of an exchange that is complete, released when this goes (they may hold the
// last copy of the responder being called: nothing of it is used after).
struct Released {
    std::function<void()> drain;
    std::function<void()> gone;
};

Released release_callbacks(Exchange& exchange) {
    return {std::move(exchange.on_drain), std::move(exchange.on_gone)};
}

} // namespace

void Responder::respond(Response response) {
    std::shared_ptr<Exchange> exchange = m_exchange;
    if (!exchange || exchange->state != Exchange::State::Pending ||
        exchange->connection == nullptr) {
        return;
    }
    exchange->state = Exchange::State::Complete;
    detail::send_whole(*exchange->connection, std::move(response));
    Released released = release_callbacks(*exchange);
}

void Responder::start(int status, const HeaderList& headers) {
    if (!m_exchange || m_exchange->state != Exchange::State::Pending ||
        m_exchange->connection == nullptr) {
        return;
    }
    m_exchange->state = Exchange::State::Streaming;
    detail::start_stream(*m_exchange->connection, status, headers);
}

bool Responder::write(std::string_view bytes) {
    if (!m_exchange || m_exchange->state != Exchange::State::Streaming ||
        m_exchange->connection == nullptr) {
        return false;
    }
    detail::Connection& c = *m_exchange->connection;
    detail::write_stream(c, bytes);
    if (m_exchange->connection == nullptr) {
        return false;
    }
    bool more = detail::queued_bytes(c) < c.core->options.stream_buffer;
    if (!more) {
        m_exchange->drain_wanted = true;
    }
    return more;
}

void Responder::finish(const HeaderList& trailers) {
    std::shared_ptr<Exchange> exchange = m_exchange;
    if (!exchange || exchange->state != Exchange::State::Streaming ||
        exchange->connection == nullptr) {
        return;
    }
    exchange->state = Exchange::State::Complete;
    detail::finish_stream(*exchange->connection, trailers);
    Released released = release_callbacks(*exchange);
}

void Responder::abort() {
    std::shared_ptr<Exchange> exchange = m_exchange;
    if (!exchange || exchange->connection == nullptr ||
        (exchange->state != Exchange::State::Pending &&
         exchange->state != Exchange::State::Streaming)) {
        return;
    }
    exchange->state = Exchange::State::Complete;
    detail::abort_stream(*exchange->connection);
    Released released = release_callbacks(*exchange);
}

void Responder::on_drain(std::function<void()> callback) {
    if (m_exchange) {
        m_exchange->on_drain = std::move(callback);
    }
}

void Responder::on_gone(std::function<void()> callback) {
    if (m_exchange) {
        m_exchange->on_gone = std::move(callback);
    }
}

bool Responder::gone() const {
    return m_exchange && m_exchange->state == Exchange::State::Gone;
}

bool Responder::done() const {
    return !m_exchange || m_exchange->state == Exchange::State::Complete ||
           m_exchange->state == Exchange::State::Gone;
}

} // namespace lambda_local::runtime::http
