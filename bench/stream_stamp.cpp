// stream_stamp.cpp: a streaming handler for bench/streaming.py's time to first byte. It writes
// {"count": N} lines (default 20), each the CLOCK_MONOTONIC time in nanoseconds at which it is
// written, {"gap_ms": M} apart (default 50): the client subtracts it from the time it read the
// line (the same clock: the sandbox has no time namespace).
#include "lambda_local.h"

#include <time.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

long long number_member(std::string_view event, const char* name, long long fallback) {
    const std::string key = std::string("\"") + name + "\"";
    const size_t at = event.find(key);
    if (at == std::string_view::npos) {
        return fallback;
    }
    const size_t colon = event.find(':', at + key.size());
    if (colon == std::string_view::npos) {
        return fallback;
    }
    const std::string rest(event.substr(colon + 1, 32));
    char* end = nullptr;
    const long long value = std::strtoll(rest.c_str(), &end, 10);
    return end == rest.c_str() ? fallback : value;
}

long long monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

} // namespace

extern "C" {

LAMBDA_LOCAL_EXPORT_ABI_VERSION

int stamps(const lambda_local_api* api, lambda_local_invocation* inv) {
    if (api->abi_version < 2 || api->size < sizeof(lambda_local_api)) {
        api->fail(inv, "StreamingUnsupported", "this host's ABI has no response streaming");
        return 1;
    }
    size_t length = 0;
    const char* event_text = api->event(inv, &length);
    const std::string_view event = event_text ? std::string_view(event_text, length) : "";
    const long long count = number_member(event, "count", 20);
    const long long gap_ms = number_member(event, "gap_ms", 50);
    api->stream_start(inv, "text/plain");
    for (long long i = 0; i < count; ++i) {
        const std::string line = std::to_string(monotonic_ns()) + "\n";
        api->stream_write(inv, line.data(), line.size());
        timespec pause{static_cast<time_t>(gap_ms / 1000),
                       static_cast<long>(gap_ms % 1000) * 1000000L};
        while (nanosleep(&pause, &pause) != 0) {
        }
    }
    return 0;
}

} // extern "C"
