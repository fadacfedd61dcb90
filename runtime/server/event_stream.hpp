// AWS's event-stream encoding (application/vnd.amazon.eventstream), as the Invoke API's
// InvokeWithResponseStream sends its answer: PayloadChunk events, then one InvokeComplete
// (docs/streaming.md; AWS: Lambda API reference, InvokeWithResponseStream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_local::runtime::server {

// The media type of an event-stream body.
inline constexpr std::string_view k_event_stream_content_type =
    "application/vnd.amazon.eventstream";
// The most payload bytes one PayloadChunk carries: a longer write is split in several events
// (AWS's clients refuse messages over 16 MB; smaller events reach a reader sooner).
inline constexpr std::size_t k_max_chunk_payload = std::size_t{256} * 1024;

// One message: the prelude (total length, headers length, the prelude's CRC32), the headers,
// the payload, and the CRC32 of all that; every number big-endian. Each header is a string
// (type 7): its name (at most 255 bytes) and value (at most 65535 bytes); longer ones are cut.
std::string event_stream_message(const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view payload);

// The events of `bytes` as PayloadChunk messages (`:event-type` PayloadChunk, `:content-type`
// application/octet-stream, `:message-type` event), one per k_max_chunk_payload bytes; nothing
// for no bytes.
std::string payload_chunk_events(std::string_view bytes);

// The last event: InvokeComplete, a JSON payload with ErrorCode and ErrorDetails (when the
// invocation failed) and LogResult (when the caller asked for the log's tail); members that
// are empty are left out.
std::string invoke_complete_event(std::string_view error_code, std::string_view error_details,
                                  std::string_view log_result);

} // namespace lambda_local::runtime::server
