// Scheduled rules while serving: each fires on time with the event EventBridge sends.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/loop/event_loop.hpp"
#include "runtime/server/schedule.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lambda_local::runtime::server {

// One enabled rule of one function.
struct ScheduledRule {
    std::string function_name;
    std::string region; // the function's: its events and the rule's ARN are there
    config::ScheduleConfig config;
    Schedule schedule;
};

// The enabled rules of a project; throws lambda_local::Error naming the function and the rule
// when an expression is invalid.
std::vector<ScheduledRule> scheduled_rules(const config::Project& project);

// Fires rules from a timer of the serve loop: `fire(rule, event)` is called at each due time
// (it should only queue the invocation).
class Scheduler {
  public:
    using Fire = std::function<void(const ScheduledRule& rule, const std::string& event)>;
    Scheduler(loop::EventLoop& loop, std::vector<ScheduledRule> rules, Fire fire);
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void start();
    void stop(); // idempotent

  private:
    // Sets the timer for the earliest due rule (at most a minute away: the wall clock is looked
    // at again then, should it have jumped).
    void arm();
    void fire_due();

    std::vector<ScheduledRule> m_rules;
    Fire m_fire;
    std::vector<std::optional<WallClock::time_point>> m_due;
    loop::Timer m_timer;
};

} // namespace lambda_local::runtime::server
