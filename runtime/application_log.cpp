// Splitting a function's output into lines and filtering them by level.
#include "runtime/application_log.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

namespace lambda_local::runtime {
namespace {

// Reads a JSON text without building it: whether it is an object, and the "level" member at its
// top (the last one, when there are several). Nesting is counted, not recursed into.
class LevelFinder : public nlohmann::json_sax<nlohmann::json> {
  public:
    bool is_object = false;
    bool level_given = false;
    std::string level; // the "level" member's value when it is a string

    bool null() override { return value(nullptr); }
    bool boolean(bool) override { return value(nullptr); }
    bool number_integer(number_integer_t) override { return value(nullptr); }
    bool number_unsigned(number_unsigned_t) override { return value(nullptr); }
    bool number_float(number_float_t, const string_t&) override { return value(nullptr); }
    bool string(string_t& text) override { return value(&text); }
    bool binary(binary_t&) override { return value(nullptr); }
    bool start_object(std::size_t) override {
        if (m_depth == 0) {
            is_object = true;
        }
        return open();
    }
    bool key(string_t& name) override {
        m_level_next = m_depth == 1 && name == "level";
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

  private:
    // A scalar value; `text` when it is a string.
    bool value(const std::string* text) {
        if (m_level_next && m_depth == 1) {
            level_given = true;
            level = text != nullptr ? *text : std::string();
        }
        m_level_next = false;
        return true;
    }
    bool open() {
        if (m_level_next && m_depth == 1) {
            level_given = true;
            level.clear(); // an object or array: not a level
        }
        m_level_next = false;
        ++m_depth;
        return true;
    }
    bool close() {
        --m_depth;
        return true;
    }

    std::size_t m_depth = 0;
    bool m_level_next = false;
};

// Where to cut a line of `text.size()` bytes that is too long: at most k_max_log_line_bytes, and
// not inside a UTF-8 character when one starts within the last three bytes before the cap.
std::size_t cut_point(std::string_view text) {
    std::size_t cut = k_max_log_line_bytes;
    for (std::size_t back = 0; back < 4 && back < cut; ++back) {
        auto byte = static_cast<unsigned char>(text[cut - back]);
        if ((byte & 0xC0) != 0x80) { // not a continuation byte: a character starts here
            return cut - back;
        }
    }
    return cut;
}

} // namespace

ApplicationLogReader::ApplicationLogReader(const LoggingConfig& config) : m_config(config) {}

LogLevel ApplicationLogReader::level_of(std::string_view line) {
    std::size_t first = line.find_first_not_of(" \t\r");
    // JSON has no raw NUL anywhere (nlohmann's reader would take one for the end of the text).
    if (first == std::string_view::npos || line[first] != '{' ||
        line.find('\0') != std::string_view::npos) {
        return LogLevel::Info;
    }
    LevelFinder finder;
    bool valid = nlohmann::json::sax_parse(line.begin(), line.end(), &finder,
                                           nlohmann::json::input_format_t::json, true);
    if (!valid || !finder.is_object || !finder.level_given) {
        return LogLevel::Info;
    }
    return parse_application_log_level(finder.level).value_or(LogLevel::Info);
}

void ApplicationLogReader::take_line(std::string_view line, bool whole,
                                     std::vector<std::string>& lines) const {
    if (m_config.format == LogFormat::Json && m_config.application_level > LogLevel::Trace) {
        // A piece of a cut line is no JSON of its own: plain text, at INFO.
        LogLevel level = whole ? level_of(line) : LogLevel::Info;
        if (level < m_config.application_level) {
            return;
        }
    }
    lines.emplace_back(line);
}

void ApplicationLogReader::cut_pieces(std::vector<std::string>& lines) {
    std::size_t start = 0;
    while (m_partial.size() - start > k_max_log_line_bytes) {
        std::string_view rest = std::string_view(m_partial).substr(start);
        std::size_t cut = cut_point(rest);
        take_line(rest.substr(0, cut), false, lines);
        start += cut;
        m_continued = true;
    }
    m_partial.erase(0, start);
}

void ApplicationLogReader::feed(std::string_view bytes, std::vector<std::string>& lines) {
    while (!bytes.empty()) {
        const void* found = std::memchr(bytes.data(), '\n', bytes.size());
        if (found == nullptr) {
            m_partial.append(bytes);
            cut_pieces(lines);
            return;
        }
        std::size_t end = static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
        std::string_view line = bytes.substr(0, end);
        bytes.remove_prefix(end + 1);
        if (m_partial.empty() && !m_continued && line.size() <= k_max_log_line_bytes) {
            take_line(line, true, lines); // the common case: a whole line in one chunk
            continue;
        }
        m_partial.append(line);
        cut_pieces(lines);
        take_line(m_partial, !m_continued, lines);
        m_partial.clear();
        m_continued = false;
    }
}

void ApplicationLogReader::flush(std::vector<std::string>& lines) {
    if (!m_partial.empty()) {
        take_line(m_partial, !m_continued, lines);
    }
    m_partial.clear();
    m_continued = false;
}

} // namespace lambda_local::runtime
