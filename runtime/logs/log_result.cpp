// The end of an invocation's log, for LogResult: one home for the Invoke API and `invoke`.
#include "runtime/logs/log_result.hpp"

#include "runtime/util/encoding.hpp"

namespace lambda_local::runtime {

std::string tail_of_log(std::string_view log_text) {
    if (log_text.size() <= k_max_log_result_bytes) {
        return std::string(log_text);
    }
    std::size_t start = log_text.size() - k_max_log_result_bytes;
    if (log_text[start - 1] != '\n') {
        std::size_t line_break = log_text.find('\n', start);
        if (line_break != std::string_view::npos && line_break + 1 < log_text.size()) {
            start = line_break + 1;
        } else {
            // One line longer than the window: start at a character, not inside one.
            while (start < log_text.size() &&
                   (static_cast<unsigned char>(log_text[start]) & 0xC0) == 0x80) {
                ++start;
            }
        }
    }
    return std::string(log_text.substr(start));
}

void keep_log_tail(std::string& log, std::string_view text) {
    constexpr std::size_t k_kept_bytes = 2 * k_max_log_result_bytes;
    constexpr std::size_t k_trim_bytes = 64 * 1024;
    log.append(text);
    if (log.size() > k_trim_bytes) {
        log.erase(0, log.size() - k_kept_bytes);
    }
}

std::string log_result(std::string_view log_text) {
    return base64_encode(tail_of_log(log_text));
}

} // namespace lambda_local::runtime
