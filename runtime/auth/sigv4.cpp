// Checking AWS Signature Version 4 signatures with libcrypto's HMAC-SHA256 and SHA-256.
#include "runtime/auth/sigv4.hpp"

#include "runtime/util/encoding.hpp"
#include "runtime/util/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

namespace lambda_local::runtime::auth::sigv4 {
namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view k_terminator = "aws4_request";
// Bounds on what a client sends: no signature needs more.
constexpr std::size_t k_max_signed_headers = 64;
constexpr std::size_t k_max_authorization = 4096;
// A presigned URL lives at most 7 days (AWS's limit for X-Amz-Expires).
constexpr long long k_max_expires_s = 7 * 24 * 3600;

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

// AWS's URI encoding: every byte but the unreserved ones as %XX, uppercase hex.
std::string uri_encode(std::string_view text, bool keep_slash) {
    static const char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
    static const char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += k_hex[bytes[i] >> 4];
        out += k_hex[bytes[i] & 15];
    }
    return out;
}

std::string hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
    return std::string(reinterpret_cast<const char*>(out), size);
}

// A header value as the canonical request has it: trimmed, inner runs of spaces made one.
std::string canonical_value(std::string_view value) {
    value = trim_blanks(value);
    std::string out;
    out.reserve(value.size());
    bool space = false;
    for (char c : value) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) {
            out += ' ';
        }
        space = false;
        out += c;
    }
    return out;
}

const std::string* header(const HttpRequest& request, std::string_view lower_name) {
    for (const auto& [name, value] : request.headers) {
        if (lowercase(name) == lower_name) {
            return &value;
        }
    }
    return nullptr;
}

// The query's parameters, decoded (a '+' stays a '+').
std::vector<std::pair<std::string, std::string>> query_parameters(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> out;
    if (raw.empty()) {
        return out;
    }
    for (std::string_view piece : split_view(raw, '&')) {
        if (piece.empty()) {
            continue;
        }
        std::size_t eq = piece.find('=');
        out.emplace_back(percent_decode(piece.substr(0, eq)),
                         eq == std::string_view::npos ? std::string()
                                                      : percent_decode(piece.substr(eq + 1)));
    }
    return out;
}

// "Credential=AKID/20150830/us-east-1/lambda/aws4_request" → its parts.
bool read_credential(std::string_view credential, SignatureParts& parts, std::string* why) {
    std::vector<std::string_view> scope = split_view(credential, '/');
    if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[4] != k_terminator) {
        *why = "the credential is not <key>/<date>/<region>/<service>/aws4_request";
        return false;
    }
    parts.access_key_id = std::string(scope[0]);
    parts.date = std::string(scope[1]);
    parts.region = std::string(scope[2]);
    parts.service = std::string(scope[3]);
    return true;
}

bool read_signed_headers(std::string_view list, SignatureParts& parts, std::string* why) {
    for (std::string_view name : split_view(list, ';')) {
        if (name.empty() || parts.signed_headers.size() >= k_max_signed_headers) {
            *why = "SignedHeaders is not a list of header names";
            return false;
        }
        parts.signed_headers.push_back(lowercase(name));
    }
    return true;
}

// "20150830T123600Z" as a time, or nothing.
std::optional<WallClock::time_point> parse_amz_date(std::string_view text) {
    if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') {
        return std::nullopt;
    }
    for (std::size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
        if (text[i] < '0' || text[i] > '9') {
            return std::nullopt;
        }
    }
    auto number = [&](std::size_t at, std::size_t count) {
        int value = 0;
        for (std::size_t i = at; i < at + count; ++i) {
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    std::tm tm{};
    tm.tm_year = number(0, 4) - 1900;
    tm.tm_mon = number(4, 2) - 1;
    tm.tm_mday = number(6, 2);
    tm.tm_hour = number(9, 2);
    tm.tm_min = number(11, 2);
    tm.tm_sec = number(13, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60) {
        return std::nullopt;
    }
    return WallClock::from_time_t(::timegm(&tm));
}

} // namespace

