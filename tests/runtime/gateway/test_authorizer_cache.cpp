// Tests of the authorizer result cache, on a hand-moved clock.
#include "runtime/gateway/authorizer_cache.hpp"

#include <doctest/doctest.h>

namespace lambda_local::runtime::gateway {

TEST_SUITE("runtime::gateway::AuthorizerCache") {

    TEST_CASE("an output is found until its TTL ends, then gone") {
        MonotonicClock::time_point now{};
        AuthorizerCache cache([&] { return now; });
        cache.store("k", nlohmann::json{{"principalId", "a"}}, std::chrono::seconds(300));
        now += std::chrono::seconds(299);
        REQUIRE(cache.find("k"));
        CHECK((*cache.find("k"))["principalId"] == "a");
        now += std::chrono::seconds(1);
        CHECK_FALSE(cache.find("k"));
        CHECK(cache.size() == 0);
    }

    TEST_CASE("a TTL of 0 stores nothing") {
        AuthorizerCache cache([] { return MonotonicClock::time_point{}; });
        cache.store("k", 1, std::chrono::seconds(0));
        CHECK_FALSE(cache.find("k"));
    }

    TEST_CASE("storing again renews the entry") {
        MonotonicClock::time_point now{};
        AuthorizerCache cache([&] { return now; });
        cache.store("k", 1, std::chrono::seconds(10));
        now += std::chrono::seconds(8);
        cache.store("k", 2, std::chrono::seconds(10));
        now += std::chrono::seconds(8);
        REQUIRE(cache.find("k"));
        CHECK(*cache.find("k") == 2);
    }

    TEST_CASE("past its capacity, expired entries go first, then the oldest") {
        MonotonicClock::time_point now{};
        AuthorizerCache cache([&] { return now; }, 2);
        cache.store("short", 1, std::chrono::seconds(1));
        cache.store("old", 2, std::chrono::seconds(100));
        now += std::chrono::seconds(5);
        cache.store("new", 3, std::chrono::seconds(100)); // "short" has expired: it goes
        CHECK(cache.find("old"));
        CHECK(cache.find("new"));
        cache.store("newer", 4, std::chrono::seconds(100)); // none expired: the oldest goes
        CHECK_FALSE(cache.find("old"));
        CHECK(cache.find("new"));
        CHECK(cache.find("newer"));
        CHECK(cache.size() == 2);
    }

    TEST_CASE("keys tell lists of values apart") {
        CHECK(authorizer_cache_key("a", {"b,c"}) != authorizer_cache_key("a", {"b", "c"}));
        CHECK(authorizer_cache_key("a", {"x"}) != authorizer_cache_key("b", {"x"}));
        CHECK(authorizer_cache_key("a", {"x"}) == authorizer_cache_key("a", {"x"}));
    }

} // TEST_SUITE

} // namespace lambda_local::runtime::gateway
