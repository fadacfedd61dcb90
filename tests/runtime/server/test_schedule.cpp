// Tests of EventBridge schedule expressions: rate and cron parsing, the errors, the next firing
// time (L, W, #, month and year rollover, leap years, the year limits), and the scheduled event.
#include "runtime/server/schedule.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

using lambda_local::Error;
using lambda_local::iso8601;
using lambda_local::WallClock;
using lambda_local::runtime::server::next_due;
using lambda_local::runtime::server::Schedule;
using lambda_local::runtime::server::scheduled_event_json;

namespace {

using namespace std::chrono;

// A UTC time: at(2024, 3, 1, 12, 0) is 2024-03-01T12:00:00Z.
WallClock::time_point at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0,
                         int ms = 0) {
    sys_days date{year{y} / month{mo} / day{d}};
    return time_point_cast<WallClock::duration>(date + hours(h) + minutes(mi) + seconds(s) +
                                                milliseconds(ms));
}

// The next firing of `expression` after `after` as "2024-03-01T12:00:00.000Z", or "never".
std::string next(const std::string& expression, WallClock::time_point after) {
    std::optional<WallClock::time_point> fire = Schedule(expression).next_after(after);
    return fire ? iso8601(*fire) : "never";
}

// The first `count` firings of `expression` after `after`.
std::vector<std::string> firings(const std::string& expression, WallClock::time_point after,
                                 int count) {
    Schedule schedule(expression);
    std::vector<std::string> times;
    for (int i = 0; i < count; ++i) {
        std::optional<WallClock::time_point> fire = schedule.next_after(after);
        if (!fire) {
            times.emplace_back("never");
            break;
        }
        times.push_back(iso8601(*fire));
        after = *fire;
    }
    return times;
}

