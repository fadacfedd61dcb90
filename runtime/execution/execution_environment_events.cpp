// An execution environment's frames from its worker: read on the loop, and what each means
// for the start or the invocation in progress.
#include "runtime/execution/execution_environment.hpp"

#include "runtime/execution/execution_environment_detail.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/protocol/worker_config.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "runtime/util/ids.hpp"
#include "runtime/util/json_depth.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <future>
#include <utility>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime {
using namespace detail;
using nlohmann::json;

namespace {

// How many streamed bytes one pump() relays before it lets the loop run (timers, other
// connections) and goes on at its next turn.
constexpr std::size_t k_stream_turn_bytes = std::size_t{4} << 20;

// Why a stream ended with its invocation abandoned, for the log.
std::string stream_end_reason(InvocationStatus status) {
    switch (status) {
    case InvocationStatus::Timeout:
        return "the function timed out";
    case InvocationStatus::OutOfMemory:
        return "the function ran out of memory";
    case InvocationStatus::Cancelled:
        return "the invocation was cancelled";
    case InvocationStatus::Crashed:
        return "the runtime exited";
    default:
        return "the invocation failed";
    }
}

} // namespace

void ExecutionEnvironment::pump() {
    if (m_pumping) {
        return; // the outer pump looks again
    }
    m_pumping = true;
    m_stream_turn_bytes = 0;
    while (busy()) {
        std::optional<Awaited> awaited = next_event();
        if (!awaited) {
            break;
        }
        if (m_phase == Phase::Starting) {
            on_start_event(std::move(*awaited));
        } else if (m_runtime_api) {
            on_runtime_invoke_event(std::move(*awaited));
        } else {
            on_invoke_event(std::move(*awaited));
        }
    }
    m_pumping = false;
    // Last: the caller's callback may start the next invocation here, or end this object.
    if (m_completed) {
        std::function<void()> completed = std::exchange(m_completed, nullptr);
        completed();
    }
}

