// Tests of SigV4 checking: AWS's published test-suite vectors, canonicalisation, verification.
#include "runtime/auth/sigv4.hpp"

#include <doctest/doctest.h>

#include <ctime>

namespace lambda_local::runtime::auth::sigv4 {
namespace {

// The credentials and time of AWS's SigV4 test suite (aws-sig-v4-test-suite).
constexpr const char* k_suite_key = "AKIDEXAMPLE";
constexpr const char* k_suite_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* k_suite_date = "20150830T123600Z";
constexpr const char* k_empty_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

WallClock::time_point at(int year, int month, int day, int hour, int minute, int second) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return WallClock::from_time_t(::timegm(&tm));
}

const WallClock::time_point k_suite_time = at(2015, 8, 30, 12, 36, 0);

HttpRequest suite_request(const std::string& method, const std::string& query = "") {
    HttpRequest request;
    request.method = method;
    request.path = "/";
    request.raw_query = query;
    request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", k_suite_date}};
    return request;
}

// The suite's signature of `request`, signed with `headers` for service "service".
std::string suite_signature(const HttpRequest& request, const std::vector<std::string>& headers) {
    std::optional<std::string> canonical = canonical_request(request, headers, k_empty_sha256);
    REQUIRE(canonical.has_value());
    return signature(
        k_suite_secret, "20150830", "us-east-1", "service",
        string_to_sign(k_suite_date, "20150830/us-east-1/service/aws4_request", *canonical));
}

// Signs `request` as a client does (Authorization header) for lambda in us-east-1 at `when`.
void sign(HttpRequest& request, const Credentials& credentials, WallClock::time_point when,
          std::vector<std::string> headers = {"host", "x-amz-date"}) {
    std::time_t t = WallClock::to_time_t(when);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char amz_date[32];
    std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    std::string date(amz_date, 8);
    request.headers.emplace_back("X-Amz-Date", amz_date);
    if (!credentials.session_token.empty()) {
        request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    }
    std::string scope = date + "/us-east-1/lambda/aws4_request";
    std::optional<std::string> canonical =
        canonical_request(request, headers, sha256_hex(request.body));
    REQUIRE(canonical.has_value());
    std::string names;
    for (const std::string& name : headers) {
        names += (names.empty() ? "" : ";") + name;
    }
    request.headers.emplace_back(
        "Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                             ", SignedHeaders=" + names + ", Signature=" +
                             signature(credentials.secret_access_key, date, "us-east-1", "lambda",
                                       string_to_sign(amz_date, scope, *canonical)));
}

} // namespace

TEST_SUITE_BEGIN("runtime::auth::SigV4");

