// EventBridge rate and cron expressions: parsing, the next firing time, and the scheduled event.
#include "runtime/server/schedule.hpp"

#include "runtime/sample_events/sample_events.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/text.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace lambda_local::runtime::server {

struct Schedule::Cron {
    // How the days of a month are picked: by one of the two day fields.
    enum class DayRule {
        DaysOfMonth,    // day-of-month values (`*`, lists, ranges, steps)
        LastDay,        // day-of-month `L`
        LastWeekday,    // day-of-month `LW`
        NearestWeekday, // day-of-month `nW`: day_arg = n
        DaysOfWeek,     // day-of-week values (`*`, lists, ranges, steps, `L` = Saturday)
        LastOfWeekday,  // day-of-week `nL`: day_arg = the weekday (1 = SUN)
        NthOfWeekday,   // day-of-week `n#k`: day_arg = the weekday, nth = k
    };

    std::vector<bool> minutes;  // [0, 59]
    std::vector<bool> hours;    // [0, 23]
    std::vector<bool> days;     // [1, 31]; for DayRule::DaysOfMonth
    std::vector<bool> months;   // [1, 12]
    std::vector<bool> weekdays; // [1, 7], 1 = Sunday; for DayRule::DaysOfWeek
    std::vector<bool> years;    // [1970, 2199]
    DayRule day_rule = DayRule::DaysOfMonth;
    int day_arg = 0;
    int nth = 0;
};

namespace {

using namespace std::chrono;
using DayRule = Schedule::Cron::DayRule;

constexpr int k_first_year = 1970;
constexpr int k_last_year = 2199;
constexpr std::array<std::string_view, 12> k_month_names = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> k_day_names = {"SUN", "MON", "TUE", "WED",
                                                         "THU", "FRI", "SAT"};

// One field of a cron expression: its name in messages, its values, and its value names.
struct CronField {
    std::string_view name;
    int min;
    int max;
    bool cyclic;                             // a range may wrap around: FRI-MON, 22-2
    const std::string_view* names = nullptr; // names[i] is min + i
    std::size_t name_count = 0;
};

constexpr CronField k_minutes{"minutes", 0, 59, true};
constexpr CronField k_hours{"hours", 0, 23, true};
constexpr CronField k_day_of_month{"day-of-month", 1, 31, true};
constexpr CronField k_month{"month", 1, 12, true, k_month_names.data(), k_month_names.size()};
constexpr CronField k_day_of_week{"day-of-week",     1, 7, true, k_day_names.data(),
                                  k_day_names.size()};
constexpr CronField k_year{"year", k_first_year, k_last_year, false};

// Throws the error of an expression: "<expression>: <problem>".
[[noreturn]] void fail(std::string_view expression, const std::string& problem) {
    throw Error(std::string(expression) + ": " + problem);
}

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) {
            ++i;
        }
        std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) {
            ++i;
        }
        if (i > start) {
            words.push_back(text.substr(start, i - start));
        }
    }
    return words;
}

