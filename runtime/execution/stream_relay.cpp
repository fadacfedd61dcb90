#include "runtime/execution/stream_relay.hpp"

#include <algorithm>
#include <chrono>

namespace lambda_local::runtime {

StreamRelay::StreamRelay(loop::EventLoop& loop, std::shared_ptr<ResponseSink> sink,
                         StreamLimits limits)
    : m_loop(loop), m_sink(std::move(sink)), m_limits(limits), m_pace(loop), m_soon(loop) {}

StreamRelay::~StreamRelay() {
    *m_alive = false;
    if (m_sink) {
        m_sink->on_ready({});
    }
}

void StreamRelay::begin(std::string_view content_type) {
    if (m_begun) {
        return;
    }
    m_begun = true;
    m_content_type =
        std::string(content_type.empty() ? k_default_stream_content_type : content_type);
    if (m_sink) {
        std::weak_ptr<bool> alive = m_alive;
        m_sink->on_ready([this, alive] {
            if (!alive.expired()) {
                sink_ready();
            }
        });
        m_sink->begin(m_content_type);
    }
}

StreamRelay::Next StreamRelay::write(std::string_view bytes) {
    begin("");
    const std::size_t before = m_bytes;
    m_bytes += bytes.size();
    const std::size_t room = before < m_limits.max_bytes ? m_limits.max_bytes - before : 0;
    const bool over = bytes.size() > room;
    bytes = bytes.substr(0, std::min(bytes.size(), room));
    if (!m_sink) {
        m_gathered.append(bytes);
        return over ? Next::TooLarge : Next::More;
    }
    if (!bytes.empty() && !m_sink->write(bytes)) {
        m_sink_full = true;
    }
    if (over) {
        return Next::TooLarge;
    }
    if (m_limits.bandwidth_rule && m_bytes > m_limits.full_speed_bytes && m_limits.bandwidth > 0) {
        const auto now = MonotonicClock::now();
        if (before <= m_limits.full_speed_bytes) {
            m_paced_since = now;
        }
        // The time by which the bytes past the full-speed allowance may have gone out.
        const double seconds = static_cast<double>(m_bytes - m_limits.full_speed_bytes) /
                               static_cast<double>(m_limits.bandwidth);
        const auto allowed = m_paced_since + std::chrono::duration_cast<MonotonicClock::duration>(
                                                 std::chrono::duration<double>(seconds));
        if (allowed > now) {
            m_paced = true;
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(allowed - now);
            std::weak_ptr<bool> alive = m_alive;
            m_pace.start(wait, [this, alive] {
                if (!alive.expired()) {
                    pace_elapsed();
                }
            });
        }
    }
    if (waiting()) {
        m_owed = true;
        return Next::Wait;
    }
    return Next::More;
}

void StreamRelay::on_ready(std::function<void()> ready) {
    m_ready = std::move(ready);
}

void StreamRelay::sink_ready() {
    m_sink_full = false;
    maybe_ready();
}

void StreamRelay::pace_elapsed() {
    m_paced = false;
    maybe_ready();
}

void StreamRelay::maybe_ready() {
    if (waiting() || !m_owed) {
        return;
    }
    // Never from inside the sink's or the timer's call: the source may write again at once.
    std::weak_ptr<bool> alive = m_alive;
    m_soon.start(std::chrono::milliseconds(0), [this, alive] {
        if (alive.expired() || waiting() || !m_owed) {
            return;
        }
        m_owed = false;
        if (m_ready) {
            // A copy: the callback may end the invocation, and this relay with it.
            std::function<void()> ready = m_ready;
            ready();
        }
    });
}

} // namespace lambda_local::runtime