bool ExecutionEnvironment::read_available() {
    char buffer[65536];
    // The handler channel first: its frames come before the Exited that follows them. A call
    // reads about a stream chunk's worth at most, so that a streaming handler that writes as
    // fast as it is read is decoded (and paced by the relay) as it goes, not buffered here.
    std::size_t read_now = 0;
    while (m_frames_open && !stream_holds_frames()) {
        ssize_t n = ::read(m_frames.get(), buffer, sizeof buffer);
        if (n > 0) {
            m_decoder.feed(buffer, static_cast<std::size_t>(n));
            read_now += static_cast<std::size_t>(n);
            if (static_cast<std::size_t>(n) < sizeof buffer ||
                read_now > wire::k_max_stream_chunk ||
                m_decoder.buffered() > k_handler_limits.max_body + k_handler_limits.max_meta) {
                // Decode before reading more. After a short read the channel is likely empty:
                // its watch says when more comes, which saves a read that fails with EAGAIN.
                break;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || errno != EAGAIN) {
            m_frames_open = false; // the handler process (and its children) closed it
            if (m_frames_watch) {
                m_frames_watch->stop();
            }
        }
        break;
    }
    // The control channel only when its watch has said it is readable (or it has not been
    // read to its end since): it is quiet while a handler runs, and reading it at every frame
    // would cost a recvmsg that fails with EAGAIN.
    while (m_control_readable) {
        std::vector<int> received;
        long n = wire::read_receiving(m_control.get(), buffer, sizeof buffer, received);
        for (int fd : received) {
            m_passed_fds.emplace_back(fd);
        }
        if (n > 0) {
            m_control_decoder.feed(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            m_control_readable = false;
            return true;
        }
        return false;
    }
    return true;
}

std::optional<ExecutionEnvironment::Awaited> ExecutionEnvironment::next_event() {
    if (m_connecting_network) {
        // The worker waits for pasta, and so does everything else; but a cancel or the
        // deadline.
        if (m_cancelled) {
            return Awaited{Wait::Cancelled, {}, 0};
        }
        if (m_deadline_passed) {
            return Awaited{Wait::Timeout, {}, 0};
        }
        return std::nullopt;
    }
    for (;;) {
        std::optional<wire::Frame> frame;
        try {
            if (m_held_frame) {
                frame = std::exchange(m_held_frame, std::nullopt);
            } else if (!stream_holds_frames()) {
                frame = m_decoder.next();
            }
        } catch (const std::exception&) {
            return Awaited{Wait::Broken, {}, 0}; // not a frame: the handler wrote on the pipe
        }
        if (frame && !m_sandbox_reported) {
            // The first frame is written before any handler code runs: the sandbox's notes.
            if (frame->type != wire::MessageType::Sandbox) {
                return Awaited{Wait::Broken, {}, 0};
            }
            m_sandbox_reported = true;
            json meta = parse_json_bounded<json>(frame->meta);
            if (meta.is_object() && meta.contains("notes") && meta["notes"].is_array()) {
                for (const auto& note : meta["notes"]) {
                    if (note.is_string()) {
                        m_notes.push_back(note.get<std::string>());
                    }
                }
            }
            continue;
        }
        if (frame && frame->type != wire::MessageType::Ready &&
            frame->type != wire::MessageType::InitError &&
            frame->type != wire::MessageType::Result &&
            frame->type != wire::MessageType::StreamStart &&
            frame->type != wire::MessageType::StreamChunk) {
            return Awaited{Wait::Broken, {}, 0}; // only the handler process writes here
        }
        // A runtime's answer counts before what came with it (its Exited, when it answered
        // and ended at once).
        if (m_runtime_api && m_runtime_api->state().has_notices()) {
            m_held_frame = std::move(frame);
            return Awaited{Wait::RuntimeApi, {}, 0};
        }
        if (frame) {
            return Awaited{Wait::Frame, std::move(*frame), 0};
        }
        if (m_pending_exit) {
            return Awaited{Wait::Exited, {}, *std::exchange(m_pending_exit, std::nullopt)};
        }
        std::optional<wire::Frame> control;
        try {
            control = m_control_decoder.next();
        } catch (const std::exception&) {
            return Awaited{Wait::Closed, {}, 0}; // the worker's own channel: cannot happen
        }
        if (control) {
            if (control->type == wire::MessageType::Exited) {
                // Whatever the handler wrote before it ended is read first.
                m_pending_exit = meta_value(control->meta, "wait_status", 0);
                read_available();
            } else if (control->type == wire::MessageType::Network) {
                connect_network(*control);
                if (m_connecting_network || !busy()) {
                    return std::nullopt; // pasta is starting, or the start failed
                }
            }
            continue;
        }
        if (m_cancelled) {
            return Awaited{Wait::Cancelled, {}, 0};
        }
        // Before reading more: a handler that writes without end cannot hold its deadline off.
        if (m_deadline_passed) {
            return Awaited{Wait::Timeout, {}, 0};
        }
        if (m_memory_check_due) {
            m_memory_check_due = false;
            if (over_memory_size()) {
                return Awaited{Wait::OutOfMemory, {}, 0};
            }
        }
        if (m_stream_turn_bytes >= k_stream_turn_bytes) {
            schedule_pump(); // a stream that never pauses still lets the loop run
            return std::nullopt;
        }
        std::size_t before = m_decoder.buffered() + m_control_decoder.buffered();
        bool control_open = read_available();
        if (m_decoder.buffered() + m_control_decoder.buffered() != before) {
            continue;
        }
        if (!control_open) {
            return Awaited{Wait::Closed, {}, 0};
        }
        return std::nullopt;
    }
}

void ExecutionEnvironment::on_start_event(Awaited awaited) {
    InvocationResult& result = m_result;
    if (awaited.what == Wait::RuntimeApi) {
        for (const runtime_api::Notice& notice : m_runtime_api->state().take_notices()) {
            if (notice.kind == runtime_api::Notice::Kind::Ready) {
                result.init_duration_ms = elapsed_ms(m_init_started, notice.at);
                measure_runtime_memory();
                started();
                return;
            }
            if (notice.kind == runtime_api::Notice::Kind::InitError) {
                runtime_api::apply_init_error(notice, result);
                result.init_duration_ms = elapsed_ms(m_init_started, notice.at);
                finish(std::move(result), true);
                return;
            }
        }
        return;
    }
    if (awaited.what == Wait::Frame) {
        const wire::Frame& frame = awaited.frame;
        json meta = parse_json_bounded<json>(frame.meta);
        if (!meta.is_object()) {
            meta = json::object();
        }
        // The figures a frame gives are the handler's word (its code may write this channel):
        // at least 0, and at most what was measured here or could be.
        auto number = [&meta](const char* key, double most) {
            double value =
                meta.contains(key) && meta[key].is_number() ? meta[key].get<double>() : 0.0;
            return value > 0 ? std::min(value, most) : 0.0; // NaN too is 0
        };
        const double init_us = elapsed_ms(m_init_started) * 1000.0;
        auto text = [&meta](const char* key, const char* fallback) {
            return meta.contains(key) && meta[key].is_string() ? meta[key].get<std::string>()
                                                               : std::string(fallback);
        };
        if (frame.type == wire::MessageType::Ready && !m_runtime_api) {
            result.init_duration_ms = number("init_duration_us", init_us) / 1000.0;
            m_peak_rss_kib = static_cast<std::int64_t>(number("peak_rss_kib", k_max_rss_kib));
            started();
            return;
        }
        if (frame.type == wire::MessageType::InitError) {
            std::string type = text("errorType", "Runtime.InitError");
            std::string message = text("errorMessage", "");
            result.status = InvocationStatus::InitError;
            result.error_type = type;
            result.payload = error_payload(type, message, true);
            result.log_lines.push_back("[ERROR] " + type + ": " + message);
            result.init_duration_ms = number("init_duration_us", init_us) / 1000.0;
            finish(std::move(result), true);
            return;
        }
        // A Result before the environment is ready, or a Ready from a custom runtime (which
        // answers on the Runtime API): not the handler process's protocol.
        awaited.what = Wait::Broken;
    }
    if (awaited.what == Wait::Timeout) {
        std::string message = "Init phase timed out after 10.00 seconds";
        result.status = InvocationStatus::InitError;
        result.error_type = "Runtime.InitError";
        result.payload = error_payload(result.error_type, message, false);
        result.log_lines.push_back("[ERROR] Runtime.InitError: " + message);
        result.init_duration_ms = elapsed_ms(m_init_started);
        finish(std::move(result), true);
        return;
    }
    if (awaited.what == Wait::Cancelled) {
        result.status = InvocationStatus::Cancelled;
        finish(std::move(result), true);
        return;
    }
    runtime_exited(result, awaited);
    result.init_duration_ms = elapsed_ms(m_init_started);
    finish(std::move(result), true);
}

void ExecutionEnvironment::started() {
    m_result.max_memory_used_mb =
        std::max(m_result.max_memory_used_mb, memory_used_mb(m_peak_rss_kib));
    if (m_start_only) {
        finish(std::move(m_result), false);
        return;
    }
    InvocationResult result = std::move(m_result);
    m_result = InvocationResult();
    m_result.init_duration_ms = result.init_duration_ms;
    m_result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
    begin_invoke();
}

void ExecutionEnvironment::on_invoke_event(Awaited awaited) {
    InvocationResult& result = m_result;
    if (awaited.what == Wait::Frame && (awaited.frame.type == wire::MessageType::StreamStart ||
                                        awaited.frame.type == wire::MessageType::StreamChunk)) {
        if (on_stream_frame(awaited.frame)) {
            return;
        }
        awaited.what = Wait::Broken;
    } else if (awaited.what == Wait::Frame && awaited.frame.type == wire::MessageType::Result) {
        wire::Frame& frame = awaited.frame;
        wire::ResultMeta meta_in;
        try {
            meta_in = wire::unpack_result_meta(frame.meta);
        } catch (const std::runtime_error&) {
            awaited.what = Wait::Broken;
        }
        if (awaited.what == Wait::Frame) {
            // The handler's own figures (its code may have written this frame), within what
            // was measured here.
            result.duration_ms = std::clamp(static_cast<double>(meta_in.duration_us) / 1000.0, 0.0,
                                            elapsed_ms(m_begin));
            m_peak_rss_kib = std::max(
                m_peak_rss_kib, std::clamp<std::int64_t>(meta_in.peak_rss_kib, 0, k_max_rss_kib));
            result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
            if (m_stream && m_stream->begun()) {
                streamed_result(result, meta_in);
            } else if (meta_in.ok) {
                result.payload = std::move(frame.body);
            } else {
                result.status = InvocationStatus::FunctionError;
                result.error_type = std::move(meta_in.error_type);
                // Errors the platform raises (Function.ResponseSizeTooLarge) carry no stack trace.
                bool from_handler = result.error_type.rfind("Function.", 0) != 0;
                result.payload =
                    error_payload(result.error_type, meta_in.error_message, from_handler);
            }
            finish(std::move(result), false);
            return;
        }
    } else if (awaited.what == Wait::Frame) {
        awaited.what = Wait::Broken; // Ready or InitError in the middle of an invocation
    }
    if (awaited.what == Wait::Timeout && m_invoke_write_failed) {
        awaited.what = Wait::Closed; // no Exited came for the handler process that was gone
    }
    result.duration_ms = elapsed_ms(m_begin);
    abandoned(result, awaited);
    stream_ended(result, stream_end_reason(result.status));
    finish(std::move(result), true);
}

bool ExecutionEnvironment::on_stream_frame(const wire::Frame& frame) {
    if (!m_stream) {
        return false;
    }
    if (frame.type == wire::MessageType::StreamStart) {
        // Once, before any chunk, with a content type that can be an HTTP header's value.
        if (m_stream->begun() || !frame.body.empty() ||
            !wire::valid_stream_content_type(frame.meta)) {
            return false;
        }
        m_stream->begin(frame.meta);
        return true;
    }
    if (!m_stream->begun() || !frame.meta.empty() || frame.body.empty() ||
        frame.body.size() > wire::k_max_stream_chunk) {
        return false;
    }
    if (m_stream_too_large) {
        return true; // past the cap: dropped (the worker refuses the handler's later writes)
    }
    m_stream_turn_bytes += frame.body.size();
    switch (m_stream->write(frame.body)) {
    case StreamRelay::Next::More:
        break;
    case StreamRelay::Next::Wait:
        // The handler blocks in its write once the pipe is full, until the caller catches up;
        // its deadline keeps running.
        m_stream_paused = true;
        if (m_frames_watch) {
            m_frames_watch->stop();
        }
        break;
    case StreamRelay::Next::TooLarge:
        m_stream_too_large = true;
        break;
    }
    return true;
}

void ExecutionEnvironment::stream_ready() {
    if (!m_stream_paused) {
        return;
    }
    m_stream_paused = false;
    if (m_phase == Phase::Invoking && m_frames_open && m_frames_watch) {
        m_frames_watch->start(UV_READABLE, [this](int) { channel_ready(); });
    }
    pump();
}

void ExecutionEnvironment::streamed_result(InvocationResult& result, const wire::ResultMeta& meta) {
    if (!m_request->stream) {
        result.payload = m_stream->take_gathered();
    }
    if (m_stream_too_large) {
        // Lambda documents the cap but not its error: the buffered response's error, with the
        // streamed cap (docs/streaming.md).
        const std::size_t cap = stream_limits().max_bytes;
        set_response_too_large(result, cap);
        stream_ended(result, "it passed " + std::to_string(cap) + " bytes");
        return;
    }
    if (!meta.ok) {
        result.status = InvocationStatus::FunctionError;
        result.error_type = meta.error_type;
        result.payload = error_payload(result.error_type, meta.error_message, true);
        stream_ended(result, "the function reported " + meta.error_type);
        return;
    }
    stream_ended(result, "");
}

void ExecutionEnvironment::stream_ended(InvocationResult& result, const std::string& why) {
    if (!m_stream || !m_stream->begun()) {
        return;
    }
    result.streamed = true;
    result.streamed_bytes = m_stream->bytes();
    result.stream_content_type = m_stream->content_type();
    if (!why.empty()) {
        result.log_lines.push_back("lambda-local: the response stream ended after " +
                                   std::to_string(result.streamed_bytes) + " bytes: " + why);
    }
}

void ExecutionEnvironment::abandoned(InvocationResult& result, const Awaited& awaited) {
    if (awaited.what == Wait::Timeout) {
        result.status = InvocationStatus::Timeout;
        result.error_type = "Sandbox.Timedout";
        result.payload = timeout_payload(m_request->request_id, m_spec.timeout_s);
        return;
    }
    if (awaited.what == Wait::Cancelled) {
        result.status = InvocationStatus::Cancelled;
        return;
    }
    runtime_exited(result, awaited);
}

void ExecutionEnvironment::runtime_exited(InvocationResult& result, const Awaited& awaited) {
    std::string request_id = m_request ? m_request->request_id : new_request_id();
    if (awaited.what == Wait::Broken) {
        result.log_lines.push_back(
            "lambda-local: the handler process wrote something other than its answer on the "
            "worker protocol's descriptor; its environment was ended");
    }
    bool oom = awaited.what == Wait::OutOfMemory ||
               (m_cgroup && m_cgroup->oom_kills() > m_oom_kills_at_start);
    int wait_status = awaited.wait_status;
    if (awaited.what != Wait::Exited) {
        // Killed here (broken protocol, out of memory), or the worker itself is gone (killed
        // from outside, or it could not start): its own status tells which. Its control channel
        // closed as it exited: it is reaped at once (bounded, should it linger).
        int worker_status = 0;
        bool reaped = false;
        if (awaited.what == Wait::Closed && m_worker_pid > 0 && !m_worker_status) {
            reaped = reap_worker(m_worker_pid, m_worker_exit, std::chrono::milliseconds(1000),
                                 worker_status);
            if (reaped) {
                m_worker_status = worker_status;
            }
        }
        wait_status = reaped ? worker_status : SIGKILL; // SIGKILL: as status, "killed"
    }
    std::string message = oom ? std::string("Runtime exited with error: signal: killed")
                              : runtime_exit_message(wait_status);
    result.status = oom ? InvocationStatus::OutOfMemory : InvocationStatus::Crashed;
    result.error_type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    std::string worded = runtime_error_message(request_id, message);
    result.payload = error_payload(result.error_type, worded, false);
    result.log_lines.push_back(worded);
    result.log_lines.push_back(result.error_type);
    if (oom) {
        result.max_memory_used_mb = m_spec.memory_mb;
    }
}

} // namespace lambda_local::runtime