std::string canonical_uri(std::string_view raw_path) {
    if (raw_path.empty()) {
        return "/";
    }
    std::vector<std::string_view> kept;
    for (std::string_view segment : split_view(raw_path, '/')) {
        if (segment.empty() || segment == ".") {
            continue;
        }
        if (segment == "..") {
            if (!kept.empty()) {
                kept.pop_back();
            }
            continue;
        }
        kept.push_back(segment);
    }
    std::string path = "/";
    for (std::size_t i = 0; i < kept.size(); ++i) {
        path += (i > 0 ? "/" : "") + std::string(kept[i]);
    }
    if (!kept.empty() && raw_path.back() == '/') {
        path += '/';
    }
    return uri_encode(path, true);
}

std::string canonical_query(std::string_view raw_query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    for (auto& [name, value] : query_parameters(raw_query)) {
        if (name == "X-Amz-Signature") {
            continue;
        }
        encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
    }
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [name, value] : encoded) {
        out += (out.empty() ? "" : "&") + name + "=" + value;
    }
    return out;
}

std::optional<std::string> canonical_request(const HttpRequest& request,
                                             const std::vector<std::string>& signed_headers,
                                             std::string_view payload_hash) {
    std::string text = request.method + "\n" + canonical_uri(request.path) + "\n" +
                       canonical_query(request.raw_query) + "\n";
    std::string names;
    for (const std::string& name : signed_headers) {
        std::string values;
        bool found = false;
        for (const auto& [key, value] : request.headers) {
            if (lowercase(key) == name) {
                values += (found ? "," : "") + canonical_value(value);
                found = true;
            }
        }
        if (!found) {
            return std::nullopt;
        }
        text += name + ":" + values + "\n";
        names += (names.empty() ? "" : ";") + name;
    }
    text += "\n" + names + "\n" + std::string(payload_hash);
    return text;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical) {
    return std::string(k_algorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) +
           "\n" + sha256_hex(canonical);
}

std::string signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
    std::string key = hmac("AWS4" + std::string(secret), date);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, k_terminator);
    std::string mac = hmac(key, string_to_sign);
    return to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return to_hex(digest, sizeof digest);
}

