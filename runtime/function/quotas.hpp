// Lambda's and API Gateway's quotas, each written once: what lambda-local enforces as the
// service does. The figures are AWS's published quotas (docs/limits.md lists them with the
// behaviour at each limit).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lambda_local {

// A function's settings.
inline constexpr double k_min_timeout_s = 1;
inline constexpr double k_max_timeout_s = 900;
inline constexpr int k_min_memory_mb = 128;
inline constexpr int k_max_memory_mb = 10240;
inline constexpr int k_min_tmp_mb = 512;
inline constexpr int k_max_tmp_mb = 10240;
// The function's own environment variables, names and values together.
inline constexpr std::size_t k_max_variables_bytes = 4096;

// Invocation payloads: a synchronous request (6 MB), a response or error a function returns
// (6 MB and 100 bytes, as the Runtime API accepts it), an asynchronous (Event) request.
inline constexpr std::size_t k_max_request_payload = 6291456;
inline constexpr std::size_t k_max_response_payload = 6291556;
inline constexpr std::size_t k_max_async_payload = 1048576;
// The X-Amz-Client-Context header of an invocation, base64 as sent.
inline constexpr std::size_t k_max_client_context_bytes = 3583;
// An API Gateway request body (10 MB); larger: 413.
inline constexpr std::size_t k_max_gateway_payload = std::size_t{10} * 1024 * 1024;

// Per execution environment: open files, and processes and threads.
inline constexpr std::uint64_t k_open_files_limit = 1024;
inline constexpr std::uint64_t k_processes_limit = 1024;

// Code: how many layers a function may have; the function's code and its layers together,
// unzipped (262,144,000 bytes); a zip uploaded directly.
inline constexpr std::size_t k_max_layers = 5;
inline constexpr std::uint64_t k_max_unzipped_code_bytes = 250ull * 1024 * 1024;
inline constexpr std::uint64_t k_max_direct_upload_bytes = 50ull * 1024 * 1024;

} // namespace lambda_local
