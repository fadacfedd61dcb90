// The framed protocol between the supervisor and a worker (a socket one way, a pipe back).
//
// A frame is a 16-byte header followed by two parts:
//   uint32 magic ('LLW1'), uint32 type, uint32 meta length, uint32 body length
//   (native byte order: both ends are on one machine), then `meta` (a small
//   JSON object, or packed fields for Invoke and Result) and `body` (raw bytes: an
//   event, a response payload).
//
// Conversation:
//   supervisor → worker  Config  meta: the execution environment (WorkerConfig)
//   worker → supervisor  Spawned meta: {"init_pid"}: the environment's first process
//   worker → supervisor  Ready   meta: {"init_duration_us", "peak_rss_kib", "sandbox_notes"}
//                        or InitError  meta: {"errorType", "errorMessage"}
//   supervisor → worker  Invoke  meta: InvokeMeta, packed; body: the event
//   worker → supervisor  Result  meta: ResultMeta, packed; body: the payload
//   worker → supervisor  Exited  meta: {"wait_status"}: the handler process ended
// For a custom runtime (WorkerConfig::bootstrap) the handler process sends Ready (sandbox
// notes only) just before it execs the bootstrap, InitError when that exec fails, and no
// Invoke or Result ever passes: invocations go through the Runtime API.
// Closing the supervisor's end tells the worker to stop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::wire {

inline constexpr std::uint32_t k_magic = 0x31574c4c; // "LLW1"
inline constexpr std::size_t k_header_size = 16;
// Larger than any legal payload (6 MB) so that an oversize one is reported, not cut.
inline constexpr std::size_t k_max_body = 64u << 20;
inline constexpr std::size_t k_max_meta = 1u << 20;

enum class MessageType : std::uint32_t {
    Config = 1,
    Spawned = 2,
    Ready = 3,
    InitError = 4,
    Invoke = 5,
    Result = 6,
    Exited = 7,
};

struct Frame {
    MessageType type = MessageType::Config;
    std::string meta;
    std::string body;
};

// The bytes of one frame.
std::string encode(const Frame& frame);

// Reassembles frames from a byte stream fed in arbitrary pieces.
class FrameDecoder {
  public:
    // Appends bytes read from the stream.
    void feed(const char* data, std::size_t size);
    // The next complete frame, if any. Throws std::runtime_error on a corrupt stream.
    std::optional<Frame> next();
    // Bytes received but not yet returned as a frame.
    std::size_t buffered() const { return m_buffer.size() - m_offset; }

  private:
    std::string m_buffer;
    std::size_t m_offset = 0;
};

// Reads frames from a blocking fd, taking whatever the fd has in one read: a small frame
// costs one system call instead of three.
class FrameReader {
  public:
    explicit FrameReader(int fd) : m_fd(fd) {}
    // The next frame. Empty on end of stream or a read error; throws std::runtime_error on a
    // corrupt frame.
    std::optional<Frame> next();

  private:
    int m_fd;
    FrameDecoder m_decoder;
};

// The meta of the frames that pass on every invocation, packed rather than JSON: each field
// in the order below, a number as an int64 and a string as a uint32 length and its bytes.
struct InvokeMeta {
    std::string request_id;
    std::int64_t deadline_ms = 0; // milliseconds since the Unix epoch
    std::string trace_id;         // for _X_AMZN_TRACE_ID; "" for none
};
struct ResultMeta {
    bool ok = true;
    std::int64_t duration_us = 0;
    std::int64_t peak_rss_kib = 0;
    std::string error_type; // when not ok
    std::string error_message;
};
std::string pack(const InvokeMeta& meta);
std::string pack(const ResultMeta& meta);
// Throw std::runtime_error when the meta is cut short or has bytes left over.
InvokeMeta unpack_invoke_meta(std::string_view meta);
ResultMeta unpack_result_meta(std::string_view meta);

// Writes a whole frame to a blocking fd, retrying on EINTR. False on a failed write.
bool write_frame(int fd, const Frame& frame);
// Reads one whole frame from a blocking fd. Empty on end of stream or a read error;
// throws std::runtime_error on a corrupt frame.
std::optional<Frame> read_frame(int fd);

} // namespace lambda_local::wire
