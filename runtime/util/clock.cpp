// Formatting of wall-clock times in UTC.
#include "runtime/util/clock.hpp"

#include "runtime/util/number_text.hpp"

#include <ctime>

namespace lambda_local {
namespace {

std::tm utc(WallClock::time_point t) {
    std::time_t seconds = WallClock::to_time_t(t);
    std::tm out{};
    ::gmtime_r(&seconds, &out);
    return out;
}

std::string format(WallClock::time_point t, const char* pattern) {
    std::tm parts = utc(t);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, pattern, &parts);
    return std::string(buffer, n);
}

} // namespace

std::int64_t epoch_ms(WallClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string iso8601(WallClock::time_point t) {
    auto ms = epoch_ms(t) % 1000;
    if (ms < 0) {
        ms += 1000;
    }
    std::string text = format(t, "%Y-%m-%dT%H:%M:%S") + ".";
    append_padded(text, static_cast<unsigned long long>(ms), 3);
    return text + "Z";
}

std::string log_stream_date(WallClock::time_point t) {
    return format(t, "%Y/%m/%d");
}

std::string clf_time(WallClock::time_point t) {
    // %b is locale-dependent; spell the month in English as API Gateway does.
    static const char* const k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm parts = utc(t);
    // "%02d/%s/%04d:%02d:%02d:%02d +0000"
    auto two = [](std::string& out, int value) {
        append_padded(out, static_cast<unsigned long long>(value), 2);
    };
    std::string text;
    text.reserve(26);
    two(text, parts.tm_mday);
    text += '/';
    text += k_months[parts.tm_mon];
    text += '/';
    append_padded(text, static_cast<unsigned long long>(parts.tm_year + 1900), 4);
    text += ':';
    two(text, parts.tm_hour);
    text += ':';
    two(text, parts.tm_min);
    text += ':';
    two(text, parts.tm_sec);
    text += " +0000";
    return text;
}

} // namespace lambda_local
