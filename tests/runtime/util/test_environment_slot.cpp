// Tests of runtime/util/environment_slot.hpp.
#include "runtime/util/environment_slot.hpp"

#include <cstdlib>
#include <malloc.h>
#include <string>

#include <doctest/doctest.h>

using lambda_local::EnvironmentSlot;

TEST_SUITE_BEGIN("util::environment_slot");

TEST_CASE("a slot sets, changes and clears its variable") {
    const char* name = "LAMBDA_LOCAL_TEST_SLOT";
    {
        EnvironmentSlot slot(name);
        slot.set("Root=1-first");
        REQUIRE(std::getenv(name) != nullptr);
        CHECK(std::string(std::getenv(name)) == "Root=1-first");
        slot.set("Root=1-second, a longer value");
        CHECK(std::string(std::getenv(name)) == "Root=1-second, a longer value");
        slot.set("");
        CHECK(std::string(std::getenv(name)) == "");
        slot.clear();
        CHECK(std::getenv(name) == nullptr);
        slot.set("back");
        CHECK(std::string(std::getenv(name)) == "back");
    }
    CHECK(std::getenv(name) == nullptr); // unset with the slot
}

TEST_CASE("a slot takes its variable back after setenv replaced it") {
    const char* name = "LAMBDA_LOCAL_TEST_SLOT";
    EnvironmentSlot slot(name);
    slot.set("ours");
    ::setenv(name, "theirs", 1);
    CHECK(std::string(std::getenv(name)) == "theirs");
    slot.set("ours again");
    CHECK(std::string(std::getenv(name)) == "ours again");
}

TEST_CASE("a value longer than the capacity is cut") {
    const char* name = "LAMBDA_LOCAL_TEST_SLOT";
    EnvironmentSlot slot(name);
    slot.set(std::string(EnvironmentSlot::k_capacity + 10, 'x'));
    CHECK(std::string(std::getenv(name)) == std::string(EnvironmentSlot::k_capacity, 'x'));
}

TEST_CASE("a new value per invocation does not grow the heap, as setenv does") {
    const char* name = "LAMBDA_LOCAL_TEST_SLOT";
    EnvironmentSlot slot(name);
    slot.set("warm-up");
    std::size_t before = ::mallinfo2().uordblks;
    for (int i = 0; i < 100000; ++i) {
        slot.set("Root=1-00000000-" + std::to_string(i) + ";Parent=0123456789abcdef;Sampled=0");
    }
    std::size_t after = ::mallinfo2().uordblks;
    // setenv would keep every value: over 7 MB here. Allow for unrelated allocations.
    CHECK(after < before + 1024 * 1024);
}

TEST_SUITE_END();