// The message Schedule's constructor throws for `expression`, or "" when it accepts it.
std::string error_of(const std::string& expression) {
    try {
        Schedule schedule(expression);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("runtime::server::schedule");

TEST_CASE("a rate fires one period after it starts and every period after that") {
    const WallClock::time_point start = at(2024, 3, 1, 12, 0, 30, 250);
    CHECK(firings("rate(1 minute)", start, 3) ==
          std::vector<std::string>{"2024-03-01T12:01:30.250Z", "2024-03-01T12:02:30.250Z",
                                   "2024-03-01T12:03:30.250Z"});
    CHECK(firings("rate(2 hours)", start, 2) ==
          std::vector<std::string>{"2024-03-01T14:00:30.250Z", "2024-03-01T16:00:30.250Z"});
    // A period beyond the clock's range never comes.
    CHECK(next("rate(999999999 days)", start) == "never");
    CHECK(firings("rate(7 days)", start, 1) ==
          std::vector<std::string>{"2024-03-08T12:00:30.250Z"});
}

TEST_CASE("each rate unit gives its period, singular for 1 and plural otherwise") {
    CHECK(Schedule("rate(1 minute)").rate() == minutes(1));
    CHECK(Schedule("rate(5 minutes)").rate() == minutes(5));
    CHECK(Schedule("rate(1 hour)").rate() == minutes(60));
    CHECK(Schedule("rate(2 hours)").rate() == minutes(120));
    CHECK(Schedule("rate(1 day)").rate() == minutes(1440));
    CHECK(Schedule("rate(3 days)").rate() == minutes(3 * 1440));
    CHECK(Schedule("  rate( 10  minutes )  ").rate() == minutes(10));
    CHECK(Schedule("rate(5 minutes)").expression() == "rate(5 minutes)");
    CHECK_FALSE(Schedule("cron(0 12 * * ? *)").rate().has_value());
}

TEST_CASE("a malformed rate names the expression and the problem") {
    CHECK(error_of("rate(1 minutes)") ==
          "rate(1 minutes): a value of 1 takes the singular unit 'minute'");
    CHECK(error_of("rate(5 minute)") ==
          "rate(5 minute): a value greater than 1 takes the plural unit 'minutes'");
    CHECK(error_of("rate(1 days)") == "rate(1 days): a value of 1 takes the singular unit 'day'");
    CHECK(error_of("rate(2 hour)") ==
          "rate(2 hour): a value greater than 1 takes the plural unit 'hours'");
    CHECK(error_of("rate(0 minutes)") ==
          "rate(0 minutes): the value must be a positive whole number, not '0'");
    CHECK(error_of("rate(-5 minutes)") ==
          "rate(-5 minutes): the value must be a positive whole number, not '-5'");
    CHECK(error_of("rate(1.5 hours)") ==
          "rate(1.5 hours): the value must be a positive whole number, not '1.5'");
    CHECK(error_of("rate(2 weeks)") ==
          "rate(2 weeks): the unit must be minute(s), hour(s) or day(s), not 'weeks'");
    CHECK(error_of("rate(5)") == "rate(5): expected rate(<value> <unit>), such as rate(5 minutes)");
    CHECK(error_of("rate(5 minutes") ==
          "rate(5 minutes: expected rate(<value> <unit>) or cron(<minutes> <hours> "
          "<day-of-month> <month> <day-of-week> <year>)");
    CHECK(error_of("every 5 minutes") ==
          "every 5 minutes: expected rate(<value> <unit>) or cron(<minutes> <hours> "
          "<day-of-month> <month> <day-of-week> <year>)");
    CHECK(error_of("") == ": expected rate(<value> <unit>) or cron(<minutes> <hours> "
                          "<day-of-month> <month> <day-of-week> <year>)");
}

TEST_CASE("a cron fires on whole minutes strictly after the given time") {
    CHECK(next("cron(0 12 * * ? *)", at(2024, 3, 1, 11, 59, 59, 999)) ==
          "2024-03-01T12:00:00.000Z");
    CHECK(next("cron(0 12 * * ? *)", at(2024, 3, 1, 12, 0)) == "2024-03-02T12:00:00.000Z");
    CHECK(next("cron(0 12 * * ? *)", at(2024, 3, 1, 12, 0, 0, 1)) == "2024-03-02T12:00:00.000Z");
    CHECK(next("cron(* * * * ? *)", at(2024, 3, 1, 12, 0, 30)) == "2024-03-01T12:01:00.000Z");
    CHECK(next("cron(* * * * ? *)", at(2024, 3, 1, 12, 0)) == "2024-03-01T12:01:00.000Z");
}

TEST_CASE("minutes and hours take lists, ranges and steps") {
    CHECK(firings("cron(*/15 * * * ? *)", at(2024, 3, 1, 12, 50), 3) ==
          std::vector<std::string>{"2024-03-01T13:00:00.000Z", "2024-03-01T13:15:00.000Z",
                                   "2024-03-01T13:30:00.000Z"});
    CHECK(firings("cron(0/15 * * * ? *)", at(2024, 3, 1, 12, 50), 2) ==
          std::vector<std::string>{"2024-03-01T13:00:00.000Z", "2024-03-01T13:15:00.000Z"});
    CHECK(firings("cron(5/20 8 * * ? *)", at(2024, 3, 1, 8, 50), 4) ==
          std::vector<std::string>{"2024-03-02T08:05:00.000Z", "2024-03-02T08:25:00.000Z",
                                   "2024-03-02T08:45:00.000Z", "2024-03-03T08:05:00.000Z"});
    CHECK(firings("cron(10-20/5 9,17 * * ? *)", at(2024, 3, 1, 9, 12), 4) ==
          std::vector<std::string>{"2024-03-01T09:15:00.000Z", "2024-03-01T09:20:00.000Z",
                                   "2024-03-01T17:10:00.000Z", "2024-03-01T17:15:00.000Z"});
    // A range of hours may wrap past midnight.
    CHECK(firings("cron(0 22-2/2 * * ? *)", at(2024, 3, 1, 12, 0), 4) ==
          std::vector<std::string>{"2024-03-01T22:00:00.000Z", "2024-03-02T00:00:00.000Z",
                                   "2024-03-02T02:00:00.000Z", "2024-03-02T22:00:00.000Z"});
}

TEST_CASE("day-of-week counts 1 as Sunday and takes names, lists and wrapping ranges") {
    // 2024-03-01 is a Friday.
    CHECK(next("cron(0 0 ? * 1 *)", at(2024, 3, 1)) == "2024-03-03T00:00:00.000Z");
    CHECK(next("cron(0 0 ? * SUN *)", at(2024, 3, 1)) == "2024-03-03T00:00:00.000Z");
    CHECK(next("cron(0 0 ? * 7 *)", at(2024, 3, 1)) == "2024-03-02T00:00:00.000Z");
    CHECK(next("cron(0 9 ? * MON-FRI *)", at(2024, 3, 1, 10, 0)) == "2024-03-04T09:00:00.000Z");
    CHECK(firings("cron(0 0 ? * 2,4,6 *)", at(2024, 3, 1), 3) ==
          std::vector<std::string>{"2024-03-04T00:00:00.000Z", "2024-03-06T00:00:00.000Z",
                                   "2024-03-08T00:00:00.000Z"});
    CHECK(firings("cron(0 0 ? * FRI-MON *)", at(2024, 3, 1), 4) ==
          std::vector<std::string>{"2024-03-02T00:00:00.000Z", "2024-03-03T00:00:00.000Z",
                                   "2024-03-04T00:00:00.000Z", "2024-03-08T00:00:00.000Z"});
    // Names and letters are case-insensitive.
    CHECK(next("cron(0 0 ? * mon *)", at(2024, 3, 1)) == "2024-03-04T00:00:00.000Z");
}

TEST_CASE("months take numbers and names") {
    CHECK(next("cron(0 0 1 JAN,JUL ? *)", at(2024, 3, 1)) == "2024-07-01T00:00:00.000Z");
    CHECK(next("cron(0 0 1 7 ? *)", at(2024, 3, 1)) == "2024-07-01T00:00:00.000Z");
    CHECK(firings("cron(0 0 1 NOV-FEB ? *)", at(2024, 3, 1), 4) ==
          std::vector<std::string>{"2024-11-01T00:00:00.000Z", "2024-12-01T00:00:00.000Z",
                                   "2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"});
    CHECK(next("cron(0 0 1 */3 ? *)", at(2024, 3, 1)) == "2024-04-01T00:00:00.000Z");
}

TEST_CASE("a day a month lacks is skipped, and time rolls over months and years") {
    CHECK(firings("cron(30 23 31 * ? *)", at(2024, 1, 31, 23, 30), 3) ==
          std::vector<std::string>{"2024-03-31T23:30:00.000Z", "2024-05-31T23:30:00.000Z",
                                   "2024-07-31T23:30:00.000Z"});
    CHECK(next("cron(0 0 1 1 ? *)", at(2024, 12, 31, 23, 59, 59)) == "2025-01-01T00:00:00.000Z");
    CHECK(next("cron(59 23 31 12 ? *)", at(2024, 12, 31, 23, 59)) == "2025-12-31T23:59:00.000Z");
}

TEST_CASE("February 29 fires only in leap years") {
    CHECK(next("cron(0 0 29 2 ? *)", at(2024, 3, 1)) == "2028-02-29T00:00:00.000Z");
    CHECK(next("cron(0 0 29 2 ? *)", at(2024, 1, 1)) == "2024-02-29T00:00:00.000Z");
    // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
    CHECK(next("cron(0 0 29 2 ? 2096-2104)", at(2096, 3, 1)) == "2104-02-29T00:00:00.000Z");
    CHECK(next("cron(0 0 29 2 ? 1999-2001)", at(1999, 1, 1)) == "2000-02-29T00:00:00.000Z");
}

TEST_CASE("L in day-of-month is the last day of each month") {
    CHECK(firings("cron(0 0 L * ? *)", at(2024, 1, 31), 3) ==
          std::vector<std::string>{"2024-02-29T00:00:00.000Z", "2024-03-31T00:00:00.000Z",
                                   "2024-04-30T00:00:00.000Z"});
    CHECK(next("cron(0 0 L 2 ? *)", at(2023, 1, 1)) == "2023-02-28T00:00:00.000Z");
}

TEST_CASE("L alone in day-of-week is Saturday, and nL is the last such day of the month") {
    CHECK(next("cron(0 0 ? * L *)", at(2024, 3, 1)) == "2024-03-02T00:00:00.000Z");
    // The last Friday of March 2024 is the 29th; of April, the 26th.
    CHECK(firings("cron(0 0 ? * 6L *)", at(2024, 3, 1), 2) ==
          std::vector<std::string>{"2024-03-29T00:00:00.000Z", "2024-04-26T00:00:00.000Z"});
    CHECK(next("cron(0 0 ? * FRIL *)", at(2024, 3, 1)) == "2024-03-29T00:00:00.000Z");
    // The last Sunday of March 2024 is its last day.
    CHECK(next("cron(0 0 ? * 1L *)", at(2024, 3, 1)) == "2024-03-31T00:00:00.000Z");
}

TEST_CASE("nW is the weekday nearest day n without leaving the month") {
    // 2024-06-15 is a Saturday: the Friday before.
    CHECK(next("cron(0 0 15W 6 ? *)", at(2024, 1, 1)) == "2024-06-14T00:00:00.000Z");
    // 2024-09-15 is a Sunday: the Monday after.
    CHECK(next("cron(0 0 15W 9 ? *)", at(2024, 1, 1)) == "2024-09-16T00:00:00.000Z");
    // A weekday is itself.
    CHECK(next("cron(0 0 15W 3 ? *)", at(2024, 1, 1)) == "2024-03-15T00:00:00.000Z");
    // 2024-06-01 is a Saturday: not back into May, but the Monday the 3rd.
    CHECK(next("cron(0 0 1W 6 ? *)", at(2024, 1, 1)) == "2024-06-03T00:00:00.000Z");
    // 2024-03-31 is a Sunday: not into April, but Friday the 29th.
    CHECK(next("cron(0 0 31W 3 ? *)", at(2024, 1, 1)) == "2024-03-29T00:00:00.000Z");
    // April has no 31st: 31W skips it.
    CHECK(next("cron(0 0 31W * ? *)", at(2024, 4, 1)) == "2024-05-31T00:00:00.000Z");
}

TEST_CASE("LW is the last weekday of the month") {
    // 2024-03-31 is a Sunday, 2024-08-31 a Saturday, 2024-10-31 a Thursday.
    CHECK(next("cron(0 0 LW 3 ? *)", at(2024, 1, 1)) == "2024-03-29T00:00:00.000Z");
    CHECK(next("cron(0 0 LW 8 ? *)", at(2024, 1, 1)) == "2024-08-30T00:00:00.000Z");
    CHECK(next("cron(0 0 LW 10 ? *)", at(2024, 1, 1)) == "2024-10-31T00:00:00.000Z");
}

TEST_CASE("n#k is the k-th such day of the month, skipping months without one") {
    // The second Tuesday of March 2024 is the 12th.
    CHECK(next("cron(0 0 ? * 3#2 *)", at(2024, 3, 1)) == "2024-03-12T00:00:00.000Z");
    CHECK(next("cron(0 0 ? * TUE#2 *)", at(2024, 3, 1)) == "2024-03-12T00:00:00.000Z");
    // The first Monday: 2024-04-01 is a Monday.
    CHECK(next("cron(0 0 ? * MON#1 *)", at(2024, 3, 5)) == "2024-04-01T00:00:00.000Z");
    // Fridays of March 2024: 1, 8, 15, 22, 29; April has only four; May's fifth is the 31st.
    CHECK(firings("cron(0 0 ? * 6#5 *)", at(2024, 3, 1), 2) ==
          std::vector<std::string>{"2024-03-29T00:00:00.000Z", "2024-05-31T00:00:00.000Z"});
}

TEST_CASE("the year field limits the firings to 1970-2199") {
    CHECK(next("cron(0 0 1 1 ? 2199)", at(2199, 1, 1)) == "never");
    CHECK(next("cron(0 0 1 1 ? 2199)", at(2198, 6, 1)) == "2199-01-01T00:00:00.000Z");
    CHECK(next("cron(59 23 31 12 ? *)", at(2199, 12, 31, 23, 59)) == "never");
    CHECK(next("cron(0 0 * * ? 2020)", at(2024, 3, 1)) == "never");
    CHECK(next("cron(0 0 1 1 ? 2025-2027)", at(2024, 3, 1)) == "2025-01-01T00:00:00.000Z");
    CHECK(next("cron(0 0 1 1 ? 2030/10)", at(2031, 1, 1)) == "2040-01-01T00:00:00.000Z");
    CHECK(next("cron(0 0 1 1 ? *)", at(1960, 6, 1)) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("exactly one of day-of-month and day-of-week is '?'") {
    CHECK(error_of("cron(0 12 * * * *)") ==
          "cron(0 12 * * * *): one of day-of-month and day-of-week must be '?'");
    CHECK(error_of("cron(0 12 1 * MON *)") ==
          "cron(0 12 1 * MON *): one of day-of-month and day-of-week must be '?'");
    CHECK(error_of("cron(0 12 ? * ? *)") ==
          "cron(0 12 ? * ? *): day-of-month and day-of-week cannot both be '?'");
    CHECK(error_of("cron(? 12 * * ? *)") ==
          "cron(? 12 * * ? *): minutes: '?' is only for day-of-month and day-of-week");
    CHECK(error_of("cron(0 12 * * ? ?)") ==
          "cron(0 12 * * ? ?): year: '?' is only for day-of-month and day-of-week");
}

TEST_CASE("a cron needs six fields") {
    CHECK(error_of("cron(0 12 * * ?)") == "cron(0 12 * * ?): expected 6 fields (minutes hours "
                                          "day-of-month month day-of-week year), found 5");
    CHECK(error_of("cron(0 0 12 * * ? *)") ==
          "cron(0 0 12 * * ? *): expected 6 fields (minutes hours day-of-month month "
          "day-of-week year), found 7");
}

TEST_CASE("a value outside its field names the field and the allowed values") {
    CHECK(error_of("cron(60 * * * ? *)") == "cron(60 * * * ? *): minutes: '60' is not a value "
                                            "from 0-59");
    CHECK(error_of("cron(0 24 * * ? *)") == "cron(0 24 * * ? *): hours: '24' is not a value "
                                            "from 0-23");
    CHECK(error_of("cron(0 0 0 * ? *)") == "cron(0 0 0 * ? *): day-of-month: '0' is not a value "
                                           "from 1-31");
    CHECK(error_of("cron(0 0 32 * ? *)") == "cron(0 0 32 * ? *): day-of-month: '32' is not a "
                                            "value from 1-31");
    CHECK(error_of("cron(0 0 1 13 ? *)") == "cron(0 0 1 13 ? *): month: '13' is not a value "
                                            "from 1-12 or JAN-DEC");
    CHECK(error_of("cron(0 0 1 JANUARY ? *)") ==
          "cron(0 0 1 JANUARY ? *): month: 'JANUARY' is not a value from 1-12 or JAN-DEC");
    CHECK(error_of("cron(0 0 ? * 0 *)") == "cron(0 0 ? * 0 *): day-of-week: '0' is not a value "
                                           "from 1-7 or SUN-SAT");
    CHECK(error_of("cron(0 0 ? * 8 *)") == "cron(0 0 ? * 8 *): day-of-week: '8' is not a value "
                                           "from 1-7 or SUN-SAT");
    CHECK(error_of("cron(0 0 * * ? 1969)") == "cron(0 0 * * ? 1969): year: '1969' is not a "
                                              "value from 1970-2199");
    CHECK(error_of("cron(0 0 * * ? 2200)") == "cron(0 0 * * ? 2200): year: '2200' is not a "
                                              "value from 1970-2199");
    CHECK(error_of("cron(x 0 * * ? *)") == "cron(x 0 * * ? *): minutes: 'X' is not a value from "
                                           "0-59");
}

TEST_CASE("malformed lists, ranges and steps are refused") {
    CHECK(error_of("cron(*/0 * * * ? *)") ==
          "cron(*/0 * * * ? *): minutes: the step in '*/0' must be a whole number from 1 to 60");
    CHECK(error_of("cron(0/61 * * * ? *)") ==
          "cron(0/61 * * * ? *): minutes: the step in '0/61' must be a whole number from 1 to 60");
    CHECK(error_of("cron(1/2/3 * * * ? *)") ==
          "cron(1/2/3 * * * ? *): minutes: '1/2/3' has more than one '/'");
    CHECK(error_of("cron(1-2-3 * * * ? *)") ==
          "cron(1-2-3 * * * ? *): minutes: '1-2-3' is not a value or a range");
    CHECK(error_of("cron(1,,2 * * * ? *)") ==
          "cron(1,,2 * * * ? *): minutes: empty item in the list '1,,2'");
    CHECK(error_of("cron(0 0 1 1 ? 2027-2025)") ==
          "cron(0 0 1 1 ? 2027-2025): year: the range '2027-2025' goes backwards");
}

TEST_CASE("L, W and # stand alone in their fields") {
    CHECK(error_of("cron(0 0 L,1 * ? *)") ==
          "cron(0 0 L,1 * ? *): day-of-month: 'L', 'LW' and 'nW' stand alone, not in 'L,1'");
    CHECK(error_of("cron(0 0 1-5W * ? *)") ==
          "cron(0 0 1-5W * ? *): day-of-month: 'L', 'LW' and 'nW' stand alone, not in '1-5W'");
    CHECK(error_of("cron(0 0 L-3 * ? *)") ==
          "cron(0 0 L-3 * ? *): day-of-month: 'L', 'LW' and 'nW' stand alone, not in 'L-3'");
    CHECK(error_of("cron(0 0 32W * ? *)") ==
          "cron(0 0 32W * ? *): day-of-month: '32' is not a value from 1-31");
    CHECK(error_of("cron(0 0 ? * 5L,2 *)") ==
          "cron(0 0 ? * 5L,2 *): day-of-week: 'L' and 'nL' stand alone, not in '5L,2'");
    CHECK(error_of("cron(0 0 ? * 3#6 *)") ==
          "cron(0 0 ? * 3#6 *): day-of-week: in '3#6' the number after '#' must be from 1 to 5");
    CHECK(error_of("cron(0 0 ? * 3#0 *)") ==
          "cron(0 0 ? * 3#0 *): day-of-week: in '3#0' the number after '#' must be from 1 to 5");
    CHECK(error_of("cron(0 0 ? * 1-3#2 *)") ==
          "cron(0 0 ? * 1-3#2 *): day-of-week: 'n#k' stands alone, not in '1-3#2'");
    CHECK(error_of("cron(0 0 ? * 9#2 *)") ==
          "cron(0 0 ? * 9#2 *): day-of-week: '9' is not a value from 1-7 or SUN-SAT");
}

TEST_CASE("the scheduled event is EventBridge's, for the rule, region and time given") {
    const std::string text =
        scheduled_event_json("my-schedule", "eu-west-1", at(2024, 3, 1, 12, 0, 0, 0));
    const nlohmann::ordered_json event = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& [key, value] : event.items()) {
        keys.push_back(key);
    }
    CHECK(keys == std::vector<std::string>{"version", "id", "detail-type", "source", "account",
                                           "time", "region", "resources", "detail"});
    CHECK(event["version"] == "0");
    CHECK(std::regex_match(event["id"].get<std::string>(),
                           std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                      "[0-9a-f]{12}")));
    CHECK(event["detail-type"] == "Scheduled Event");
    CHECK(event["source"] == "aws.events");
    CHECK(event["account"] == "123456789012");
    CHECK(event["time"] == "2024-03-01T12:00:00Z");
    CHECK(event["region"] == "eu-west-1");
    CHECK(event["resources"] == nlohmann::ordered_json::array(
                                    {"arn:aws:events:eu-west-1:123456789012:rule/my-schedule"}));
    CHECK(event["detail"] == nlohmann::ordered_json::object());

    // Each event has its own id.
    const nlohmann::ordered_json again = nlohmann::ordered_json::parse(
        scheduled_event_json("my-schedule", "eu-west-1", at(2024, 3, 1, 12, 0)));
    CHECK(again["id"] != event["id"]);
}

TEST_CASE("a scheduled event for a malformed rule name or region is refused") {
    CHECK_THROWS_WITH_AS(scheduled_event_json("bad rule", "us-east-1", at(2024, 3, 1)),
                         "schedule rule name 'bad rule': expected 1 to 64 letters, digits, '.', "
                         "'-' or '_'",
                         Error);
    CHECK_THROWS_WITH_AS(scheduled_event_json(std::string(65, 'r'), "us-east-1", at(2024, 3, 1)),
                         ("schedule rule name '" + std::string(65, 'r') +
                          "': expected 1 to 64 letters, digits, '.', '-' or '_'")
                             .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(scheduled_event_json("nightly", "moon-1", at(2024, 3, 1)),
                         "the scheduled event of rule 'nightly': --region: expected a region "
                         "such as us-east-1, not 'moon-1'",
                         Error);
}

TEST_CASE("after a firing, missed firings are skipped and a rate keeps its phase") {
    auto due = [](const std::string& expression, WallClock::time_point fired,
                  WallClock::time_point now) {
        std::optional<WallClock::time_point> next = next_due(Schedule(expression), fired, now);
        return next ? iso8601(*next) : "never";
    };
    // On time: the next period, or the next matching minute.
    CHECK(due("rate(5 minutes)", at(2024, 3, 1, 12, 0), at(2024, 3, 1, 12, 0, 0, 3)) ==
          "2024-03-01T12:05:00.000Z");
    CHECK(due("cron(* * * * ? *)", at(2024, 3, 1, 12, 0), at(2024, 3, 1, 12, 0, 0, 3)) ==
          "2024-03-01T12:01:00.000Z");
    // Seen 12 minutes late (a laptop asleep): the firings at 12:05 and 12:10 are skipped.
    CHECK(due("rate(5 minutes)", at(2024, 3, 1, 12, 0), at(2024, 3, 1, 12, 12)) ==
          "2024-03-01T12:15:00.000Z");
    CHECK(due("rate(5 minutes)", at(2024, 3, 1, 12, 0), at(2024, 3, 1, 12, 10)) ==
          "2024-03-01T12:15:00.000Z");
    CHECK(due("cron(0/10 * * * ? *)", at(2024, 3, 1, 12, 0), at(2024, 3, 1, 20, 5)) ==
          "2024-03-01T20:10:00.000Z");
    // A cron whose years are over fires no more.
    CHECK(due("cron(0 12 * * ? 2024)", at(2024, 12, 31, 12, 0), at(2025, 1, 2)) == "never");
}

TEST_SUITE_END();
