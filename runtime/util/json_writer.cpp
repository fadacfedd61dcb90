// Compact JSON text without a document tree.
#include "runtime/util/json_writer.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace lambda_local {

namespace {

// Whether a byte goes into a JSON string as it is (ASCII, not a control character, no escape).
bool plain(unsigned char byte) {
    return byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\';
}

} // namespace

void append_json_string(std::string& out, std::string_view value) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::size_t start = out.size();
    out += '"';
    std::size_t i = 0;
    while (i < value.size()) {
        std::size_t run = i;
        while (run < value.size() && plain(static_cast<unsigned char>(value[run]))) {
            ++run;
        }
        out.append(value.data() + i, run - i);
        if (run == value.size()) {
            break;
        }
        auto byte = static_cast<unsigned char>(value[run]);
        i = run + 1;
        if (byte >= 0x80) {
            // Non-ASCII text is checked as UTF-8 and repaired exactly as nlohmann does it.
            out.resize(start);
            out += nlohmann::json(std::string(value))
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return;
        }
        switch (byte) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default: // another control character
            out += "\\u00";
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0xf];
        }
    }
    out += '"';
}

void JsonWriter::separate() {
    if (m_need_comma) {
        m_out += ',';
    }
    m_need_comma = true;
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    m_out += '{';
    m_need_comma = false;
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    m_out += '}';
    m_need_comma = true;
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    m_out += '[';
    m_need_comma = false;
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    m_out += ']';
    m_need_comma = true;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    separate();
    append_json_string(m_out, name);
    m_out += ':';
    m_need_comma = false;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
    separate();
    append_json_string(m_out, value);
    return *this;
}

JsonWriter& JsonWriter::number(std::int64_t value) {
    separate();
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    m_out.append(digits, end);
    return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
    separate();
    m_out += value ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    separate();
    m_out += json;
    return *this;
}

} // namespace lambda_local
