// Formatting of wall-clock times in UTC.
#include "runtime/util/clock.hpp"

#include <cstdio>
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
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(ms));
    return format(t, "%Y-%m-%dT%H:%M:%S") + millis + "Z";
}

std::string log_stream_date(WallClock::time_point t) {
    return format(t, "%Y/%m/%d");
}

std::string clf_time(WallClock::time_point t) {
    // %b is locale-dependent; spell the month in English as API Gateway does.
    static const char* const k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm parts = utc(t);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%02d/%s/%04d:%02d:%02d:%02d +0000", parts.tm_mday,
                  k_months[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour, parts.tm_min,
                  parts.tm_sec);
    return buffer;
}

} // namespace lambda_local
