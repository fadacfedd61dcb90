// The HTTP integration form of a streamed response: its prelude, read as it comes.
#include "runtime/gateway/http_stream.hpp"

#include "runtime/execution/response_stream.hpp"
#include "runtime/util/json_depth.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace lambda_local::runtime::gateway {
namespace {

using nlohmann::json;

MalformedResponse malformed_prelude(std::string reason) {
    return MalformedResponse{"prelude: " + std::move(reason)};
}

// The text a header value or cookie stands for: strings as they are, numbers and booleans as
// JSON writes them; nothing for arrays and objects.
std::optional<std::string> scalar_text(const json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_number() || value.is_boolean()) {
        return value.dump();
    }
    return std::nullopt;
}

} // namespace

std::variant<HttpPrelude, MalformedResponse> parse_http_prelude(std::string_view text) {
    json prelude = parse_json_bounded<json>(text);
    if (prelude.is_discarded()) {
        return malformed_prelude("not JSON");
    }
    if (!prelude.is_object()) {
        return malformed_prelude("not a JSON object");
    }
    HttpPrelude out;
    if (auto code = prelude.find("statusCode"); code != prelude.end() && !code->is_null()) {
        if (!code->is_number_integer() || code->get<long long>() < 100 ||
            code->get<long long>() > 599) {
            return malformed_prelude("statusCode is not an integer from 100 to 599");
        }
        out.status = code->get<int>();
    }
    if (auto headers = prelude.find("headers"); headers != prelude.end() && !headers->is_null()) {
        if (!headers->is_object()) {
            return malformed_prelude("headers is not an object");
        }
        for (const auto& [name, value] : headers->items()) {
            if (value.is_null()) {
                continue;
            }
            std::optional<std::string> text_value = scalar_text(value);
            if (!text_value) {
                return malformed_prelude("header \"" + name + "\" is not a string");
            }
            out.headers.emplace_back(name, std::move(*text_value));
        }
    }
    if (auto multi = prelude.find("multiValueHeaders");
        multi != prelude.end() && !multi->is_null()) {
        if (!multi->is_object()) {
            return malformed_prelude("multiValueHeaders is not an object");
        }
        for (const auto& [name, values] : multi->items()) {
            if (values.is_null()) {
                continue;
            }
            if (!values.is_array()) {
                return malformed_prelude("multiValueHeaders \"" + name + "\" is not an array");
            }
            for (const auto& value : values) {
                std::optional<std::string> text_value = scalar_text(value);
                if (!text_value) {
                    return malformed_prelude("multiValueHeaders \"" + name +
                                             "\" holds a non-string");
                }
                out.headers.emplace_back(name, std::move(*text_value));
            }
        }
    }
    if (auto cookies = prelude.find("cookies"); cookies != prelude.end() && !cookies->is_null()) {
        if (!cookies->is_array()) {
            return malformed_prelude("cookies is not an array");
        }
        for (const auto& cookie : *cookies) {
            std::optional<std::string> text_value = scalar_text(cookie);
            if (!text_value) {
                return malformed_prelude("cookies holds a non-string");
            }
            out.headers.emplace_back("set-cookie", std::move(*text_value));
        }
    }
    return out;
}

HttpPreludeReader::State HttpPreludeReader::feed(std::string_view bytes) {
    if (m_state != State::Reading) {
        return m_state;
    }
    // Only what can still hold the delimiter within the bound is kept.
    const std::size_t searched_from = m_buffer.size() >= k_http_prelude_delimiter.size() - 1
                                          ? m_buffer.size() - (k_http_prelude_delimiter.size() - 1)
                                          : 0;
    const std::size_t room = k_max_http_prelude + 1 - m_buffer.size();
    std::string_view kept = bytes.substr(0, room);
    m_buffer.append(kept);
    const std::size_t at = m_buffer.find(k_http_prelude_delimiter, searched_from);
    const bool within =
        at != std::string::npos && at + k_http_prelude_delimiter.size() <= k_max_http_prelude;
    if (!within) {
        if (at != std::string::npos || m_buffer.size() > k_max_http_prelude) {
            m_state = State::Malformed;
            m_malformed = "prelude: no delimiter within the first " +
                          std::to_string(k_max_http_prelude) + " bytes";
            m_buffer.clear();
        }
        return m_state;
    }
    auto parsed = parse_http_prelude(std::string_view(m_buffer).substr(0, at));
    if (auto* bad = std::get_if<MalformedResponse>(&parsed)) {
        m_state = State::Malformed;
        m_malformed = bad->reason;
        m_buffer.clear();
        return m_state;
    }
    m_prelude = std::move(std::get<HttpPrelude>(parsed));
    m_body = m_buffer.substr(at + k_http_prelude_delimiter.size());
    m_body.append(bytes.substr(kept.size()));
    m_buffer.clear();
    m_state = State::Done;
    return m_state;
}

HttpResponse unstreamed_response(std::string_view payload) {
    HttpResponse response;
    response.status = 200;
    response.headers.emplace_back("content-type", "application/json");
    response.body = std::string(payload);
    return response;
}

} // namespace lambda_local::runtime::gateway
