// Scheduled rules while serving: each fires on time with the event EventBridge sends.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/server/schedule.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
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

// Fires rules on one thread: `fire(rule, event)` is called at each due time (it should only
// queue the invocation).
class Scheduler {
  public:
    using Fire = std::function<void(const ScheduledRule& rule, const std::string& event)>;
    Scheduler(std::vector<ScheduledRule> rules, Fire fire);
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    ~Scheduler();

    void start();
    void stop(); // idempotent

  private:
    void run();
    std::vector<ScheduledRule> m_rules;
    Fire m_fire;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace lambda_local::runtime::server
