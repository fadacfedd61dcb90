// Fuzzes the reading of a function's output into log lines (runtime/logs/application_log.hpp):
// lines split anywhere, JSON levels, lines past the cap.
#include "runtime/logs/application_log.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::runtime;

namespace {

std::vector<std::string> read_in_pieces(const LoggingConfig& config, std::string_view output,
                                        std::size_t piece) {
    ApplicationLogReader reader(config);
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < output.size(); at += piece) {
        reader.feed(output.substr(at, piece), lines);
    }
    reader.flush(lines);
    return lines;
}

// The output's lines as written: split at each '\n', the last one kept when not empty.
std::vector<std::string> split(std::string_view output) {
    std::vector<std::string> lines;
    while (!output.empty()) {
        std::size_t end = output.find('\n');
        lines.emplace_back(output.substr(0, end));
        output.remove_prefix(end == std::string_view::npos ? output.size() : end + 1);
    }
    return lines;
}

} // namespace

// The input: a byte choosing the format and the level, a byte the size of the pieces, a byte
// how many times the rest is repeated (lines longer than the cap need more than max_len), then
// the output.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    LoggingConfig config;
    config.format = (data[0] & 0x80) != 0 ? LogFormat::Json : LogFormat::Text;
    config.application_level = static_cast<LogLevel>((data[0] & 0x7f) % 6);
    std::string output;
    const std::string_view rest = fuzz::as_text(data + 3, size - 3);
    for (int copies = 1 + data[2] % 128; copies > 0; --copies) {
        output += rest;
    }
    // Pieces of 1 to 256 bytes, or of 4 KB to 1 MB in an output longer than 64 KB.
    const std::size_t piece = std::size_t{1u + data[1]} * (output.size() > 65536 ? 4096 : 1);

    const std::vector<std::string> lines = read_in_pieces(config, output, output.size() + 1);
    // However the bytes arrive, the lines are the same.
    FUZZ_CHECK(read_in_pieces(config, output, piece) == lines);
    if (output.size() <= 4096) {
        FUZZ_CHECK(read_in_pieces(config, output, 1) == lines);
    }
    std::size_t kept = 0;
    for (const std::string& line : lines) {
        FUZZ_CHECK(line.size() <= k_max_log_line_bytes);
        FUZZ_CHECK(line.find('\n') == std::string::npos);
        kept += line.size();
    }
    const bool filtered =
        config.format == LogFormat::Json && config.application_level > LogLevel::Trace;
    std::vector<std::string> written = split(output);
    bool cut = false;
    for (const std::string& line : written) {
        cut = cut || line.size() > k_max_log_line_bytes;
    }
    if (!filtered) {
        // Every byte but the newlines is kept, in pieces when a line is cut.
        FUZZ_CHECK(kept +
                       static_cast<std::size_t>(std::count(output.begin(), output.end(), '\n')) ==
                   output.size());
        FUZZ_CHECK(cut || lines == written);
    } else if (!cut) {
        // Each line is kept whole or dropped, by its own level.
        std::erase_if(written, [&](const std::string& line) {
            return ApplicationLogReader::level_of(line) < config.application_level;
        });
        FUZZ_CHECK(lines == written);
    }
    return 0;
}
