// AWS Signature Version 4, checked as a service checks it: the canonical request, the string to
// sign and the signature (AWS: "Create a signed AWS API request", "Signature Version 4 signing
// process"). A function URL with AuthType AWS_IAM lets a request through only with one.
// HMAC-SHA256 and SHA-256 come from OpenSSL's libcrypto: this file is linked into
// lambda-local-serve only.
#pragma once

#include "runtime/http/values.hpp"
#include "runtime/util/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::auth::sigv4 {

using http::HttpRequest;

// The credentials requests must be signed with (the tool's: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or flags).
struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token; // "" when the credentials are long-term ones
};

// How far a signature's X-Amz-Date may be from the server's clock (AWS: 15 minutes).
inline constexpr std::chrono::minutes k_max_clock_skew{15};
// The payload hash a client may sign instead of the body's.
inline constexpr std::string_view k_unsigned_payload = "UNSIGNED-PAYLOAD";

// What a request's signature says: from the Authorization header, or from the query
// (a presigned URL: X-Amz-Algorithm, X-Amz-Credential, ...).
struct SignatureParts {
    std::string access_key_id;
    std::string date; // "20150830", from the credential scope
    std::string region;
    std::string service;
    std::vector<std::string> signed_headers; // lowercase, as listed
    std::string signature;                   // 64 lowercase hex digits
    std::string amz_date;                    // "20150830T123600Z"
    std::optional<long long> expires_s;      // presigned: X-Amz-Expires
    bool presigned = false;
};

// The path as the canonical request has it: dot segments and repeated slashes removed, then
// every byte but the unreserved ones (A-Z a-z 0-9 - _ . ~) and '/' percent-encoded. Applied to
// the path as it came on the wire (already encoded), this is AWS's "encoded twice" for every
// service but S3, as botocore and the SDKs sign.
std::string canonical_uri(std::string_view raw_path);

// The query as the canonical request has it: each name and value decoded and encoded again
// with AWS's rules, sorted by name, then value; X-Amz-Signature left out.
std::string canonical_query(std::string_view raw_query);

// The canonical request of `request` for `signed_headers` (lowercase, in the order given) and
// the payload's hash; nothing when a signed header is missing from the request.
std::optional<std::string> canonical_request(const HttpRequest& request,
                                             const std::vector<std::string>& signed_headers,
                                             std::string_view payload_hash);

// The string to sign for a canonical request, signed at `amz_date` ("20150830T123600Z") with the
// scope "<date>/<region>/<service>/aws4_request".
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical);

// The signature (lowercase hex) of `string_to_sign` with the key derived from `secret`.
std::string signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);

// The lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Reads the signature of `request`; nothing with `why` set when there is none or it is not
// well formed.
std::optional<SignatureParts> read_signature(const HttpRequest& request, std::string* why);

// Checks `request`'s signature for `service` in `region` against `credentials` at `now`: the
// access key, the scope, the date within k_max_clock_skew (a presigned URL: not expired), the
// security token, the body's hash, and the signature itself. "" when it holds, else why not
// (for the log; the client only learns that it is forbidden).
std::string verify(const HttpRequest& request, const Credentials& credentials,
                   std::string_view region, std::string_view service,
                   WallClock::time_point now = WallClock::now());

} // namespace lambda_local::runtime::auth::sigv4
