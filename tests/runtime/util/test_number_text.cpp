// Tests of the number formatting that replaces printf on every request's path: each must write
// what printf's format wrote.
#include "runtime/util/number_text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

using namespace lambda_local;

namespace {

std::string printf_fixed(double value, int decimals) {
    char buffer[512];
    int n = std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return std::string(buffer, static_cast<std::size_t>(n));
}

} // namespace

TEST_SUITE("util::number_text") {
    TEST_CASE("fixed_text rounds as printf's %.*f, ties and all") {
        // Halfway cases in decimal that are not halfway in binary, exact binary ties (which both
        // round to even), and figures a REPORT line shows.
        for (double value : {0.0, -0.0, 0.005, 0.015, 0.125, 0.375, 1.005, 2.675, 1.115, 3.14159,
                             1234.5678, 2999.995, 3000.0, 1e-7, 99.995, 1e15 + 0.3, -2.5, 1e300}) {
            for (int decimals : {0, 1, 2, 3}) {
                CAPTURE(value);
                CAPTURE(decimals);
                CHECK(fixed_text(value, decimals) == printf_fixed(value, decimals));
            }
        }
        // A sweep of durations in ms, as the REPORT line and the access log print them.
        for (int i = 0; i < 200000; i += 7) {
            double ms = i / 997.0;
            REQUIRE(fixed_text(ms, 2) == printf_fixed(ms, 2));
        }
        CHECK(fixed_text(std::numeric_limits<double>::infinity(), 2) == printf_fixed(INFINITY, 2));
        CHECK(fixed_text(std::numeric_limits<double>::max(), 2) ==
              printf_fixed(std::numeric_limits<double>::max(), 2));
    }

    TEST_CASE("append_padded and hex_text pad as %0*llu and %0*llx") {
        std::string text = "x";
        append_padded(text, 7, 3);
        CHECK(text == "x007");
        append_padded(text, 12345, 2); // wider than the width: all of it
        CHECK(text == "x00712345");
        CHECK(hex_text(0x6b174211, 8) == "6b174211");
        CHECK(hex_text(0xab, 8) == "000000ab");
        CHECK(hex_text(0, 8) == "00000000");
        CHECK(hex_text(std::numeric_limits<unsigned long long>::max(), 8) == "ffffffffffffffff");
        std::string zero;
        append_padded(zero, 0, 0);
        CHECK(zero == "0");
    }
}
