// An execution environment running a custom runtime: invocations through the Runtime API.
#include "runtime/execution_environment.hpp"

#include "runtime/execution_environment_detail.hpp"
#include "runtime/report.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace lambda_local::runtime {

using detail::elapsed_ms;
using detail::first_child;
using detail::k_memory_check_interval;

InvocationResult ExecutionEnvironment::invoke_runtime(const InvocationRequest& request,
                                                      InvocationResult result) {
    auto timeout = std::chrono::duration_cast<MonotonicClock::duration>(
        std::chrono::duration<double>(m_spec.timeout_s));
    auto begin = MonotonicClock::now();
    m_next_memory_check = begin + k_memory_check_interval;
    runtime_api::Invocation invocation;
    invocation.request_id = request.request_id;
    invocation.event = request.event;
    invocation.deadline_ms = epoch_ms() + static_cast<std::int64_t>(m_spec.timeout_s * 1000.0);
    invocation.invoked_function_arn = m_spec.arn();
    invocation.trace_id = request.trace_id.empty() ? new_trace_id() : request.trace_id;
    invocation.client_context = request.client_context;
    invocation.cognito_identity = request.cognito_identity;
    m_runtime_api->state().invoke(std::move(invocation));
    // The caller's answer is the runtime's /response or /error; the invocation ends, as in
    // Lambda, when the runtime calls /next again (what it prints until then is still this
    // invocation's).
    bool answered = false;
    for (;;) {
        Awaited awaited = await_frame(begin + timeout);
        if (awaited.what == Wait::RuntimeApi) {
            for (const runtime_api::Notice& notice : m_runtime_api->state().take_notices()) {
                if (!answered && !notice.request_id.empty() &&
                    notice.request_id == request.request_id) {
                    runtime_api::apply_answer(notice, result);
                    result.duration_ms = elapsed_ms(begin, notice.at);
                    answered = true;
                    // Read (~30 us of /proc) while the runtime gets its 202 and comes back.
                    measure_runtime_memory();
                    result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
                }
            }
            if (answered && m_runtime_api->state().waiting()) {
                return result;
            }
            continue;
        }
        bool exited = awaited.what == Wait::Exited;
        if (awaited.what == Wait::Frame) {
            // Nothing passes on the handler channel once the bootstrap runs (it does not
            // inherit it): only a process of the environment that kept it open writes there.
            awaited.what = Wait::Broken;
        }
        measure_runtime_memory(); // while a runtime that ran out of time still lives
        result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
        if (answered && awaited.what != Wait::Cancelled) {
            // The runtime ended, ran out of time or memory after it answered: the answer
            // stands, the environment does not.
            shutdown();
            return result;
        }
        if (exited) {
            runtime_exited(result, request.request_id, awaited);
            result.duration_ms = elapsed_ms(begin);
            return result;
        }
        result.duration_ms = elapsed_ms(begin);
        abandoned(result, request, awaited);
        return result;
    }
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