// A whole number of at most 9 digits, or -1.
int whole_number(std::string_view text) {
    if (text.empty() || text.size() > 9) {
        return -1;
    }
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

std::string upper(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return result;
}

// Reads the period of `rate(<value> <unit>)` from what is inside the parentheses.
minutes parse_rate(std::string_view expression, std::string_view inside) {
    std::vector<std::string_view> words = split_words(inside);
    if (words.size() != 2) {
        fail(expression, "expected rate(<value> <unit>), such as rate(5 minutes)");
    }
    int value = whole_number(words[0]);
    if (value <= 0) {
        fail(expression,
             "the value must be a positive whole number, not '" + std::string(words[0]) + "'");
    }
    struct Unit {
        std::string_view singular;
        std::string_view plural;
        minutes length;
    };
    constexpr std::array<Unit, 3> k_units = {
        {{"minute", "minutes", minutes(1)}, {"hour", "hours", hours(1)}, {"day", "days", days(1)}}};
    for (const Unit& unit : k_units) {
        if (words[1] != unit.singular && words[1] != unit.plural) {
            continue;
        }
        if (value == 1 && words[1] != unit.singular) {
            fail(expression,
                 "a value of 1 takes the singular unit '" + std::string(unit.singular) + "'");
        }
        if (value > 1 && words[1] != unit.plural) {
            fail(expression,
                 "a value greater than 1 takes the plural unit '" + std::string(unit.plural) + "'");
        }
        return unit.length * value;
    }
    fail(expression,
         "the unit must be minute(s), hour(s) or day(s), not '" + std::string(words[1]) + "'");
}

// One value of `field`: a number, or a name where the field has names.
int field_value(std::string_view expression, const CronField& field, std::string_view text) {
    int value = whole_number(text);
    for (std::size_t i = 0; value < 0 && i < field.name_count; ++i) {
        if (text == field.names[i]) {
            value = field.min + static_cast<int>(i);
        }
    }
    if (value < field.min || value > field.max) {
        std::string allowed = std::to_string(field.min) + "-" + std::to_string(field.max);
        if (field.name_count > 0) {
            allowed += " or " + std::string(field.names[0]) + "-" +
                       std::string(field.names[field.name_count - 1]);
        }
        fail(expression, std::string(field.name) + ": '" + std::string(text) +
                             "' is not a value from " + allowed);
    }
    return value;
}

// The values of `field` that `text` (`*`, lists, ranges and steps) selects.
std::vector<bool> parse_values(std::string_view expression, const CronField& field,
                               std::string_view text) {
    std::vector<bool> selected(static_cast<std::size_t>(field.max) + 1, false);
    const int size = field.max - field.min + 1;
    for (std::string_view item : split_view(text, ',')) {
        if (item.empty()) {
            fail(expression,
                 std::string(field.name) + ": empty item in the list '" + std::string(text) + "'");
        }
        std::vector<std::string_view> parts = split_view(item, '/');
        if (parts.size() > 2) {
            fail(expression,
                 std::string(field.name) + ": '" + std::string(item) + "' has more than one '/'");
        }
        int step = 1;
        if (parts.size() == 2) {
            step = whole_number(parts[1]);
            if (step < 1 || step > size) {
                fail(expression, std::string(field.name) + ": the step in '" + std::string(item) +
                                     "' must be a whole number from 1 to " + std::to_string(size));
            }
        }
        std::string_view base = parts[0];
        int first = field.min;
        int last = field.max;
        if (base != "*") {
            std::vector<std::string_view> bounds = split_view(base, '-');
            if (bounds.size() > 2) {
                fail(expression, std::string(field.name) + ": '" + std::string(item) +
                                     "' is not a value or a range");
            }
            first = field_value(expression, field, bounds[0]);
            if (bounds.size() == 2) {
                last = field_value(expression, field, bounds[1]);
            } else if (parts.size() == 1) {
                last = first; // a single value; "a/n" runs to the end of the field
            }
            if (last < first && !field.cyclic) {
                fail(expression, std::string(field.name) + ": the range '" + std::string(base) +
                                     "' goes backwards");
            }
        }
        // A wrapping range (FRI-MON) runs on past the end of the field to its start.
        int length = (last - first + size) % size;
        for (int offset = 0; offset <= length; offset += step) {
            selected[static_cast<std::size_t>(field.min + (first - field.min + offset) % size)] =
                true;
        }
    }
    return selected;
}

// Reads day-of-month when it is not '?'.
void parse_day_of_month(std::string_view expression, std::string_view text, Schedule::Cron& cron) {
    if (text.find_first_of("LW") == std::string_view::npos) {
        cron.day_rule = DayRule::DaysOfMonth;
        cron.days = parse_values(expression, k_day_of_month, text);
        return;
    }
    if (text == "L") {
        cron.day_rule = DayRule::LastDay;
        return;
    }
    if (text == "LW") {
        cron.day_rule = DayRule::LastWeekday;
        return;
    }
    if (text.size() >= 2 && text.back() == 'W' &&
        text.substr(0, text.size() - 1).find_first_not_of("0123456789") == std::string_view::npos) {
        cron.day_rule = DayRule::NearestWeekday;
        cron.day_arg = field_value(expression, k_day_of_month, text.substr(0, text.size() - 1));
        return;
    }
    fail(expression,
         "day-of-month: 'L', 'LW' and 'nW' stand alone, not in '" + std::string(text) + "'");
}

// Reads day-of-week when it is not '?'.
void parse_day_of_week(std::string_view expression, std::string_view text, Schedule::Cron& cron) {
    constexpr std::string_view k_list_marks = ",-/*";
    if (text == "L") {
        // Alone, `L` is the last day of the week: Saturday.
        cron.day_rule = DayRule::DaysOfWeek;
        cron.weekdays = parse_values(expression, k_day_of_week, "7");
        return;
    }
    if (std::size_t hash = text.find('#'); hash != std::string_view::npos) {
        std::string_view day = text.substr(0, hash);
        if (day.find_first_of(k_list_marks) != std::string_view::npos) {
            fail(expression, "day-of-week: 'n#k' stands alone, not in '" + std::string(text) + "'");
        }
        cron.day_rule = DayRule::NthOfWeekday;
        cron.day_arg = field_value(expression, k_day_of_week, day);
        cron.nth = whole_number(text.substr(hash + 1));
        if (cron.nth < 1 || cron.nth > 5) {
            fail(expression, "day-of-week: in '" + std::string(text) +
                                 "' the number after '#' must be from 1 to 5");
        }
        return;
    }
    if (text.find('L') != std::string_view::npos) {
        if (text.back() != 'L' || text.find_first_of(k_list_marks) != std::string_view::npos) {
            fail(expression,
                 "day-of-week: 'L' and 'nL' stand alone, not in '" + std::string(text) + "'");
        }
        cron.day_rule = DayRule::LastOfWeekday;
        cron.day_arg = field_value(expression, k_day_of_week, text.substr(0, text.size() - 1));
        return;
    }
    cron.day_rule = DayRule::DaysOfWeek;
    cron.weekdays = parse_values(expression, k_day_of_week, text);
}

std::shared_ptr<const Schedule::Cron> parse_cron(std::string_view expression,
                                                 std::string_view inside) {
    const std::string text = upper(inside);
    std::vector<std::string_view> fields = split_words(text);
    if (fields.size() != 6) {
        fail(expression, "expected 6 fields (minutes hours day-of-month month day-of-week "
                         "year), found " +
                             std::to_string(fields.size()));
    }
    const std::array<const CronField*, 6> k_fields = {&k_minutes, &k_hours,       &k_day_of_month,
                                                      &k_month,   &k_day_of_week, &k_year};
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == "?" && i != 2 && i != 4) {
            fail(expression,
                 std::string(k_fields[i]->name) + ": '?' is only for day-of-month and day-of-week");
        }
    }
    bool no_day_of_month = fields[2] == "?";
    bool no_day_of_week = fields[4] == "?";
    if (no_day_of_month == no_day_of_week) {
        fail(expression, no_day_of_month ? "day-of-month and day-of-week cannot both be '?'"
                                         : "one of day-of-month and day-of-week must be '?'");
    }

    auto cron = std::make_shared<Schedule::Cron>();
    cron->minutes = parse_values(expression, k_minutes, fields[0]);
    cron->hours = parse_values(expression, k_hours, fields[1]);
    cron->months = parse_values(expression, k_month, fields[3]);
    cron->years = parse_values(expression, k_year, fields[5]);
    if (no_day_of_week) {
        parse_day_of_month(expression, fields[2], *cron);
    } else {
        parse_day_of_week(expression, fields[4], *cron);
    }
    return cron;
}