std::optional<SignatureParts> read_signature(const HttpRequest& request, std::string* why) {
    SignatureParts parts;
    if (const std::string* authorization = header(request, "authorization")) {
        std::string_view text = *authorization;
        if (text.size() > k_max_authorization || !text.starts_with(k_algorithm) ||
            text.size() == k_algorithm.size() || text[k_algorithm.size()] != ' ') {
            *why = "the Authorization header is not AWS4-HMAC-SHA256";
            return std::nullopt;
        }
        text.remove_prefix(k_algorithm.size() + 1);
        bool credential = false;
        bool headers = false;
        for (std::string_view item : split_view(text, ',')) {
            item = trim_blanks(item);
            std::size_t eq = item.find('=');
            std::string_view key = item.substr(0, eq);
            std::string_view value =
                eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
            if (key == "Credential") {
                if (!read_credential(value, parts, why)) {
                    return std::nullopt;
                }
                credential = true;
            } else if (key == "SignedHeaders") {
                if (!read_signed_headers(value, parts, why)) {
                    return std::nullopt;
                }
                headers = true;
            } else if (key == "Signature") {
                parts.signature = std::string(value);
            }
        }
        if (!credential || !headers || parts.signature.empty()) {
            *why = "the Authorization header lacks Credential, SignedHeaders or Signature";
            return std::nullopt;
        }
        const std::string* date = header(request, "x-amz-date");
        if (date == nullptr) {
            *why = "there is no X-Amz-Date header";
            return std::nullopt;
        }
        parts.amz_date = *date;
        return parts;
    }
    std::vector<std::pair<std::string, std::string>> query = query_parameters(request.raw_query);
    auto parameter = [&query](std::string_view name) -> const std::string* {
        for (const auto& [key, value] : query) {
            if (key == name) {
                return &value;
            }
        }
        return nullptr;
    };
    const std::string* algorithm = parameter("X-Amz-Algorithm");
    if (algorithm == nullptr) {
        *why = "the request is not signed (no Authorization header, no X-Amz-Signature)";
        return std::nullopt;
    }
    const std::string* credential = parameter("X-Amz-Credential");
    const std::string* date = parameter("X-Amz-Date");
    const std::string* headers = parameter("X-Amz-SignedHeaders");
    const std::string* signed_value = parameter("X-Amz-Signature");
    const std::string* expires = parameter("X-Amz-Expires");
    if (*algorithm != k_algorithm || credential == nullptr || date == nullptr ||
        headers == nullptr || signed_value == nullptr || expires == nullptr) {
        *why = "the presigned URL lacks one of X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, "
               "X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature";
        return std::nullopt;
    }
    if (!read_credential(*credential, parts, why) || !read_signed_headers(*headers, parts, why)) {
        return std::nullopt;
    }
    std::optional<long long> seconds;
    if (!expires->empty() && expires->size() <= 7 &&
        std::all_of(expires->begin(), expires->end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
        seconds = std::stoll(*expires);
    }
    if (!seconds || *seconds < 1 || *seconds > k_max_expires_s) {
        *why = "X-Amz-Expires is not a number of seconds from 1 to 604800";
        return std::nullopt;
    }
    parts.signature = *signed_value;
    parts.amz_date = *date;
    parts.expires_s = seconds;
    parts.presigned = true;
    return parts;
}

std::string verify(const HttpRequest& request, const Credentials& credentials,
                   std::string_view region, std::string_view service, WallClock::time_point now) {
    std::string why;
    std::optional<SignatureParts> parts = read_signature(request, &why);
    if (!parts) {
        return why;
    }
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
        return "no credentials are configured to check signatures with (AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY, or --access-key-id and --secret-access-key)";
    }
    if (parts->access_key_id != credentials.access_key_id) {
        return "the access key " + parts->access_key_id + " is not the configured one";
    }
    if (parts->region != region || parts->service != service) {
        return "the credential scope is for " + parts->region + "/" + parts->service + ", not " +
               std::string(region) + "/" + std::string(service);
    }
    std::optional<WallClock::time_point> signed_at = parse_amz_date(parts->amz_date);
    if (!signed_at || parts->amz_date.substr(0, 8) != parts->date) {
        return "X-Amz-Date is not a date of the credential scope in the form 20150830T123600Z";
    }
    if (parts->presigned) {
        if (*signed_at > now + k_max_clock_skew) {
            return "the presigned URL is dated in the future";
        }
        if (now > *signed_at + std::chrono::seconds(*parts->expires_s)) {
            return "the presigned URL has expired";
        }
    } else if (*signed_at > now + k_max_clock_skew || *signed_at < now - k_max_clock_skew) {
        return "the signature is dated more than 15 minutes from now";
    }
    if (std::find(parts->signed_headers.begin(), parts->signed_headers.end(), "host") ==
        parts->signed_headers.end()) {
        return "the Host header is not signed";
    }
    if (!std::is_sorted(parts->signed_headers.begin(), parts->signed_headers.end())) {
        return "SignedHeaders is not sorted";
    }
    const std::string* token = header(request, "x-amz-security-token");
    std::string query_token;
    if (parts->presigned) {
        for (const auto& [key, value] : query_parameters(request.raw_query)) {
            if (key == "X-Amz-Security-Token") {
                query_token = value;
                token = &query_token;
            }
        }
    }
    if ((token == nullptr ? std::string() : *token) != credentials.session_token) {
        return credentials.session_token.empty()
                   ? "the request carries a security token, and the configured credentials have "
                     "none"
                   : "the security token is not the configured one";
    }
    std::string body_hash = sha256_hex(request.body);
    std::string payload_hash = body_hash;
    if (const std::string* content_hash = header(request, "x-amz-content-sha256")) {
        if (*content_hash != k_unsigned_payload && *content_hash != body_hash) {
            return "X-Amz-Content-Sha256 is not the body's SHA-256";
        }
        payload_hash = *content_hash;
    }
    std::optional<std::string> canonical =
        canonical_request(request, parts->signed_headers, payload_hash);
    if (!canonical) {
        return "a signed header is missing from the request";
    }
    std::string scope =
        parts->date + "/" + parts->region + "/" + parts->service + "/" + std::string(k_terminator);
    std::string expected =
        signature(credentials.secret_access_key, parts->date, parts->region, parts->service,
                  string_to_sign(parts->amz_date, scope, *canonical));
    if (expected.size() != parts->signature.size() ||
        CRYPTO_memcmp(expected.data(), parts->signature.data(), expected.size()) != 0) {
        return "the signature does not match (a different secret key, or the request was changed "
               "after it was signed)";
    }
    return "";
}

} // namespace lambda_local::runtime::auth::sigv4
