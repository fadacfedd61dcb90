// The framed protocol between the supervisor and an execution environment.
//
// A frame is a 16-byte header followed by two parts:
//   uint32 magic ('LLW1'), uint32 type, uint32 meta length, uint32 body length
//   (native byte order: both ends are on one machine), then `meta` (a small
//   JSON object, or packed fields for Invoke and Result) and `body` (raw bytes: an
//   event, a response payload).
//
// Two channels, so that nothing the handler can write reaches the supervisor's control:
// - control (a socketpair; the worker's descriptor 3), held by the worker and by the
//   environment's first process, never by the handler process:
//     supervisor → worker  Config   meta: the execution environment (WorkerConfig)
//     worker → supervisor  Network  (--network isolated) the namespace exists; with a custom
//                                   runtime, the Runtime API's listening socket made inside
//                                   it comes along as SCM_RIGHTS
//     supervisor → worker  Proceed  (--network isolated) the namespace is connected
//     first process → sup. Exited   meta: {"wait_status"}: the handler process ended
//   Closing the supervisor's end ends the environment: the worker kills its first process.
// - handler (a socket in, the worker's descriptor 4; a pipe out, descriptor 5), held only by
//   the handler process:
//     handler → supervisor Sandbox  meta: {"notes"}, written before any handler code runs,
//                                   so only the first frame of the channel is believed
//     handler → supervisor Ready    meta: {"init_duration_us", "peak_rss_kib"}
//                          or InitError  meta: {"errorType", "errorMessage"}
//     supervisor → handler Invoke   meta: InvokeMeta, packed; body: the event
//     handler → supervisor StreamStart  (a streamed response, native ABI v2) meta: the
//                                   content type it declared (printable ASCII, at most
//                                   k_max_stream_content_type bytes); no body. At most once per
//                                   invocation, before any StreamChunk
//     handler → supervisor StreamChunk  no meta; body: the next bytes of the stream (1 to
//                                   k_max_stream_chunk; a bigger write is split)
//     handler → supervisor Result   meta: ResultMeta, packed; body: the payload (empty after
//                                   a StreamStart: ok ends the stream, an error is Lambda's
//                                   mid-stream error)
//   Everything on this channel after its first frame may have been written by the handler's
//   code: it is read as the function's own answer, within Lambda's sizes, and a frame that is
//   not the one expected ends the environment (docs/sandbox.md, "The worker protocol").
// For a custom runtime (WorkerConfig::bootstrap) the handler process sends Sandbox just
// before it execs the bootstrap, InitError when that exec fails, and no Invoke or Result
// ever passes: invocations go through the Runtime API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::wire {

inline constexpr std::uint32_t k_magic = 0x31574c4c; // "LLW1"
inline constexpr std::size_t k_header_size = 16;
// The largest parts any frame may have (an event or a response is at most 6 MB).
inline constexpr std::size_t k_max_body = 64u << 20;
inline constexpr std::size_t k_max_meta = 1u << 20;

// 2 was a frame that no longer exists (it carried a pid, which the supervisor must not take
// from the wire); the number is not reused.
enum class MessageType : std::uint32_t {
    Config = 1,
    Ready = 3,
    InitError = 4,
    Invoke = 5,
    Result = 6,
    Exited = 7,
    Sandbox = 8,
    Network = 9,
    Proceed = 10,
    StreamStart = 11,
    StreamChunk = 12,
};

// The most bytes one StreamChunk frame carries: a handler's bigger write goes in several, so
// that the supervisor reads a stream in pieces it can pace.
inline constexpr std::size_t k_max_stream_chunk = std::size_t{1} << 20;
// The longest content type a StreamStart may declare.
inline constexpr std::size_t k_max_stream_content_type = 256;
// True when `content_type` may be declared by a StreamStart: 1 to k_max_stream_content_type
// bytes of printable ASCII (it becomes an HTTP header's value).
bool valid_stream_content_type(std::string_view content_type);

// The largest meta and body a reader accepts: a frame over them is a corrupt stream, refused
// from its header, before anything is buffered for it.
struct Limits {
    std::size_t max_meta = k_max_meta;
    std::size_t max_body = k_max_body;
};

struct Frame {
    MessageType type = MessageType::Config;
    std::string meta;
    std::string body;
};

// The bytes of one frame.
std::string encode(const Frame& frame);
// The bytes of a frame up to its body, which the caller sends after them (not copied).
std::string encode_head(MessageType type, std::string_view meta, std::size_t body_size);

// Reassembles frames from a byte stream fed in arbitrary pieces.
class FrameDecoder {
  public:
    explicit FrameDecoder(Limits limits = {}) : m_limits(limits) {}
    // Appends bytes read from the stream.
    void feed(const char* data, std::size_t size);
    // The next complete frame, if any. Throws std::runtime_error on a corrupt stream.
    std::optional<Frame> next();
    // Bytes received but not yet returned as a frame.
    std::size_t buffered() const { return m_buffer.size() - m_offset; }

  private:
    Limits m_limits;
    std::string m_buffer;
    std::size_t m_offset = 0;
};

// Reads frames from a blocking fd, taking whatever the fd has in one read: a small frame
// costs one system call instead of three.
class FrameReader {
  public:
    explicit FrameReader(int fd, Limits limits = {}) : m_fd(fd), m_decoder(limits) {}
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
    // The most bytes a streamed response may have (StreamLimits::max_bytes): past it the
    // handler's stream_write() answers -1. The supervisor enforces it again on its side.
    std::int64_t stream_max_bytes = 0;
    // The ARN the caller invoked the function by (with its qualifier, when it gave one).
    std::string invoked_function_arn;
    std::string client_context; // the caller's client context JSON, or ""
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
// Writes a whole frame to a Unix socket with `passed_fd` as SCM_RIGHTS on its first byte.
bool write_frame_passing(int socket, const Frame& frame, int passed_fd);
// Reads what a Unix socket has (up to `size` bytes) as read(2) would, keeping any descriptors
// that came as SCM_RIGHTS (close-on-exec) in `received`. Returns read(2)'s result.
long read_receiving(int socket, char* data, std::size_t size, std::vector<int>& received);

// Reads one whole frame from a blocking fd. Empty on end of stream or a read error;
// throws std::runtime_error on a corrupt frame.
std::optional<Frame> read_frame(int fd, Limits limits = {});

} // namespace lambda_local::wire