TEST_CASE("AWS's test-suite vectors sign as published") {
    SUBCASE("get-vanilla: the canonical request, the string to sign and the signature") {
        HttpRequest request = suite_request("GET");
        std::optional<std::string> canonical =
            canonical_request(request, {"host", "x-amz-date"}, k_empty_sha256);
        REQUIRE(canonical.has_value());
        CHECK(*canonical == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                            "host;x-amz-date\n" +
                                std::string(k_empty_sha256));
        CHECK(string_to_sign(k_suite_date, "20150830/us-east-1/service/aws4_request", *canonical)
                  .starts_with("AWS4-HMAC-SHA256\n20150830T123600Z\n"
                               "20150830/us-east-1/service/aws4_request\n"));
        CHECK(suite_signature(request, {"host", "x-amz-date"}) ==
              "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }
    SUBCASE("post-vanilla") {
        CHECK(suite_signature(suite_request("POST"), {"host", "x-amz-date"}) ==
              "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    }
    SUBCASE("get-vanilla-query-order-key-case: the query sorted") {
        CHECK(suite_signature(suite_request("GET", "Param2=value2&Param1=value1"),
                              {"host", "x-amz-date"}) ==
              "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
    }
    SUBCASE("post-header-value-case: a header value keeps its case") {
        HttpRequest request = suite_request("POST");
        request.headers.emplace_back("My-Header1", "VALUE1");
        CHECK(suite_signature(request, {"host", "my-header1", "x-amz-date"}) ==
              "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d");
    }
    SUBCASE("the get-vanilla Authorization header verifies at the suite's time") {
        HttpRequest request = suite_request("GET");
        request.headers.emplace_back(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        Credentials credentials{k_suite_key, k_suite_secret, ""};
        CHECK(verify(request, credentials, "us-east-1", "service", k_suite_time) == "");
        CHECK(verify(request, credentials, "us-east-1", "lambda", k_suite_time) ==
              "the credential scope is for us-east-1/service, not us-east-1/lambda");
    }
}

TEST_CASE("the canonical URI removes dot segments and empty ones, then encodes once more") {
    CHECK(canonical_uri("") == "/");
    CHECK(canonical_uri("/") == "/");
    CHECK(canonical_uri("/a/./b/../c//d") == "/a/c/d");
    CHECK(canonical_uri("/a/b/") == "/a/b/");
    CHECK(canonical_uri("/example space/") == "/example%20space/");
    CHECK(canonical_uri("/a%20b") == "/a%2520b"); // what came encoded is encoded again
    CHECK(canonical_uri("/~user/-_.") == "/~user/-_.");
    CHECK(canonical_uri("/\xe1\x88\xb4") == "/%E1%88%B4");
    CHECK(canonical_uri("/../..") == "/");
}

TEST_CASE("the canonical query is decoded, encoded with AWS's rules and sorted") {
    CHECK(canonical_query("") == "");
    CHECK(canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2");
    CHECK(canonical_query("k=%7e&x=a%20b") == "k=~&x=a%20b");
    CHECK(canonical_query("plus=a+b") == "plus=a%2Bb");
    CHECK(canonical_query("flag&z=") == "flag=&z=");
    CHECK(canonical_query("X-Amz-Signature=abc&a=1") == "a=1");
}

TEST_CASE("a header value is trimmed, inner spaces made one, repeated headers joined") {
    HttpRequest request = suite_request("GET");
    request.headers.emplace_back("X-Spaced", "  a   b  c ");
    request.headers.emplace_back("X-Spaced", "d");
    std::optional<std::string> canonical =
        canonical_request(request, {"host", "x-spaced"}, k_empty_sha256);
    REQUIRE(canonical.has_value());
    CHECK(canonical->find("x-spaced:a b c,d\n") != std::string::npos);
    CHECK_FALSE(canonical_request(request, {"host", "x-missing"}, k_empty_sha256).has_value());
}

TEST_CASE("verify accepts a good signature and says why it refuses the others") {
    const Credentials credentials{"AKIDLOCAL", "local-secret", ""};
    const WallClock::time_point now = at(2026, 1, 2, 3, 4, 5);
    HttpRequest base;
    base.method = "POST";
    base.path = "/orders/42";
    base.raw_query = "b=2&a=1";
    base.headers = {{"Host", "abc.lambda-url.localhost:3000"},
                    {"Content-Type", "application/json"}};
    base.body = R"({"qty":1})";

    HttpRequest good = base;
    sign(good, credentials, now);
    CHECK(verify(good, credentials, "us-east-1", "lambda", now) == "");
    CHECK(verify(good, credentials, "us-east-1", "lambda", now + std::chrono::minutes(14)) == "");

    SUBCASE("unsigned") {
        CHECK(verify(base, credentials, "us-east-1", "lambda", now) ==
              "the request is not signed (no Authorization header, no X-Amz-Signature)");
    }
    SUBCASE("another secret") {
        HttpRequest other = base;
        sign(other, {"AKIDLOCAL", "not-the-secret", ""}, now);
        CHECK(verify(other, credentials, "us-east-1", "lambda", now)
                  .starts_with("the signature does not match"));
    }
    SUBCASE("another access key") {
        HttpRequest other = base;
        sign(other, {"AKIDOTHER", "local-secret", ""}, now);
        CHECK(verify(other, credentials, "us-east-1", "lambda", now) ==
              "the access key AKIDOTHER is not the configured one");
    }
    SUBCASE("the body, the path, the query or a signed header changed after signing") {
        HttpRequest tampered = good;
        tampered.body = R"({"qty":100})";
        CHECK(verify(tampered, credentials, "us-east-1", "lambda", now)
                  .starts_with("the signature does not match"));
        tampered = good;
        tampered.path = "/orders/43";
        CHECK(verify(tampered, credentials, "us-east-1", "lambda", now)
                  .starts_with("the signature does not match"));
        tampered = good;
        tampered.raw_query = "b=3&a=1";
        CHECK(verify(tampered, credentials, "us-east-1", "lambda", now)
                  .starts_with("the signature does not match"));
        tampered = good;
        tampered.method = "PUT";
        CHECK(verify(tampered, credentials, "us-east-1", "lambda", now)
                  .starts_with("the signature does not match"));
    }
    SUBCASE("dated more than 15 minutes away") {
        CHECK(verify(good, credentials, "us-east-1", "lambda", now + std::chrono::minutes(16)) ==
              "the signature is dated more than 15 minutes from now");
        CHECK(verify(good, credentials, "us-east-1", "lambda", now - std::chrono::minutes(16)) ==
              "the signature is dated more than 15 minutes from now");
    }
    SUBCASE("another region") {
        CHECK(verify(good, credentials, "eu-west-1", "lambda", now) ==
              "the credential scope is for us-east-1/lambda, not eu-west-1/lambda");
    }
    SUBCASE("Host not signed") {
        HttpRequest other = base;
        sign(other, credentials, now, {"x-amz-date"});
        CHECK(verify(other, credentials, "us-east-1", "lambda", now) ==
              "the Host header is not signed");
    }
    SUBCASE("a session token must be the configured one") {
        const Credentials temporary{"AKIDLOCAL", "local-secret", "token-1"};
        HttpRequest with_token = base;
        sign(with_token, temporary, now, {"host", "x-amz-date", "x-amz-security-token"});
        CHECK(verify(with_token, temporary, "us-east-1", "lambda", now) == "");
        CHECK(verify(with_token, credentials, "us-east-1", "lambda", now) ==
              "the request carries a security token, and the configured credentials have none");
        CHECK(verify(good, temporary, "us-east-1", "lambda", now) ==
              "the security token is not the configured one");
    }
    SUBCASE("X-Amz-Content-Sha256 must be the body's hash, or UNSIGNED-PAYLOAD") {
        HttpRequest claimed = good;
        claimed.headers.emplace_back("X-Amz-Content-Sha256", sha256_hex("something else"));
        CHECK(verify(claimed, credentials, "us-east-1", "lambda", now) ==
              "X-Amz-Content-Sha256 is not the body's SHA-256");
    }
    SUBCASE("a malformed Authorization header") {
        HttpRequest bad = base;
        bad.headers.emplace_back("X-Amz-Date", "20260102T030405Z");
        bad.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=only");
        CHECK(verify(bad, credentials, "us-east-1", "lambda", now) ==
              "the credential is not <key>/<date>/<region>/<service>/aws4_request");
        bad.headers.back().second = "Bearer abc";
        CHECK(verify(bad, credentials, "us-east-1", "lambda", now) ==
              "the Authorization header is not AWS4-HMAC-SHA256");
    }
    SUBCASE("no credentials configured") {
        CHECK(verify(good, {}, "us-east-1", "lambda", now)
                  .starts_with("no credentials are configured"));
    }
}

TEST_CASE("a presigned URL verifies from its query until it expires") {
    const Credentials credentials{"AKIDLOCAL", "local-secret", ""};
    const WallClock::time_point now = at(2026, 1, 2, 3, 4, 5);
    HttpRequest request;
    request.method = "GET";
    request.path = "/report";
    request.headers = {{"Host", "abc.lambda-url.localhost:3000"}};
    std::string scope = "20260102/us-east-1/lambda/aws4_request";
    request.raw_query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDLOCAL%2F" +
                        std::string("20260102%2Fus-east-1%2Flambda%2Faws4_request") +
                        "&X-Amz-Date=20260102T030405Z&X-Amz-Expires=300"
                        "&X-Amz-SignedHeaders=host&month=1";
    std::optional<std::string> canonical =
        canonical_request(request, {"host"}, sha256_hex(request.body));
    REQUIRE(canonical.has_value());
    std::string signed_value = signature("local-secret", "20260102", "us-east-1", "lambda",
                                         string_to_sign("20260102T030405Z", scope, *canonical));
    request.raw_query += "&X-Amz-Signature=" + signed_value;
    CHECK(verify(request, credentials, "us-east-1", "lambda", now) == "");
    CHECK(verify(request, credentials, "us-east-1", "lambda", now + std::chrono::minutes(4)) == "");
    CHECK(verify(request, credentials, "us-east-1", "lambda", now + std::chrono::minutes(6)) ==
          "the presigned URL has expired");
    HttpRequest changed = request;
    changed.raw_query.replace(changed.raw_query.find("month=1"), 7, "month=2");
    CHECK(verify(changed, credentials, "us-east-1", "lambda", now)
              .starts_with("the signature does not match"));
}

TEST_CASE("hostile signatures are refused with a reason, never read past their bounds") {
    const Credentials credentials{"AKIDLOCAL", "local-secret", ""};
    const WallClock::time_point now = at(2026, 1, 2, 3, 4, 5);
    auto refused = [&](const std::string& authorization, const std::string& date) {
        HttpRequest request;
        request.method = "GET";
        request.path = "/";
        request.headers = {{"Host", "h"}, {"X-Amz-Date", date}, {"Authorization", authorization}};
        return verify(request, credentials, "us-east-1", "lambda", now);
    };
    const std::string scope = "Credential=AKIDLOCAL/20260102/us-east-1/lambda/aws4_request";
    CHECK(refused("AWS4-HMAC-SHA256 " + std::string(10000, 'a'), "20260102T030405Z") ==
          "the Authorization header is not AWS4-HMAC-SHA256");
    CHECK(refused("AWS4-HMAC-SHA256", "20260102T030405Z") ==
          "the Authorization header is not AWS4-HMAC-SHA256");
    CHECK(refused("AWS4-HMAC-SHA256 ,,,,", "20260102T030405Z") ==
          "the Authorization header lacks Credential, SignedHeaders or Signature");
    std::string many;
    for (int i = 0; i < 100; ++i) {
        many += (i > 0 ? ";" : "") + std::string("h") + std::to_string(i);
    }
    CHECK(refused("AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=" + many + ", Signature=00",
                  "20260102T030405Z") == "SignedHeaders is not a list of header names");
    CHECK(refused("AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=host;;x, Signature=00",
                  "20260102T030405Z") == "SignedHeaders is not a list of header names");
    for (const char* date : {"", "2026-01-02", "20260102T030405", "20261302T030405Z",
                             "20260102T250405Z", "2026010aT030405Z"}) {
        INFO(date);
        CHECK(refused("AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=host, Signature=00", date) ==
              "X-Amz-Date is not a date of the credential scope in the form 20150830T123600Z");
    }
    CHECK(refused("AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=x-amz-date;host, Signature=00",
                  "20260102T030405Z") == "SignedHeaders is not sorted");
    CHECK(refused("AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=host;x-gone, Signature=00",
                  "20260102T030405Z") == "a signed header is missing from the request");
    CHECK(refused("AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=host, Signature=00",
                  "20260102T030405Z")
              .starts_with("the signature does not match"));
    HttpRequest presigned;
    presigned.method = "GET";
    presigned.path = "/";
    presigned.headers = {{"Host", "h"}};
    presigned.raw_query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDLOCAL%2F20260102"
                          "%2Fus-east-1%2Flambda%2Faws4_request&X-Amz-Date=20260102T030405Z"
                          "&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=";
    for (const char* expires : {"", "0", "-5", "604801", "99999999999999999999", "1e3"}) {
        INFO(expires);
        HttpRequest request = presigned;
        request.raw_query += expires;
        CHECK(verify(request, credentials, "us-east-1", "lambda", now) ==
              "X-Amz-Expires is not a number of seconds from 1 to 604800");
    }
}

TEST_SUITE_END();

} // namespace lambda_local::runtime::auth::sigv4
