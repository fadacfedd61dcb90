// The result cache of Lambda authorizers: an authorizer's output kept for its TTL, keyed by the
// authorizer and its identity source values, as API Gateway caches it.
#pragma once

#include "runtime/util/clock.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::gateway {

// Cached authorizer outputs. The clock is a seam, so that tests need not sleep.
class AuthorizerCache {
  public:
    using Clock = std::function<MonotonicClock::time_point()>;

    // At most `capacity` entries: past it, expired entries go first, then the oldest.
    explicit AuthorizerCache(
        Clock clock = [] { return MonotonicClock::now(); }, std::size_t capacity = 10000);

    // The output stored under `key` while its TTL lasts, else nothing (and it is dropped).
    std::optional<nlohmann::json> find(const std::string& key);
    // Stores `output` for `ttl`; a TTL of zero or less stores nothing.
    void store(const std::string& key, nlohmann::json output, std::chrono::seconds ttl);
    std::size_t size() const { return m_entries.size(); }

  private:
    struct Entry {
        nlohmann::json output;
        MonotonicClock::time_point expires;
        std::uint64_t order = 0; // when stored: the smallest is the oldest
    };
    void make_room(MonotonicClock::time_point now);

    Clock m_clock;
    std::size_t m_capacity;
    std::map<std::string, Entry> m_entries;
    std::uint64_t m_stored = 0;
};

// The cache key of an authorizer's identity values: the authorizer and each value, length-
// prefixed, so that no two lists of values share a key.
std::string authorizer_cache_key(const std::string& authorizer,
                                 const std::vector<std::string>& values);

} // namespace lambda_local::runtime::gateway
