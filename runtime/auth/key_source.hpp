// Where a JWT authorizer's keys come from: the issuer's OpenID discovery document and its
// `jwks_uri`, fetched with cpp-httplib's client and cached; or a local JWKS file per issuer.
#pragma once

#include "runtime/auth/jwks.hpp"
#include "runtime/util/clock.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lambda_local::runtime::loop {
class EventLoop;
}

namespace lambda_local::runtime::auth {

// How keys are fetched and kept.
struct KeySourceOptions {
    // How long fetched keys are used before they are fetched again: API Gateway caches an
    // issuer's public keys for up to two hours.
    std::chrono::seconds cache_time{std::chrono::hours(2)};
    // A token whose kid the cached keys lack makes the keys be fetched again (the issuer may
    // have rotated them), but at most once in this time: a flood of tokens with made-up kids
    // does not become a flood of requests to the issuer.
    std::chrono::seconds refetch_interval{60};
    // After a fetch failed with no keys to fall back on, requests fail at once for this long.
    std::chrono::seconds retry_after_failure{10};
    // Bound on each step of each request (connect, each read, each write).
    std::chrono::milliseconds timeout{5000};
    // Bound on one whole request, however slowly the issuer trickles its answer.
    std::chrono::milliseconds request_deadline{10000};
    // The largest answer read (the discovery document and the key set alike).
    std::size_t max_response_bytes = k_max_jwks_bytes;
};

// The keys of an issuer, or why there are none (for the log).
using KeysResult = std::variant<std::shared_ptr<const JsonWebKeySet>, std::string>;

// One `--jwks ISSUER=FILE` option: the issuer (exactly as tokens name it in `iss`) and the file.
struct IssuerKeyFile {
    std::string issuer;
    std::string path;
};

// Splits "ISSUER=FILE" at its first '='. Throws lambda_local::Error when either side is empty.
IssuerKeyFile parse_issuer_key_file(std::string_view option);

// The keys of a JWKS file. Throws lambda_local::Error "<path>: <why>" when the file cannot be
// read, is over k_max_jwks_bytes, is not a key set, or holds no usable RSA key.
JsonWebKeySet load_jwks_file(const std::string& path);

// The issuer's keys, fetched now, blocking: `<issuer>/.well-known/openid-configuration`, then
// its `jwks_uri`. http and https (certificates verified with the system's CA store); no
// redirects followed; each answer bounded by `options`. Runs on any thread.
std::variant<JsonWebKeySet, std::string> fetch_issuer_keys(const std::string& issuer,
                                                           const KeySourceOptions& options);

// The keys of every issuer the authorizers name, fetched on demand and cached as API Gateway
// does. One fetch at a time per issuer: requests that need the keys meanwhile wait for it.
class KeySource {
  public:
    using Now = std::function<MonotonicClock::time_point()>;

    explicit KeySource(KeySourceOptions options = {}, Now now = &MonotonicClock::now);

    // Serves `issuer` from `keys` (a `--jwks` file) instead of fetching: never fetched, never
    // expired.
    void add_local_keys(const std::string& issuer, JsonWebKeySet keys);

    // The keys for a token of `issuer` with `kid`, for `serve`: the fetch, when one is needed,
    // runs on the loop's thread pool and `done` is called on the loop's thread. `done` is
    // called before this returns when no fetch is needed. The keys may lack `kid` (the
    // verification then says so). Safe to destroy the KeySource while a fetch runs.
    void keys_for(loop::EventLoop& loop, const std::string& issuer, const std::string& kid,
                  std::function<void(KeysResult)> done);

    // The same, blocking the caller during a fetch: for `lambda-local test` and tests.
    KeysResult keys_for(const std::string& issuer, const std::string& kid);

    // How many fetches were started, over all issuers.
    std::size_t fetch_count() const;

  private:
    struct State;
    std::shared_ptr<State> m_state;
};

} // namespace lambda_local::runtime::auth
