// The authorizer result cache: TTLs on an injectable clock, bounded in entries.
#include "runtime/gateway/authorizer_cache.hpp"

#include <algorithm>

namespace lambda_local::runtime::gateway {

AuthorizerCache::AuthorizerCache(Clock clock, std::size_t capacity)
    : m_clock(std::move(clock)), m_capacity(std::max<std::size_t>(capacity, 1)) {}

std::optional<nlohmann::json> AuthorizerCache::find(const std::string& key) {
    auto found = m_entries.find(key);
    if (found == m_entries.end()) {
        return std::nullopt;
    }
    if (m_clock() >= found->second.expires) {
        m_entries.erase(found);
        return std::nullopt;
    }
    return found->second.output;
}

void AuthorizerCache::store(const std::string& key, nlohmann::json output,
                            std::chrono::seconds ttl) {
    if (ttl.count() <= 0) {
        return;
    }
    MonotonicClock::time_point now = m_clock();
    if (m_entries.find(key) == m_entries.end()) {
        make_room(now);
    }
    m_entries[key] = Entry{std::move(output), now + ttl, ++m_stored};
}

void AuthorizerCache::make_room(MonotonicClock::time_point now) {
    if (m_entries.size() < m_capacity) {
        return;
    }
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        it = now >= it->second.expires ? m_entries.erase(it) : std::next(it);
    }
    while (m_entries.size() >= m_capacity) {
        auto oldest =
            std::min_element(m_entries.begin(), m_entries.end(), [](const auto& a, const auto& b) {
                return a.second.order < b.second.order;
            });
        m_entries.erase(oldest);
    }
}

std::string authorizer_cache_key(const std::string& authorizer,
                                 const std::vector<std::string>& values) {
    std::string key = std::to_string(authorizer.size()) + ":" + authorizer;
    for (const std::string& value : values) {
        key += std::to_string(value.size()) + ":" + value;
    }
    return key;
}

} // namespace lambda_local::runtime::gateway
