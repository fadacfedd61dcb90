// The sinks of streamed invocations: InvokeWithResponseStream's event stream, and the HTTP
// streams of function URLs and REST integrations.
#include "runtime/server/stream_sinks.hpp"

#include "runtime/server/event_stream.hpp"
#include "runtime/util/json_depth.hpp"

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::server {
namespace {

// errorMessage of Lambda's error JSON, or the whole text when it has none.
std::string error_message_of(const std::string& payload) {
    nlohmann::json error = parse_json_bounded<nlohmann::json>(payload);
    if (error.is_object()) {
        auto message = error.find("errorMessage");
        if (message != error.end() && message->is_string()) {
            return message->get<std::string>();
        }
    }
    return payload;
}

} // namespace

void ResponderSink::watch() {
    std::weak_ptr<ResponderSink> weak = weak_from_this();
    auto resume = [weak] {
        std::shared_ptr<ResponderSink> sink = weak.lock();
        if (!sink || !sink->m_waiting) {
            return;
        }
        sink->m_waiting = false;
        if (sink->m_ready) {
            std::function<void()> ready = sink->m_ready; // it may replace itself
            ready();
        }
    };
    m_responder.on_drain(resume);
    // A client gone while the function waits for it: the wait ends, the rest is discarded.
    m_responder.on_gone(resume);
}

void ResponderSink::on_ready(std::function<void()> ready) {
    m_ready = std::move(ready);
}

void ResponderSink::start(int status, const http::HeaderList& headers) {
    if (m_started) {
        return;
    }
    m_started = true;
    m_status = status;
    m_responder.start(status, headers);
}

bool ResponderSink::send(std::string_view bytes) {
    if (m_responder.done()) {
        return true; // the client is gone: discarded
    }
    bool more = m_responder.write(bytes);
    if (m_responder.done()) {
        return true; // it went away as this was written
    }
    if (!more) {
        m_waiting = true;
    }
    return more;
}

void ResponderSink::respond(http::Response response) {
    if (m_started) {
        return;
    }
    m_started = true;
    m_status = response.status;
    m_responder.respond(std::move(response));
}

std::shared_ptr<InvokeStreamSink> InvokeStreamSink::create(http::Responder responder,
                                                           http::HeaderList headers) {
    std::shared_ptr<InvokeStreamSink> sink(
        new InvokeStreamSink(std::move(responder), std::move(headers)));
    sink->watch();
    return sink;
}

void InvokeStreamSink::start_stream(std::string_view content_type) {
    if (m_started) {
        return;
    }
    // Content-Type is the model's ResponseStreamContentType: the stream's own type.
    http::HeaderList headers = {
        {"Content-Type",
         std::string(content_type.empty() ? k_default_stream_content_type : content_type)}};
    headers.insert(headers.end(), m_headers.begin(), m_headers.end());
    start(200, headers);
}

void InvokeStreamSink::begin(std::string_view content_type) {
    start_stream(content_type);
}

bool InvokeStreamSink::write(std::string_view bytes) {
    start_stream(k_default_stream_content_type);
    m_body_bytes += bytes.size();
    return send(payload_chunk_events(bytes));
}

void InvokeStreamSink::complete(const InvocationResult& result, std::string_view log_result) {
    if (!m_started) {
        // A function that did not stream: its response is JSON, as a plain Invoke's.
        start_stream(result.streamed ? std::string_view(result.stream_content_type)
                                     : std::string_view("application/json"));
    }
    if (!result.streamed && result.ok() && !result.payload.empty()) {
        m_body_bytes += result.payload.size();
        send(payload_chunk_events(result.payload));
    }
    std::string error_code;
    std::string error_details;
    if (!result.ok()) {
        error_code = result.error_type.empty() ? "Unhandled" : result.error_type;
        error_details = error_message_of(result.payload);
    }
    send(invoke_complete_event(error_code, error_details, log_result));
    m_responder.finish();
}

void InvokeStreamSink::refuse(http::Response response) {
    respond(std::move(response));
}

std::shared_ptr<HttpStreamSink> HttpStreamSink::create(http::Responder responder,
                                                       http::HeaderList extra_headers,
                                                       http::Response failure) {
    std::shared_ptr<HttpStreamSink> sink(
        new HttpStreamSink(std::move(responder), std::move(extra_headers), std::move(failure)));
    sink->watch();
    return sink;
}

void HttpStreamSink::start_with(int status, http::HeaderList headers) {
    headers.insert(headers.end(), m_extra.begin(), m_extra.end());
    start(status, headers);
}

void HttpStreamSink::begin(std::string_view content_type) {
    if (m_begun) {
        return;
    }
    m_begun = true;
    m_http_form = content_type == k_http_integration_content_type;
    if (!m_http_form) {
        start_with(
            200, {{"content-type", std::string(content_type.empty() ? k_default_stream_content_type
                                                                    : content_type)}});
    }
}

bool HttpStreamSink::reading_prelude() const {
    return m_http_form && m_prelude.state() == gateway::HttpPreludeReader::State::Reading;
}

bool HttpStreamSink::write(std::string_view bytes) {
    begin(k_default_stream_content_type);
    if (!m_http_form) {
        m_body_bytes += bytes.size();
        return send(bytes);
    }
    switch (m_prelude.state()) {
    case gateway::HttpPreludeReader::State::Malformed:
        return true; // answered already: the rest is not the client's
    case gateway::HttpPreludeReader::State::Done:
        m_body_bytes += bytes.size();
        return send(bytes);
    case gateway::HttpPreludeReader::State::Reading:
        break;
    }
    switch (m_prelude.feed(bytes)) {
    case gateway::HttpPreludeReader::State::Reading:
        return true;
    case gateway::HttpPreludeReader::State::Malformed:
        m_malformed = m_prelude.malformed();
        respond(m_failure);
        return true;
    case gateway::HttpPreludeReader::State::Done:
        break;
    }
    start_with(m_prelude.prelude().status, m_prelude.prelude().headers);
    std::string body = m_prelude.take_body();
    m_body_bytes += body.size();
    return body.empty() ? true : send(body);
}

void HttpStreamSink::complete(const InvocationResult& result, http::Response unstarted) {
    if (!m_started) {
        respond(std::move(unstarted));
        return;
    }
    if (result.ok()) {
        m_responder.finish();
    } else {
        m_responder.abort();
    }
}

} // namespace lambda_local::runtime::server
