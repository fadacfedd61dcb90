// EventBridge schedule expressions (rate and cron, in UTC) and the event a scheduled rule sends.
#pragma once

#include "runtime/util/clock.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::server {

// A parsed EventBridge schedule expression:
//   rate(1 minute), rate(5 minutes), rate(1 hour), rate(2 hours), rate(1 day), rate(7 days)
//     (the unit is singular for 1 and plural otherwise, as EventBridge requires);
//   cron(Minutes Hours Day-of-month Month Day-of-week Year), in UTC, with EventBridge's fields
//     and wildcards: `*`, `?`, ranges `a-b`, lists `a,b`, steps `a/n`, `*/n`, `a-b/n`, month
//     names JAN-DEC, day names SUN-SAT (1=SUN ... 7=SAT), `L` (last day of the month; alone in
//     day-of-week: Saturday), `nL` in day-of-week (the last such day of the month), `W`
//     (`nW`: the weekday nearest day n, within the month; `LW`: the last weekday), `#`
//     (`n#k`: the k-th such day of the month); exactly one of day-of-month and day-of-week is
//     `?`; years 1970-2199. Names and letters are case-insensitive.
class Schedule {
  public:
    // Parses `expression`; throws lambda_local::Error naming the expression and the problem:
    // "cron(0 12 * * * *): one of day-of-month and day-of-week must be '?'".
    explicit Schedule(std::string_view expression);

    // The first time the rule fires strictly after `after`, or nothing when it never fires
    // again (a cron whose years are over). A cron fires on whole UTC minutes. A rate fires
    // every period counted from when it started: `after + period`, so the first firing of a
    // rate started at `start` is `start + period` and each next one is next_after(the last).
    std::optional<WallClock::time_point> next_after(WallClock::time_point after) const;

    // The expression as written.
    const std::string& expression() const { return m_expression; }
    // The period of a rate expression; nothing for a cron expression.
    std::optional<std::chrono::minutes> rate() const;

    // The fields of a cron expression, as sets; defined in schedule.cpp.
    struct Cron;

  private:
    std::string m_expression;
    std::chrono::minutes m_rate{0};     // set for a rate expression
    std::shared_ptr<const Cron> m_cron; // set for a cron expression
};

// When a rule that fired (was due) at `fired` fires next, seen at `now`: the first firing after
// `fired` that is still ahead, so that firings missed while the machine slept or the process
// was stopped are skipped rather than fired back to back (EventBridge does not catch up either).
// A rate keeps its phase: rate(5 minutes) due at 12:00 and seen at 12:12 fires next at 12:15.
std::optional<WallClock::time_point> next_due(const Schedule& schedule, WallClock::time_point fired,
                                              WallClock::time_point now);

// The event EventBridge sends when the rule `rule_name` fires at `time` (its "Scheduled Event":
// version 0, a new id, detail-type, source aws.events, account, time to the second, region,
// resources [the rule's ARN], detail {}), as JSON text. Throws lambda_local::Error when the rule
// name or the region is malformed.
std::string scheduled_event_json(std::string_view rule_name, std::string_view region,
                                 WallClock::time_point time);

} // namespace lambda_local::runtime::server