// 1 = Sunday ... 7 = Saturday, as cron numbers the days.
int weekday_of(int year, int month, int day) {
    weekday wd{sys_days{std::chrono::year{year} / month / day}};
    return static_cast<int>(wd.c_encoding()) + 1;
}

int last_day_of(int year, int month) {
    year_month_day_last last{std::chrono::year{year} / std::chrono::month(month) /
                             std::chrono::last};
    return static_cast<int>(static_cast<unsigned>(last.day()));
}

// The days of `month` in `year` on which the cron fires, as bits 1 to 31.
std::uint32_t days_in(const Schedule::Cron& cron, int year, int month) {
    const int last = last_day_of(year, month);
    std::uint32_t mask = 0;
    auto add = [&mask](int day) { mask |= std::uint32_t{1} << day; };
    switch (cron.day_rule) {
    case DayRule::DaysOfMonth:
        for (int day = 1; day <= last; ++day) {
            if (cron.days[static_cast<std::size_t>(day)]) {
                add(day);
            }
        }
        break;
    case DayRule::LastDay:
        add(last);
        break;
    case DayRule::LastWeekday: {
        int wd = weekday_of(year, month, last);
        add(wd == 7 ? last - 1 : wd == 1 ? last - 2 : last);
        break;
    }
    case DayRule::NearestWeekday: {
        // The weekday nearest day n without leaving the month; nothing when the month is
        // shorter than n.
        int day = cron.day_arg;
        if (day > last) {
            break;
        }
        int wd = weekday_of(year, month, day);
        if (wd == 7) {
            day = day == 1 ? 3 : day - 1;
        } else if (wd == 1) {
            day = day == last ? day - 2 : day + 1;
        }
        add(day);
        break;
    }
    case DayRule::DaysOfWeek:
        for (int day = 1; day <= last; ++day) {
            if (cron.weekdays[static_cast<std::size_t>(weekday_of(year, month, day))]) {
                add(day);
            }
        }
        break;
    case DayRule::LastOfWeekday: {
        int day = last - (weekday_of(year, month, last) - cron.day_arg + 7) % 7;
        add(day);
        break;
    }
    case DayRule::NthOfWeekday: {
        int first = 1 + (cron.day_arg - weekday_of(year, month, 1) + 7) % 7;
        int day = first + 7 * (cron.nth - 1);
        if (day <= last) {
            add(day);
        }
        break;
    }
    }
    return mask;
}

