// The Runtime API's state machine for one execution environment, without sockets.
//
// The runtime (a `bootstrap`) drives it through the four endpoints of reference §6; the
// supervisor posts invocations into it and takes what the runtime did (Notices). States and
// transitions follow the runtime interface emulator (RAPID): Started → Ready on the first
// /next (init done); Ready → ResponseSent on /response or /error; ResponseSent → Ready on
// the next /next; Started → InitError on /init/error. A streamed /response
// (docs/custom-runtimes.md) goes Ready → Streaming when its head comes, and Streaming →
// ResponseSent when its body ends (normally, with an error in its trailers, or cut off).
// Anything else is 403 InvalidStateTransition; an answer for an id that is not the invocation
// in flight is 400 InvalidRequestID; a payload over 6291556 bytes is 413
// RequestEntityTooLarge.
#pragma once

#include "runtime/function/quotas.hpp"
#include "runtime/util/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime::runtime_api {

// One invocation as /next hands it to the runtime.
struct Invocation {
    std::string request_id;
    std::string event;
    std::int64_t deadline_ms = 0; // epoch ms
    std::string invoked_function_arn;
    std::string trace_id;
    std::string client_context;   // a header only when not empty
    std::string cognito_identity; // a header only when not empty
};

// An HTTP answer of the Runtime API to the runtime.
struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// A body the runtime posted; `too_large` when it passed k_max_response_payload (then `bytes` is
// empty).
struct Posted {
    std::string bytes;
    bool too_large = false;
};

// What the runtime did, for the supervisor.
struct Notice {
    enum class Kind {
        Ready,            // the first /next: init is complete
        Next,             // a later /next: the runtime is done with the last invocation
        InitError,        // /init/error
        Response,         // /response for the invocation in flight
        Error,            // /error for the invocation in flight
        ResponseTooLarge, // /response or /error over k_max_response_payload (answered 413)
        // A streamed /response: its head came (`body`: the content type as declared)...
        StreamStarted,
        // ...its body ended normally (`body`: the bytes, when no StreamReceiver took them)...
        StreamEnded,
        // ...it ended with an error in its trailers (`error_type`, `body`: the error JSON)...
        StreamError,
        // ...or it was cut off before its last chunk (the connection closed, bad framing, the
        // stream's cap): no answer; the runtime's end or its next /next says what follows.
        StreamBroken,
    };
    Kind kind = Kind::Ready;
    std::string request_id; // Response, Error, ResponseTooLarge, Stream*
    std::string error_type; // Error, InitError, StreamError: Lambda-Runtime-Function-Error-Type
    std::string body;       // the response, or the error JSON as posted
    MonotonicClock::time_point at;
};

// The errorType of a posted error: the body's "errorType" when it is a JSON object holding a
// non-empty string there (runtimes such as Rust's lambda_runtime send the header
// "Unhandled" and the real type in the body), else the header, else `fallback`.
std::string posted_error_type(std::string_view header, std::string_view body,
                              std::string_view fallback);

// Where the bytes of a streamed response go as they arrive (State::receive_streams): they need
// an answer at once (may the runtime send more?), so they do not wait in Notices.
struct StreamReceiver {
    // The runtime began streaming its response to `request_id`, declaring `content_type`
    // ("" for none). Before the StreamStarted notice is taken.
    std::function<void(std::string_view request_id, std::string_view content_type)> begin;
    // The next bytes. False: the runtime must wait (its body is not read) until the receiver
    // calls State::resume_stream().
    std::function<bool(std::string_view bytes)> write;
};

// The Runtime API of one execution environment, on the supervisor's loop: the runtime's
// requests and the supervisor's calls all come from the loop's thread.
class State {
  public:
    // `notify` is called whenever a Notice is queued (from inside the call that queued it).
    explicit State(std::function<void()> notify = {});
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    // --- the runtime's side ---
    // GET /runtime/invocation/next: `reply` is called once an invocation is posted (no time
    // limit, as in Lambda: a held request, not a blocked thread) or the API is closed (then 500
    // InternalServerError); at once when one is waiting already.
    void next(std::function<void(Reply)> reply);
    // POST /runtime/invocation/{id}/response.
    Reply response(std::string_view request_id, Posted body);
    // POST /runtime/invocation/{id}/error with its Lambda-Runtime-Function-Error-Type header.
    Reply error(std::string_view request_id, std::string_view error_type, Posted body);
    // POST /runtime/init/error with its Lambda-Runtime-Function-Error-Type header.
    Reply init_error(std::string_view error_type, Posted body);

    // A streamed POST /runtime/invocation/{id}/response (Lambda-Runtime-Function-Response-Mode:
    // streaming), in three steps. Its head: nothing when the stream may begin (its answer waits
    // for the end of its body), else the refusal (400 InvalidRequestID, 403
    // InvalidStateTransition). `resume` lets the runtime send more after a write() that
    // answered false (the server's reading of the body).
    std::optional<Reply> begin_stream(std::string_view request_id, std::string_view content_type,
                                      std::function<void()> resume);
    // Its next bytes; false: stop reading until resume (the receiver's pace). Bytes outside a
    // stream are dropped.
    bool stream_bytes(std::string_view bytes);
    // Its end: `error_type` empty for a normal end, else the error its trailers reported
    // (`error_body`: the decoded Lambda-Runtime-Function-Error-Body). Answers 202.
    Reply end_stream(std::string_view error_type, std::string error_body);
    // Its body was cut off before its end (or the supervisor gave up on it): StreamBroken.
    void stream_broken();
    // True between begin_stream() and the stream's end.
    bool streaming() const { return m_phase == Phase::Streaming; }

    // --- the supervisor's side ---
    // Hands `invocation` to the runtime's current or next /next.
    void invoke(Invocation invocation);
    // The Notices queued since the last call, oldest first.
    std::vector<Notice> take_notices();
    // True when take_notices() would return something.
    bool has_notices() const;
    // True while the runtime waits in /next with no invocation posted for it: the end of an
    // invocation in Lambda's terms (output after the answer still belongs to it).
    bool waiting() const;
    // Ends every /next that waits, now and later (the environment is going away), and a
    // stream in progress (its body is read again, and dropped).
    void close();
    // Where streamed bytes go; without a receiver they are gathered for StreamEnded's body.
    void receive_streams(StreamReceiver receiver);
    // The receiver can take more: the runtime's body is read again.
    void resume_stream();

  private:
    enum class Phase { Started, InitError, Ready, Streaming, ResponseSent };
    static const char* name(Phase phase);
    Reply forbidden(std::string_view to) const;
    // Records a Notice; the caller calls notify() once its state is consistent.
    void queue(Notice notice);
    // The shared part of /response and /error; `to` names the target state in a 403.
    Reply answer(std::string_view request_id, std::string_view to, Notice notice, bool too_large);

    // Hands the pending invocation to the oldest waiting /next, if both exist.
    void hand_over();
    void notify() const;

    std::function<void()> m_notify;
    Phase m_phase = Phase::Started;
    std::optional<Invocation> m_pending; // posted, not yet handed to a /next
    std::string m_in_flight;             // the request id handed out and not yet answered
    std::vector<Notice> m_notices;
    std::deque<std::function<void(Reply)>> m_waiters; // /next calls waiting for an invocation
    bool m_closed = false;
    // The streamed response in progress.
    StreamReceiver m_receiver;
    std::string m_stream_id;
    std::string m_gathered;
    std::function<void()> m_resume;
};

} // namespace lambda_local::runtime::runtime_api
