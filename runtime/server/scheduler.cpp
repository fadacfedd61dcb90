// Scheduled rules while serving, fired on one thread.
#include "runtime/server/scheduler.hpp"

#include "runtime/util/error.hpp"

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

Scheduler::Scheduler(std::vector<ScheduledRule> rules, Fire fire)
    : m_rules(std::move(rules)), m_fire(std::move(fire)) {}

Scheduler::~Scheduler() {
    stop();
}

void Scheduler::start() {
    if (!m_rules.empty()) {
        m_thread = std::thread([this] { run(); });
    }
}

void Scheduler::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void Scheduler::run() {
    WallClock::time_point started = WallClock::now();
    std::vector<std::optional<WallClock::time_point>> due;
    for (const auto& rule : m_rules) {
        due.push_back(rule.schedule.next_after(started));
    }
    std::unique_lock lock(m_mutex);
    for (;;) {
        std::optional<WallClock::time_point> earliest;
        for (const auto& time : due) {
            if (time && (!earliest || *time < *earliest)) {
                earliest = time;
            }
        }
        if (!earliest) {
            m_wake.wait(lock, [this] { return m_stopping; });
            return;
        }
        if (m_wake.wait_until(lock, *earliest, [this] { return m_stopping; })) {
            return;
        }
        WallClock::time_point now = WallClock::now();
        for (std::size_t i = 0; i < m_rules.size(); ++i) {
            if (!due[i] || *due[i] > now) {
                continue;
            }
            const ScheduledRule& rule = m_rules[i];
            std::string event = rule.config.input
                                    ? *rule.config.input
                                    : scheduled_event_json(rule.config.name, rule.region, *due[i]);
            lock.unlock();
            m_fire(rule, event);
            lock.lock();
            due[i] = next_due(rule.schedule, *due[i], WallClock::now());
        }
    }
}

} // namespace lambda_local::runtime::server