std::optional<WallClock::time_point> next_cron(const Schedule::Cron& cron,
                                               WallClock::time_point after) {
    const auto start = floor<minutes>(after) + minutes(1);
    const auto start_day = floor<days>(start);
    const year_month_day date{start_day};
    const minutes time_of_day = duration_cast<minutes>(start - start_day);
    const int start_year = static_cast<int>(date.year());
    const int start_month = static_cast<int>(static_cast<unsigned>(date.month()));
    const int start_date = static_cast<int>(static_cast<unsigned>(date.day()));
    const int start_hour = static_cast<int>(time_of_day.count() / 60);
    const int start_minute = static_cast<int>(time_of_day.count() % 60);

    for (int year = std::max(start_year, k_first_year); year <= k_last_year; ++year) {
        const bool in_start_year = year == start_year;
        if (!cron.years[static_cast<std::size_t>(year)]) {
            continue;
        }
        for (int month = in_start_year ? start_month : 1; month <= 12; ++month) {
            const bool in_start_month = in_start_year && month == start_month;
            if (!cron.months[static_cast<std::size_t>(month)]) {
                continue;
            }
            const std::uint32_t days_mask = days_in(cron, year, month);
            for (int day = in_start_month ? start_date : 1; day <= 31; ++day) {
                const bool on_start_day = in_start_month && day == start_date;
                if ((days_mask >> day & 1U) == 0) {
                    continue;
                }
                for (int hour = on_start_day ? start_hour : 0; hour < 24; ++hour) {
                    const bool in_start_hour = on_start_day && hour == start_hour;
                    if (!cron.hours[static_cast<std::size_t>(hour)]) {
                        continue;
                    }
                    for (int minute = in_start_hour ? start_minute : 0; minute < 60; ++minute) {
                        if (cron.minutes[static_cast<std::size_t>(minute)]) {
                            sys_days date_of{std::chrono::year{year} / month / day};
                            return time_point_cast<WallClock::duration>(date_of + hours(hour) +
                                                                        minutes(minute));
                        }
                    }
                }
            }
        }
    }
    return std::nullopt;
}

} // namespace

Schedule::Schedule(std::string_view expression) : m_expression(expression) {
    std::string_view text = trim(expression);
    auto inside = [&text](std::string_view prefix) -> std::optional<std::string_view> {
        if (text.size() > prefix.size() && text.substr(0, prefix.size()) == prefix &&
            text.back() == ')') {
            return text.substr(prefix.size(), text.size() - prefix.size() - 1);
        }
        return std::nullopt;
    };
    if (auto rate = inside("rate(")) {
        m_rate = parse_rate(expression, *rate);
    } else if (auto cron = inside("cron(")) {
        m_cron = parse_cron(expression, *cron);
    } else {
        fail(expression, "expected rate(<value> <unit>) or cron(<minutes> <hours> "
                         "<day-of-month> <month> <day-of-week> <year>)");
    }
}

std::optional<WallClock::time_point> Schedule::next_after(WallClock::time_point after) const {
    if (m_cron) {
        return next_cron(*m_cron, after);
    }
    // A period past the end of the clock's range never comes.
    if (m_rate > std::chrono::floor<std::chrono::minutes>(WallClock::time_point::max() - after)) {
        return std::nullopt;
    }
    return after + m_rate;
}

std::optional<std::chrono::minutes> Schedule::rate() const {
    if (m_cron) {
        return std::nullopt;
    }
    return m_rate;
}

std::string scheduled_event_json(std::string_view rule_name, std::string_view region,
                                 WallClock::time_point time) {
    // EventBridge's rule names: 1 to 64 of these characters.
    bool valid = !rule_name.empty() && rule_name.size() <= 64;
    for (char c : rule_name) {
        valid = valid && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                          c == '-' || c == '_');
    }
    if (!valid) {
        throw Error("schedule rule name '" + std::string(rule_name) +
                    "': expected 1 to 64 letters, digits, '.', '-' or '_'");
    }
    // The builder behind `generate-event cloudwatch scheduled-event`, with the rule's values.
    events::SampleEventOptions options{{"rule", std::string(rule_name)},
                                       {"region", std::string(region)}};
    try {
        return events::generate_sample_event("cloudwatch", "scheduled-event", options, time).dump();
    } catch (const Error& error) {
        throw Error("the scheduled event of rule '" + std::string(rule_name) +
                    "': " + error.what());
    }
}

std::optional<WallClock::time_point> next_due(const Schedule& schedule, WallClock::time_point fired,
                                              WallClock::time_point now) {
    if (std::optional<std::chrono::minutes> period = schedule.rate()) {
        if (now < fired) {
            return fired + *period;
        }
        auto missed = (now - fired) / *period; // whole periods gone by
        return fired + (missed + 1) * *period;
    }
    return schedule.next_after(std::max(fired, now));
}

} // namespace lambda_local::runtime::server
