// Time: the wall clock in Lambda's formats, and a monotonic clock for deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lambda_local {

using MonotonicClock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

// Milliseconds since the Unix epoch.
std::int64_t epoch_ms(WallClock::time_point t = WallClock::now());
// ISO 8601 with milliseconds in UTC: "2020-11-10T05:46:57.874Z".
std::string iso8601(WallClock::time_point t);
// The date part of a log stream name: "2020/11/10".
std::string log_stream_date(WallClock::time_point t);
// API Gateway's request time: "15/May/2024:06:01:09 +0000".
std::string clf_time(WallClock::time_point t);

} // namespace lambda_local
