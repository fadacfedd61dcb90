// Scheduled rules while serving, fired on one thread.
#include "runtime/server/scheduler.hpp"

#include "runtime/util/error.hpp"

#include <algorithm>
#include <optional>

namespace lambda_local::runtime::server {

std::vector<ScheduledRule> scheduled_rules(const config::Project& project) {
    std::vector<ScheduledRule> rules;
    for (const auto& function : project.functions) {
        for (const auto& config : function.schedules) {
            if (!config.enabled) {
                continue;
            }
            try {
                rules.push_back({function.spec.name, function.spec.region, config,
                                 Schedule(config.expression)});
                // The rule's name and region must make a valid event before serving starts.
                scheduled_event_json(config.name, function.spec.region, WallClock::now());
            } catch (const Error& e) {
                throw Error("function '" + function.spec.name + "', schedule '" + config.name +
                            "': " + e.what());
            }
        }
    }
    return rules;
}

Scheduler::Scheduler(loop::EventLoop& loop, std::vector<ScheduledRule> rules, Fire fire)
    : m_rules(std::move(rules)), m_fire(std::move(fire)), m_timer(loop) {}

void Scheduler::start() {
    WallClock::time_point started = WallClock::now();
    m_due.clear();
    for (const auto& rule : m_rules) {
        m_due.push_back(rule.schedule.next_after(started));
    }
    arm();
}

void Scheduler::stop() {
    m_timer.stop();
    m_due.clear();
}

void Scheduler::arm() {
    std::optional<WallClock::time_point> earliest;
    for (const auto& time : m_due) {
        if (time && (!earliest || *time < *earliest)) {
            earliest = time;
        }
    }
    if (!earliest) {
        return;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(*earliest - WallClock::now());
    wait = std::clamp(wait, std::chrono::milliseconds(0), std::chrono::milliseconds(60000));
    m_timer.start(wait, [this] { fire_due(); });
}

void Scheduler::fire_due() {
    WallClock::time_point now = WallClock::now();
    for (std::size_t i = 0; i < m_rules.size() && i < m_due.size(); ++i) {
        if (!m_due[i] || *m_due[i] > now) {
            continue;
        }
        const ScheduledRule& rule = m_rules[i];
        std::string event = rule.config.input
                                ? *rule.config.input
                                : scheduled_event_json(rule.config.name, rule.region, *m_due[i]);
        m_due[i] = next_due(rule.schedule, *m_due[i], WallClock::now());
        m_fire(rule, event);
    }
    arm();
}

} // namespace lambda_local::runtime::server
