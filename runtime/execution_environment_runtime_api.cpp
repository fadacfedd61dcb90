// An execution environment running a custom runtime: invocations through the Runtime API.
#include "runtime/execution_environment.hpp"

#include "runtime/execution_environment_detail.hpp"
#include "runtime/report.hpp"
#include "runtime/runtime_api/result.hpp"
#include "runtime/runtime_api/server.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace lambda_local::runtime {

using detail::elapsed_ms;
using detail::first_child;
using detail::k_memory_check_interval;

void ExecutionEnvironment::on_runtime_invoke_event(Awaited awaited) {
    InvocationResult& result = m_result;
    const std::string& request_id = m_request->request_id;
    // The caller's answer is the runtime's /response or /error; the invocation ends, as in
    // Lambda, when the runtime calls /next again (what it prints until then is still this
    // invocation's).
    if (awaited.what == Wait::RuntimeApi) {
        for (const runtime_api::Notice& notice : m_runtime_api->state().take_notices()) {
            if (!m_answered && !notice.request_id.empty() && notice.request_id == request_id) {
                runtime_api::apply_answer(notice, result);
                result.duration_ms = elapsed_ms(m_begin, notice.at);
                m_answered = true;
                // Read (~30 us of /proc) while the runtime gets its 202 and comes back.
                measure_runtime_memory();
                result.max_memory_used_mb = memory_used_mb(m_peak_rss_kib);
            }
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
