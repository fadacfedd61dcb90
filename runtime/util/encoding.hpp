// Byte encodings shared by the gateway and the sample events: percent-encoding and base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local {

// The value of one hex digit, or -1.
int hex_value(char c);

// `%XX` escapes decoded (and '+' as a space when `plus_as_space`, as in query
// strings); a malformed escape stays as sent.
std::string percent_decode(std::string_view text, bool plus_as_space = false);

enum class Base64Alphabet {
    Standard, // RFC 4648 §4: '+' '/'
    Url,      // RFC 4648 §5: '-' '_'
};

// Base64 of any bytes, with '=' padding.
std::string base64_encode(std::string_view bytes,
                          Base64Alphabet alphabet = Base64Alphabet::Standard);

// Decodes base64 in either alphabet; padding optional, ASCII whitespace (MIME
// line breaks) skipped. Nothing when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace lambda_local
