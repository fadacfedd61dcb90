// An execution environment running a custom runtime: invocations through the Runtime API.
#include "runtime/execution/execution_environment.hpp"

#include "runtime/execution/execution_environment_detail.hpp"
#include "runtime/execution/report.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"
#include "runtime/runtime_api/state.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace lambda_local::runtime {

using detail::elapsed_ms;
using detail::first_child;
using detail::k_memory_check_interval;

namespace {

// [UNCONFIRMED] What lambda-local reports when a runtime's streamed /response ends without its
// last chunk and the runtime lives on (AWS documents no error for it).
constexpr const char* k_truncated_type = "Runtime.TruncatedResponse";

} // namespace

StreamLimits ExecutionEnvironment::stream_limits() const {
    StreamLimits limits = m_options.stream_limits;
    if (!m_request || !m_request->stream) {
        // Gathered for the payload, which Lambda's buffered limit bounds (a larger one is
        // Function.ResponseSizeTooLarge, as a buffered response's).
        limits.max_bytes = std::min(limits.max_bytes, k_max_response_payload);
    }
    return limits;
}

runtime_api::StreamReceiver ExecutionEnvironment::runtime_stream_receiver() {
    runtime_api::StreamReceiver receiver;
    receiver.begin = [this](std::string_view request_id, std::string_view content_type) {
        if (!m_request || m_answered || request_id != m_request->request_id) {
            return;
        }
        if (!m_stream) {
            m_stream = std::make_unique<StreamRelay>(m_loop, m_request->stream, stream_limits());
        }
        // The relay's pace is the runtime's: its body is read again once the relay can go on.
        m_stream->on_ready([this] {
            if (m_runtime_api) {
                m_runtime_api->state().resume_stream();
            }
        });
        m_stream->begin(content_type);
        m_result.streamed = true;
    };
    receiver.write = [this](std::string_view bytes) {
        if (!m_stream) {
            return true; // not this invocation's stream: dropped
        }
        switch (m_stream->write(bytes)) {
        case StreamRelay::Next::More:
            return true;
        case StreamRelay::Next::Wait:
            return false;
        case StreamRelay::Next::TooLarge:
            break;
        }
        // Past the cap: the stream ends here, and the invocation with
        // Function.ResponseSizeTooLarge, its environment with it (on_runtime_invoke_event):
        // what the runtime sends until it is ended is read and dropped.
        if (m_runtime_api) {
            m_runtime_api->state().stream_broken();
        }
        return true;
    };
    return receiver;
}

void ExecutionEnvironment::on_runtime_invoke_event(Awaited awaited) {
    InvocationResult& result = m_result;
    const std::string& request_id = m_request->request_id;
    // The caller's answer is the runtime's /response or /error; the invocation ends, as in
    // Lambda, when the runtime calls /next again (what it prints until then is still this
    // invocation's). A streamed /response answers when its body ends.
    if (awaited.what == Wait::RuntimeApi) {
        for (const runtime_api::Notice& notice : m_runtime_api->state().take_notices()) {
            using Kind = runtime_api::Notice::Kind;
            if (!m_answered && notice.kind == Kind::Next && result.streamed) {
                // The runtime came back after a stream cut off before its end.
                result.status = InvocationStatus::FunctionError;
                result.error_type = k_truncated_type;
                result.payload = error_payload(
                    k_truncated_type,
                    "The runtime's streamed response ended before its last chunk.", false);
                stream_ended(result, "");
                result.duration_ms = elapsed_ms(m_begin, notice.at);
                m_answered = true;
                continue;
            }
            if (m_answered || notice.request_id.empty() || notice.request_id != request_id ||
                notice.kind == Kind::StreamStarted) {
                continue;
            }
            if (notice.kind == Kind::StreamBroken) {
                if (m_stream && m_stream->bytes() > stream_limits().max_bytes) {
                    // Over the cap: the runtime must not keep pushing; it ends with its
                    // environment.
                    set_response_too_large(result, stream_limits().max_bytes);
                    stream_ended(result, "");
                    result.duration_ms = elapsed_ms(m_begin, notice.at);
                    measure_runtime_memory();
                    result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
                    finish(std::move(result), true);
                    return;
                }
                // Cut off (the runtime's connection closed): its end, or its next /next, says
                // what follows.
                continue;
            }
            runtime_api::apply_answer(notice, result);
            if (result.streamed) {
                if (m_stream && !m_request->stream && result.ok()) {
                    result.payload = m_stream->take_gathered();
                }
                stream_ended(result, "");
            }
            result.duration_ms = elapsed_ms(m_begin, notice.at);
            m_answered = true;
            // Read (~30 us of /proc) while the runtime gets its 202 and comes back.
            measure_runtime_memory();
            result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
        }
        if (m_answered && m_runtime_api->state().waiting()) {
            finish(std::move(result), false);
        }
        return;
    }
    if (awaited.what == Wait::Frame) {
        // Nothing passes on the handler channel once the bootstrap runs (it does not inherit
        // it): only a process of the environment that kept it open writes there.
        awaited.what = Wait::Broken;
    }
    measure_runtime_memory(); // while a runtime that ran out of time still lives
    result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
    if (m_answered && awaited.what != Wait::Cancelled) {
        // The runtime ended, ran out of time or memory after it answered: the answer stands,
        // the environment does not.
        finish(std::move(result), true);
        return;
    }
    result.duration_ms = elapsed_ms(m_begin);
    abandoned(result, awaited);
    // A timeout or crash mid-stream: the bytes already written stay written.
    stream_ended(result, "");
    finish(std::move(result), true);
}

bool ExecutionEnvironment::runtime_gone() {
    bool control_open = read_available();
    try {
        // Only the first process writes Exited, on the control channel.
        while (auto frame = m_control_decoder.next()) {
            if (frame->type == wire::MessageType::Exited) {
                return true;
            }
        }
    } catch (const std::exception&) {
        return true;
    }
    return !control_open || m_pending_exit.has_value();
}

void ExecutionEnvironment::measure_runtime_memory() {
    if (m_runtime_pid <= 0 && m_worker_pid > 0) {
        // The runtime is the first child of the environment's first process, which is the
        // worker's child: read from the kernel's process tree, never from a frame. A pid read
        // here only ever selects a /proc file to read.
        pid_t first = first_child(m_worker_pid);
        m_runtime_pid = first > 0 ? first_child(first) : -1;
    }
    if (m_runtime_pid <= 0) {
        return;
    }
    std::ifstream status("/proc/" + std::to_string(m_runtime_pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            m_peak_rss_kib = std::max<std::int64_t>(m_peak_rss_kib, std::atoll(line.c_str() + 6));
            return;
        }
    }
}

} // namespace lambda_local::runtime
