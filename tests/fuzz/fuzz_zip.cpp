// Fuzzes the reading of a layer's ZIP archive (runtime/layers/zip_archive.hpp): its central
// directory, then each entry's bytes, as extract_zip reads them.
#include "runtime/layers/zip_archive.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <optional>

using namespace lambda_local;
using namespace lambda_local::runtime::layers;

namespace {

// Entries declaring more than this in all are only listed, not read: a few KB of deflate can
// declare gigabytes, which says nothing more about the reader than a few megabytes do.
constexpr std::uint64_t k_read_budget = 16u << 20;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fuzz::MemoryFile file(fuzz::as_text(data, size));
    std::optional<ZipArchive> archive;
    try {
        archive.emplace(file.path());
    } catch (const Error&) {
        return 0; // "<path>: not a zip archive ..." and the like
    }
    // What extract_zip compares with the layer's limit is every declared size, added up: a sum
    // that wraps around would let any archive through.
    std::uint64_t declared = 0;
    for (const ZipEntry& entry : archive->entries()) {
        FUZZ_CHECK(!__builtin_add_overflow(declared, entry.size, &declared));
        FUZZ_CHECK((entry.mode & ~0777u) == 0);
    }
    FUZZ_CHECK(archive->unzipped_size() == declared);
    FUZZ_CHECK(archive->entries().size() <= k_max_zip_entries);
    if (declared > k_read_budget) {
        return 0;
    }
    for (const ZipEntry& entry : archive->entries()) {
        // An entry never gives more than it declares; one read whole gives exactly that.
        std::uint64_t produced = 0;
        try {
            archive->read(entry, [&](std::string_view piece) {
                produced += piece.size();
                FUZZ_CHECK(produced <= entry.size);
            });
        } catch (const Error&) {
            continue; // "<path>: entry '<name>': <why>"
        }
        FUZZ_CHECK(produced == entry.size);
        try {
            FUZZ_CHECK(archive->read_small(entry, 64).size() <= 64);
        } catch (const Error&) {
            FUZZ_CHECK(entry.size > 64);
        }
    }
    return 0;
}
