// An invocation's LogResult: the end of its log, base64, as the Invoke API's X-Amz-Log-Result
// carries it and `aws lambda invoke --log-type Tail` shows it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lambda_local::runtime {

// How much of the end of an invocation's log LogResult carries, before base64.
inline constexpr std::size_t k_max_log_result_bytes = 4096;

// The end of an invocation's log that LogResult carries: at most the last 4096 bytes, starting
// at a line when the window holds a line break, else at a UTF-8 character.
std::string tail_of_log(std::string_view log_text);

// Appends `text` to `log`, kept for its LogResult only: past 64 KiB it is cut back to its last
// 8 KiB, which hold all that tail_of_log() reads, so a function that logs gigabytes costs no
// more.
void keep_log_tail(std::string& log, std::string_view text);

// LogResult: base64 of tail_of_log(log_text).
std::string log_result(std::string_view log_text);

} // namespace lambda_local::runtime
