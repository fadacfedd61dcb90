// The Runtime API's states, answers and error bodies (reference §6).
#include "runtime/runtime_api/state.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/util/json_depth.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace lambda_local::runtime::runtime_api {
namespace {

// What a stream without a StreamReceiver gathers at most: Lambda's cap on a streamed response.
constexpr std::size_t k_max_streamed_gathered = std::size_t{200} * 1024 * 1024;

Reply json_reply(int status, std::string body) {
    return {status, {{"Content-Type", "application/json"}}, std::move(body)};
}

Reply accepted() {
    return json_reply(202, R"({"status":"OK"})");
}

Reply invalid_request_id() {
    return json_reply(400, error_payload("InvalidRequestID", "Invalid request ID", false));
}

Reply too_large() {
    return json_reply(413, error_payload("RequestEntityTooLarge",
                                         "Exceeded maximum allowed payload size (" +
                                             std::to_string(k_max_response_payload) + " bytes).",
                                         false));
}

Reply internal_server_error() {
    return json_reply(500, error_payload("InternalServerError", "Internal Server Error", false));
}

} // namespace

std::string posted_error_type(std::string_view header, std::string_view body,
                              std::string_view fallback) {
    auto parsed = parse_json_bounded<nlohmann::json>(body);
    if (parsed.is_object()) {
        auto type = parsed.find("errorType");
        if (type != parsed.end() && type->is_string() && !type->get<std::string>().empty()) {
            return type->get<std::string>();
        }
    }
    return std::string(header.empty() ? fallback : header);
}

State::State(std::function<void()> notify) : m_notify(std::move(notify)) {}

const char* State::name(Phase phase) {
    switch (phase) {
    case Phase::Started:
        return "Started";
    case Phase::InitError:
        return "InitError";
    case Phase::Ready:
        return "Ready";
    case Phase::Streaming: // RAPID counts a response as sent once it has begun
    case Phase::ResponseSent:
        return "RuntimeResponseSentState";
    }
    return "Unknown";
}

Reply State::forbidden(std::string_view to) const {
    return json_reply(403, error_payload("InvalidStateTransition",
                                         "State transition from " + std::string(name(m_phase)) +
                                             " to " + std::string(to) +
                                             " failed for runtime. Error: State transition is "
                                             "not allowed",
                                         false));
}

void State::queue(Notice notice) {
    notice.at = MonotonicClock::now();
    m_notices.push_back(std::move(notice));
}

void State::notify() const {
    if (m_notify) {
        m_notify();
    }
}

void State::next(std::function<void(Reply)> reply) {
    if (m_closed) {
        reply(internal_server_error());
        return;
    }
    if (m_phase == Phase::InitError || m_phase == Phase::Streaming) {
        reply(forbidden("Ready"));
        return;
    }
    bool init_done = m_phase == Phase::Started;
    m_phase = Phase::Ready;
    m_waiters.push_back(std::move(reply));
    queue({init_done ? Notice::Kind::Ready : Notice::Kind::Next, {}, {}, {}, {}});
    notify();
    hand_over();
}

void State::hand_over() {
    if (m_closed || !m_pending || m_waiters.empty()) {
        return;
    }
    std::function<void(Reply)> waiter = std::move(m_waiters.front());
    m_waiters.pop_front();
    Invocation invocation = std::move(*m_pending);
    m_pending.reset();
    m_in_flight = invocation.request_id;
    Reply reply = json_reply(200, std::move(invocation.event));
    reply.headers.emplace_back("Lambda-Runtime-Aws-Request-Id", invocation.request_id);
    reply.headers.emplace_back("Lambda-Runtime-Deadline-Ms",
                               std::to_string(invocation.deadline_ms));
    reply.headers.emplace_back("Lambda-Runtime-Invoked-Function-Arn",
                               invocation.invoked_function_arn);
    if (!invocation.trace_id.empty()) {
        reply.headers.emplace_back("Lambda-Runtime-Trace-Id", invocation.trace_id);
    }
    if (!invocation.client_context.empty()) {
        reply.headers.emplace_back("Lambda-Runtime-Client-Context", invocation.client_context);
    }
    if (!invocation.cognito_identity.empty()) {
        reply.headers.emplace_back("Lambda-Runtime-Cognito-Identity", invocation.cognito_identity);
    }
    waiter(std::move(reply));
}

Reply State::answer(std::string_view request_id, std::string_view to, Notice notice,
                    bool oversized) {
    if (m_phase != Phase::Ready) {
        return forbidden(to);
    }
    if (m_in_flight.empty() || request_id != m_in_flight) {
        return invalid_request_id();
    }
    m_phase = Phase::ResponseSent;
    m_in_flight.clear();
    notice.request_id = std::string(request_id);
    Reply reply;
    if (oversized) {
        notice.kind = Notice::Kind::ResponseTooLarge;
        notice.body.clear();
        reply = too_large();
    } else {
        reply = accepted();
    }
    queue(std::move(notice));
    notify();
    return reply;
}

