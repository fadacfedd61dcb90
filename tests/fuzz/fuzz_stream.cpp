// Fuzzes the two parsers of a streamed response that read untrusted bytes in pieces: the
// prelude of Lambda's HTTP integration form (a function's output, gateway/http_stream.hpp) and
// a custom runtime's chunked /response body (http/chunked_body.hpp). The first byte picks the
// parser, the second how the rest is cut into pieces.
#include "runtime/gateway/http_stream.hpp"
#include "runtime/http/chunked_body.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace lambda_local::runtime;

namespace {

// The input after the two control bytes, as pieces of 1 to `piece` bytes.
template <typename Feed> void in_pieces(std::string_view input, std::size_t piece, Feed feed) {
    while (!input.empty()) {
        const std::size_t n = input.size() < piece ? input.size() : piece;
        if (!feed(input.substr(0, n))) {
            return;
        }
        input.remove_prefix(n);
    }
}

void prelude(std::string_view input, std::size_t piece) {
    gateway::HttpPreludeReader reader;
    std::size_t fed = 0;
    in_pieces(input, piece, [&](std::string_view bytes) {
        fed += bytes.size();
        const auto state = reader.feed(bytes);
        if (state == gateway::HttpPreludeReader::State::Reading) {
            // No delimiter yet, and never more than the bound buffered.
            FUZZ_CHECK(fed <= gateway::k_max_http_prelude);
        }
        return state == gateway::HttpPreludeReader::State::Reading;
    });
    if (reader.state() == gateway::HttpPreludeReader::State::Done) {
        FUZZ_CHECK(reader.prelude().status >= 100 && reader.prelude().status <= 599);
        FUZZ_CHECK(reader.take_body().size() <= input.size());
    }
    if (reader.state() == gateway::HttpPreludeReader::State::Malformed) {
        FUZZ_CHECK(!reader.malformed().empty());
    }
}

void chunked(std::string_view input, std::size_t piece) {
    http::ChunkedLimits limits;
    limits.max_body = 4096; // small, so that the fuzzer reaches the 413
    http::ChunkedDecoder decoder(limits);
    std::size_t data = 0;
    in_pieces(input, piece, [&](std::string_view bytes) {
        while (!bytes.empty() && !decoder.complete() && !decoder.failed()) {
            const auto step = decoder.feed(bytes);
            FUZZ_CHECK(step.consumed <= bytes.size());
            if (!step.data.empty()) {
                // The data is a view into what was given, and within what was consumed.
                FUZZ_CHECK(step.data.data() >= bytes.data() &&
                           step.data.data() + step.data.size() <= bytes.data() + step.consumed);
            }
            data += step.data.size();
            if (step.consumed == 0) {
                break;
            }
            bytes.remove_prefix(step.consumed);
        }
        return !decoder.complete() && !decoder.failed();
    });
    FUZZ_CHECK(data == decoder.body_bytes());
    FUZZ_CHECK(data <= limits.max_body);
    if (decoder.failed()) {
        FUZZ_CHECK(decoder.status() == 400 || decoder.status() == 413 || decoder.status() == 431);
    }
    if (decoder.complete()) {
        FUZZ_CHECK(decoder.trailers().size() <= limits.max_trailer_fields);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::string_view input = lambda_local::fuzz::as_text(data + 2, size - 2);
    const std::size_t piece = 1 + data[1] % 64;
    if (data[0] % 2 == 0) {
        prelude(input, piece);
    } else {
        chunked(input, piece);
    }
    return 0;
}
