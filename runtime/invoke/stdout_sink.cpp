// Writing a streamed response to a descriptor, off the loop's thread.
#include "runtime/invoke/stdout_sink.hpp"

#include "runtime/util/fd.hpp"

#include <utility>

namespace lambda_local::runtime {

FdResponseSink::FdResponseSink(loop::EventLoop& loop, int fd, std::size_t max_pending)
    : m_loop(loop), m_fd(fd), m_max_pending(max_pending) {}

void FdResponseSink::begin(std::string_view content_type) {
    m_begun = true;
    m_content_type = content_type;
}

bool FdResponseSink::write(std::string_view bytes) {
    if (!m_ok) {
        return true; // the reader went away: discarded, the invocation goes on
    }
    m_pending.append(bytes);
    if (!m_writing) {
        write_next();
    }
    if (m_pending.size() + m_inflight.size() >= m_max_pending) {
        m_full = true;
        return false;
    }
    return true;
}

void FdResponseSink::on_ready(std::function<void()> ready) {
    m_ready = std::move(ready);
}

void FdResponseSink::write_next() {
    m_writing = true;
    m_inflight = std::move(m_pending);
    m_pending.clear();
    auto self = shared_from_this();
    auto ok = std::make_shared<bool>(false);
    m_loop.run_blocking([self, ok] { *ok = write_all(self->m_fd, self->m_inflight); },
                        [self, ok] { self->written(*ok); });
}

void FdResponseSink::written(bool ok) {
    m_writing = false;
    m_inflight.clear();
    if (!ok) {
        m_ok = false;
        m_pending.clear();
    }
    if (!m_pending.empty()) {
        write_next();
    }
    if (m_full && m_pending.size() + m_inflight.size() < m_max_pending) {
        m_full = false;
        if (m_ready) {
            std::function<void()> ready = m_ready; // it may clear or replace the callback
            ready();
        }
    }
}

} // namespace lambda_local::runtime