Reply State::response(std::string_view request_id, Posted body) {
    return answer(request_id, "InvocationResponse",
                  {Notice::Kind::Response, {}, {}, std::move(body.bytes), {}}, body.too_large);
}

Reply State::error(std::string_view request_id, std::string_view error_type, Posted body) {
    return answer(request_id, "InvocationErrorResponse",
                  {Notice::Kind::Error, {}, std::string(error_type), std::move(body.bytes), {}},
                  body.too_large);
}

Reply State::init_error(std::string_view error_type, Posted body) {
    if (m_phase != Phase::Started) {
        return forbidden("InitError");
    }
    if (body.too_large) {
        return too_large();
    }
    m_phase = Phase::InitError;
    queue({Notice::Kind::InitError, {}, std::string(error_type), std::move(body.bytes), {}});
    notify();
    return accepted();
}

std::optional<Reply> State::begin_stream(std::string_view request_id, std::string_view content_type,
                                         std::function<void()> resume) {
    if (m_phase != Phase::Ready) {
        return forbidden("InvocationResponse");
    }
    if (m_in_flight.empty() || request_id != m_in_flight) {
        return invalid_request_id();
    }
    m_phase = Phase::Streaming;
    m_in_flight.clear();
    m_stream_id = std::string(request_id);
    m_gathered.clear();
    m_resume = std::move(resume);
    if (m_receiver.begin) {
        m_receiver.begin(m_stream_id, content_type);
    }
    queue({Notice::Kind::StreamStarted, m_stream_id, {}, std::string(content_type), {}});
    notify();
    return std::nullopt;
}

bool State::stream_bytes(std::string_view bytes) {
    if (m_phase != Phase::Streaming) {
        return true;
    }
    if (m_receiver.write) {
        return m_receiver.write(bytes);
    }
    // Without a receiver (tests, a supervisor without streams): bounded as Lambda bounds a
    // streamed response; the rest is dropped.
    std::size_t room = m_gathered.size() < k_max_streamed_gathered
                           ? k_max_streamed_gathered - m_gathered.size()
                           : 0;
    m_gathered.append(bytes.substr(0, std::min(room, bytes.size())));
    return true;
}

Reply State::end_stream(std::string_view error_type, std::string error_body) {
    if (m_phase != Phase::Streaming) {
        return forbidden("InvocationResponse");
    }
    m_phase = Phase::ResponseSent;
    m_resume = {};
    if (error_type.empty()) {
        queue({Notice::Kind::StreamEnded, std::move(m_stream_id), {}, std::move(m_gathered), {}});
    } else {
        queue({Notice::Kind::StreamError,
               std::move(m_stream_id),
               std::string(error_type),
               std::move(error_body),
               {}});
    }
    m_stream_id.clear();
    m_gathered.clear();
    notify();
    return accepted();
}

void State::stream_broken() {
    if (m_phase != Phase::Streaming) {
        return;
    }
    m_phase = Phase::ResponseSent;
    m_resume = {};
    m_gathered.clear();
    queue({Notice::Kind::StreamBroken, std::move(m_stream_id), {}, {}, {}});
    m_stream_id.clear();
    notify();
}

void State::receive_streams(StreamReceiver receiver) {
    m_receiver = std::move(receiver);
}

void State::resume_stream() {
    if (m_phase == Phase::Streaming && m_resume) {
        std::function<void()> resume = m_resume; // it may end the stream
        resume();
    }
}

void State::invoke(Invocation invocation) {
    m_pending = std::move(invocation);
    hand_over();
}

std::vector<Notice> State::take_notices() {
    return std::exchange(m_notices, {});
}

bool State::has_notices() const {
    return !m_notices.empty();
}

bool State::waiting() const {
    return !m_waiters.empty() && !m_pending;
}

void State::close() {
    m_closed = true;
    if (m_phase == Phase::Streaming) {
        // A stream cut short by the environment's end: the runtime's body is read again (and
        // dropped), so that its connection ends with the runtime.
        m_phase = Phase::ResponseSent;
        if (std::function<void()> resume = std::exchange(m_resume, {})) {
            resume();
        }
    }
    std::deque<std::function<void(Reply)>> waiters = std::move(m_waiters);
    m_waiters.clear();
    for (auto& waiter : waiters) {
        waiter(internal_server_error());
    }
}

} // namespace lambda_local::runtime::runtime_api
