// Decoding a chunked request body as it arrives, within bounds.
#include "runtime/http/chunked_body.hpp"

#include "runtime/http/request_head.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/text.hpp"

#include <algorithm>

namespace lambda_local::runtime::http {

namespace {

bool has_control(std::string_view value) {
    return std::any_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

} // namespace

ChunkedDecoder::Step ChunkedDecoder::fail(int status, std::string reason, std::size_t consumed) {
    m_state = State::Failed;
    m_status = status;
    m_reason = std::move(reason);
    m_line.clear();
    return {consumed, {}};
}

bool ChunkedDecoder::size_line(std::string_view line) {
    // chunk-size [ chunk-ext ]: hexadecimal digits, then optional extensions (ignored).
    std::size_t digits = 0;
    std::size_t size = 0;
    while (digits < line.size() && hex_value(line[digits]) >= 0) {
        if (size > (m_limits.max_body >> 4)) {
            size = m_limits.max_body + 1; // past any allowance: refused below
        } else {
            size = (size << 4) | static_cast<std::size_t>(hex_value(line[digits]));
        }
        ++digits;
    }
    if (digits == 0) {
        fail(400, "a chunk size is not hexadecimal", 0);
        return false;
    }
    std::string_view rest = trim_blanks(line.substr(digits));
    if (!rest.empty() && rest.front() != ';') {
        fail(400, "a chunk size line is malformed", 0);
        return false;
    }
    if (size > m_limits.max_body - m_body) {
        fail(413, "the request body is too large", 0);
        return false;
    }
    m_remaining = size;
    m_state = size == 0 ? State::Trailer : State::Data;
    return true;
}

bool ChunkedDecoder::trailer_line(std::string_view line) {
    if (line.empty()) {
        m_state = State::Done;
        return true;
    }
    m_trailer_bytes += line.size() + 2;
    if (m_trailer_bytes > m_limits.max_trailers ||
        m_trailers.size() >= m_limits.max_trailer_fields) {
        fail(431, "the trailer section is too large", 0);
        return false;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_field_name(line.substr(0, colon))) {
        fail(400, "a malformed trailer field", 0);
        return false;
    }
    std::string_view value = trim_blanks(line.substr(colon + 1));
    if (has_control(value)) {
        fail(400, "a trailer field value with a control character", 0);
        return false;
    }
    m_trailers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    return true;
}

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view input) {
    std::size_t used = 0;
    while (used < input.size()) {
        switch (m_state) {
        case State::Done:
        case State::Failed:
            return {used, {}};
        case State::Data: {
            std::size_t take = std::min(m_remaining, input.size() - used);
            std::string_view data = input.substr(used, take);
            m_remaining -= take;
            m_body += take;
            if (m_remaining == 0) {
                m_state = State::DataEnd;
            }
            return {used + take, data};
        }
        case State::Size:
        case State::DataEnd:
        case State::Trailer: {
            std::size_t limit =
                m_state == State::Trailer ? m_limits.max_trailers : m_limits.max_line;
            std::string_view rest = input.substr(used);
            auto newline = rest.find('\n');
            if (newline == std::string_view::npos) {
                if (m_line.size() + rest.size() > limit) {
                    return fail(m_state == State::Trailer ? 431 : 400,
                                m_state == State::Trailer ? "the trailer section is too large"
                                                          : "a chunk size line is too long",
                                used);
                }
                m_line.append(rest);
                return {input.size(), {}};
            }
            if (m_line.size() + newline > limit) {
                return fail(m_state == State::Trailer ? 431 : 400,
                            m_state == State::Trailer ? "the trailer section is too large"
                                                      : "a chunk size line is too long",
                            used);
            }
            m_line.append(rest.substr(0, newline));
            used += newline + 1;
            std::string line = std::move(m_line);
            m_line.clear();
            // Lines end with CRLF; a bare LF is accepted, a CR elsewhere is not.
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (line.find('\r') != std::string::npos) {
                return fail(400, "a bare CR in the chunked framing", used);
            }
            if (m_state == State::DataEnd) {
                if (!line.empty()) {
                    return fail(400, "chunk data longer than its size", used);
                }
                m_state = State::Size;
            } else if (m_state == State::Size) {
                if (!size_line(line)) {
                    return {used, {}};
                }
            } else if (!trailer_line(line)) {
                return {used, {}};
            }
            if (m_state == State::Done) {
                return {used, {}};
            }
            break;
        }
        }
    }
    return {used, {}};
}

} // namespace lambda_local::runtime::http
