// Fuzzes the worker protocol (runtime/protocol/wire.hpp): frames from a stream cut anywhere, packed
// metas.
#include "runtime/protocol/wire.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <stdexcept>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::wire;

namespace {

// What a decoder made of a whole stream: its frames, then a corrupt frame or leftover bytes.
struct Decoded {
    std::vector<Frame> frames;
    bool corrupt = false;
    std::size_t buffered = 0;
};

bool same(const Frame& a, const Frame& b) {
    return a.type == b.type && a.meta == b.meta && a.body == b.body;
}

// Feeds `stream` in pieces of the sizes in `cuts` (cycled; all at once when there are none),
// taking every frame as soon as it is complete, as the supervisor's loop does.
Decoded decode(std::string_view stream, const std::vector<std::size_t>& cuts, Limits limits) {
    Decoded out;
    FrameDecoder decoder(limits);
    std::size_t cut = 0;
    while (!stream.empty()) {
        std::size_t piece = cuts.empty() ? stream.size() : cuts[cut++ % cuts.size()];
        piece = std::min(piece, stream.size());
        decoder.feed(stream.data(), piece);
        stream.remove_prefix(piece);
        try {
            while (std::optional<Frame> frame = decoder.next()) {
                out.frames.push_back(std::move(*frame));
            }
        } catch (const std::runtime_error&) {
            out.corrupt = true;
            return out;
        }
    }
    out.buffered = decoder.buffered();
    return out;
}

// The packed metas read back to what was packed.
void check_metas(const std::string& meta) {
    try {
        InvokeMeta invoke = unpack_invoke_meta(meta);
        FUZZ_CHECK(pack(invoke) == meta);
    } catch (const std::runtime_error&) {
    }
    try {
        ResultMeta result = unpack_result_meta(meta);
        ResultMeta again = unpack_result_meta(pack(result));
        FUZZ_CHECK(again.ok == result.ok && again.duration_us == result.duration_us &&
                   again.peak_rss_kib == result.peak_rss_kib &&
                   again.error_type == result.error_type &&
                   again.error_message == result.error_message);
        // Only `ok` is normalised (any non-zero number is true).
        FUZZ_CHECK(pack(result).substr(8) == meta.substr(8));
    } catch (const std::runtime_error&) {
    }
}

} // namespace

// The first byte says how many of the next bytes are piece sizes (0 to 15); the rest is the
// stream. Both ends of the pipe must agree whatever the kernel's reads return.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    std::size_t count = std::min<std::size_t>(data[0] % 16, size - 1);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < count; ++i) {
        cuts.push_back(std::size_t{data[1 + i]} + 1);
    }
    const std::string_view stream = fuzz::as_text(data + 1 + count, size - 1 - count);

    check_metas(std::string(stream));
    for (Limits limits : {Limits{}, Limits{64, 256}}) {
        const Decoded whole = decode(stream, {}, limits);
        const Decoded pieces = decode(stream, cuts, limits);
        const Decoded bytes = decode(stream, {1}, limits);
        // However the stream is cut, the same frames come out, then the same end.
        for (const Decoded* other : {&pieces, &bytes}) {
            FUZZ_CHECK(other->frames.size() == whole.frames.size());
            for (std::size_t i = 0; i < whole.frames.size(); ++i) {
                FUZZ_CHECK(same(other->frames[i], whole.frames[i]));
            }
            FUZZ_CHECK(other->corrupt == whole.corrupt);
            FUZZ_CHECK(other->buffered == whole.buffered);
        }
        // Each frame re-encodes to the bytes it came from; unless the stream was corrupt,
        // what is left over is the rest of it.
        std::string encoded;
        for (const Frame& frame : whole.frames) {
            FUZZ_CHECK(frame.meta.size() <= limits.max_meta);
            FUZZ_CHECK(frame.body.size() <= limits.max_body);
            encoded += encode(frame);
            check_metas(frame.meta);
        }
        FUZZ_CHECK(stream.starts_with(encoded));
        if (!whole.corrupt) {
            FUZZ_CHECK(encoded.size() + whole.buffered == stream.size());
            FUZZ_CHECK(whole.buffered < k_header_size + limits.max_meta + limits.max_body);
        }
    }
    return 0;
}
