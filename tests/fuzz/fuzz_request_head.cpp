// Fuzzes the HTTP/1.1 request head (runtime/http/request_head.hpp): its end, then its checks.
#include "runtime/http/request_head.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <strings.h>

#include <algorithm>

using namespace lambda_local;
using namespace lambda_local::runtime::http;

namespace {

// Small limits, so that short inputs reach them.
constexpr HeadLimits k_limits{1024, 256, 100000};

// The head written back from what was parsed: the request line, then one field a line.
std::string serialize(const RequestHead& head) {
    std::string out = head.method + " " + head.target + " " + head.version + "\r\n";
    for (const auto& [name, value] : head.headers) {
        out += name + ": " + value + "\r\n";
    }
    return out + "\r\n";
}

bool same(const RequestHead& a, const RequestHead& b) {
    return a.method == b.method && a.target == b.target && a.version == b.version &&
           a.headers == b.headers && a.framing == b.framing && a.content_length == b.content_length;
}

void check_accepted(const RequestHead& head) {
    FUZZ_CHECK(is_field_name(head.method));
    FUZZ_CHECK(!head.target.empty());
    FUZZ_CHECK(std::none_of(head.target.begin(), head.target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    }));
    FUZZ_CHECK(head.version == "HTTP/1.0" || head.version.starts_with("HTTP/1."));
    FUZZ_CHECK(head.headers.size() <= k_max_header_fields);
    int hosts = 0;
    for (const auto& [name, value] : head.headers) {
        FUZZ_CHECK(is_field_name(name));
        // Nothing that could end a line or a string reaches an event.
        FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
        hosts += ::strcasecmp(name.c_str(), "host") == 0 ? 1 : 0;
    }
    FUZZ_CHECK(hosts <= 1);
    FUZZ_CHECK(hosts == 1 || head.version == "HTTP/1.0");
    if (head.framing == BodyFraming::Length) {
        FUZZ_CHECK(head.content_length <= k_limits.max_body);
    } else {
        FUZZ_CHECK(head.content_length == 0);
    }
    // Written back and read again, the head is the same (CRLF and ": " may make it longer).
    const std::string written = serialize(head);
    HeadLimits roomy = k_limits;
    roomy.max_head = written.size();
    HeadScan scan;
    const HeadExtent extent = find_head_end(written, roomy, scan);
    FUZZ_CHECK(extent.kind == HeadExtent::Kind::Complete && extent.length == written.size());
    RequestHead again;
    HeadError error;
    FUZZ_CHECK(parse_request_head(written, roomy, again, error));
    FUZZ_CHECK(same(head, again));
}

} // namespace

// The first byte is the size of the pieces the bytes arrive in (1 to 64); the rest is what a
// client sent.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t step = data[0] % 64 + 1;
    const std::string_view bytes = fuzz::as_text(data + 1, size - 1);

    // The end of the head, searched once over everything, and as the bytes arrive.
    HeadScan whole_scan;
    const HeadExtent whole = find_head_end(bytes, k_limits, whole_scan);
    HeadExtent growing;
    HeadScan scan;
    for (std::size_t have = std::min(step, bytes.size());;
         have = std::min(have + step, bytes.size())) {
        growing = find_head_end(bytes.substr(0, have), k_limits, scan);
        if (growing.kind != HeadExtent::Kind::Incomplete || have == bytes.size()) {
            break;
        }
    }
    if (whole.kind == HeadExtent::Kind::Complete) {
        FUZZ_CHECK(whole.length <= bytes.size());
        FUZZ_CHECK(bytes[whole.length - 1] == '\n');
    }
    if (growing.kind == HeadExtent::Kind::Complete) {
        FUZZ_CHECK(whole.kind == HeadExtent::Kind::Complete && whole.length == growing.length);
    }
    if (growing.kind == HeadExtent::Kind::TooLarge) {
        FUZZ_CHECK(growing.status == 414 || growing.status == 431);
    }

    // The head is parsed as the server would (what the growing search delimited), and whole.
    std::string_view head = bytes;
    if (whole.kind == HeadExtent::Kind::Complete) {
        head = bytes.substr(0, whole.length);
    }
    RequestHead parsed;
    HeadError error;
    if (parse_request_head(head, k_limits, parsed, error)) {
        check_accepted(parsed);
        // A head refused as too large while it arrived is not one accepted when seen whole:
        // the limits do not depend on how the bytes were cut.
        FUZZ_CHECK(whole.kind != HeadExtent::Kind::Complete ||
                   growing.kind != HeadExtent::Kind::TooLarge);
    } else {
        const int statuses[] = {400, 413, 414, 431, 501, 505};
        FUZZ_CHECK(std::find(std::begin(statuses), std::end(statuses), error.status) !=
                   std::end(statuses));
        FUZZ_CHECK(!error.reason.empty());
    }
    return 0;
}
