// Between a function's streamed output and the invocation's sink: Lambda's size cap, its
// bandwidth rule, and the sink's pace (docs/streaming.md).
#pragma once

#include "runtime/execution/response_stream.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/util/clock.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// How a StreamRelay paces and bounds a stream.
struct StreamLimits {
    // The most bytes a streamed response may have; beyond it the stream is cut.
    std::size_t max_bytes = k_max_streamed_response;
    // Lambda's bandwidth rule: the first `full_speed_bytes` as fast as the sink takes them,
    // then at most `bandwidth` bytes per second. False lifts it (serve --no-stream-limit).
    bool bandwidth_rule = true;
    std::size_t full_speed_bytes = k_stream_full_speed_bytes;
    std::size_t bandwidth = k_stream_bandwidth;
};

// Relays one invocation's streamed response from its source (a native handler's stream
// frames, a custom runtime's chunked /response) to the request's sink, on the loop's thread.
// The source reads the function's output while write() says More, and stops reading when it
// says Wait until the callback of on_ready() is called: the function then blocks in its own
// write, as on Lambda when the client is slow. Without a sink (a plain Invoke of a streaming
// function), the bytes are gathered for the result's payload, up to `max_bytes`, unpaced.
class StreamRelay {
  public:
    enum class Next {
        More,     // read on
        Wait,     // stop reading until the on_ready() callback
        TooLarge, // the stream passed max_bytes: the bytes beyond it were dropped; end it
    };

    StreamRelay(loop::EventLoop& loop, std::shared_ptr<ResponseSink> sink, StreamLimits limits);
    StreamRelay(const StreamRelay&) = delete;
    StreamRelay& operator=(const StreamRelay&) = delete;
    ~StreamRelay();

    // The function began streaming, declaring `content_type` ("" for none:
    // application/octet-stream). Later calls do nothing.
    void begin(std::string_view content_type);
    bool begun() const { return m_begun; }
    // The next bytes of the stream (begin() first, when it was not called).
    Next write(std::string_view bytes);
    // Sets the callback called each time a Wait that write() answered is over (the sink can
    // take more, and the bandwidth rule allows more): from the loop, never from inside write().
    void on_ready(std::function<void()> ready);
    // True between a write() that answered Wait and the on_ready() callback.
    bool waiting() const { return m_sink_full || m_paced; }

    // The bytes written so far (all of them, even those over max_bytes).
    std::size_t bytes() const { return m_bytes; }
    const std::string& content_type() const { return m_content_type; }
    // Without a sink: the bytes gathered so far.
    std::string take_gathered() { return std::move(m_gathered); }

  private:
    void sink_ready();
    void pace_elapsed();
    void maybe_ready();

    loop::EventLoop& m_loop;
    std::shared_ptr<ResponseSink> m_sink;
    StreamLimits m_limits;
    bool m_begun = false;
    std::string m_content_type;
    std::size_t m_bytes = 0;
    std::string m_gathered;
    // When the stream passed full_speed_bytes: the bandwidth rule counts from then.
    MonotonicClock::time_point m_paced_since{};
    bool m_sink_full = false; // the sink's write() said false; its ready callback is due
    bool m_paced = false;     // the bandwidth rule holds the stream; m_pace fires when it may go
    loop::Timer m_pace;
    loop::Timer m_soon; // the on_ready() callback, on the loop's next turn
    std::function<void()> m_ready;
    bool m_owed = false; // write() answered Wait; m_ready is due once the wait is over
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace lambda_local::runtime
