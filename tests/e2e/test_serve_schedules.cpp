// End-to-end test of the scheduled rules of `lambda-local serve`: a SAM template's rate and cron
// rules and a serverless.yml's cron rule fire on time, with EventBridge's Scheduled Event field by
// field (or the rule's Input), as asynchronous invocations; a disabled rule and --no-schedules
// fire nothing. The three servers run at the same time, for a little over a minute.
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace lambda_local::e2e {

using nlohmann::json;
using WallClock = std::chrono::system_clock;
using std::chrono::seconds;

namespace {

// The account of every local event (AWS::AccountId).
constexpr const char* k_account = "123456789012";
// How late a firing may be seen in the log, on a loaded machine.
constexpr seconds k_slack{15};

// The SAM template: one function (the log_event sample) with a rate rule, a cron rule, a rule
// with an Input, and a disabled rule.
std::string write_sam_template(const TempDir& dir) {
    const std::string code =
        std::filesystem::path(sample_library("libhttp_api.so")).parent_path().string();
    return dir.write("template.yaml", "Transform: AWS::Serverless-2016-10-31\n"
                                      "Resources:\n"
                                      "  Ticker:\n"
                                      "    Type: AWS::Serverless::Function\n"
                                      "    Properties:\n"
                                      "      CodeUri: " +
                                          code +
                                          "\n"
                                          "      Handler: libhttp_api.so:log_event\n"
                                          "      Runtime: provided.al2023\n"
                                          "      Events:\n"
                                          "        EveryMinute:\n"
                                          "          Type: Schedule\n"
                                          "          Properties:\n"
                                          "            Schedule: rate(1 minute)\n"
                                          "        OnTheMinute:\n"
                                          "          Type: Schedule\n"
                                          "          Properties:\n"
                                          "            Schedule: cron(* * * * ? *)\n"
                                          "        WithInput:\n"
                                          "          Type: Schedule\n"
                                          "          Properties:\n"
                                          "            Schedule: cron(* * * * ? *)\n"
                                          "            Input: '{\"custom\": true}'\n"
                                          "        Disabled:\n"
                                          "          Type: Schedule\n"
                                          "          Properties:\n"
                                          "            Schedule: cron(* * * * ? *)\n"
                                          "            Enabled: false\n");
}

// The serverless.yml: service `ticks`, function `tick` (ticks-dev-tick) with a cron rule.
std::string write_serverless_config(const TempDir& dir) {
    return dir.write("serverless.yml", "service: ticks\n"
                                       "provider:\n"
                                       "  name: aws\n"
                                       "  runtime: provided.al2023\n"
                                       "  region: ap-southeast-2\n"
                                       "functions:\n"
                                       "  tick:\n"
                                       "    handler: " +
                                           sample_library("libhttp_api.so") +
                                           ":log_event\n"
                                           "    events:\n"
                                           "      - schedule: cron(* * * * ? *)\n");
}

// A running server and the wall-clock times around its start: its scheduler started between
// `before` and `after` (the banner is printed once the server has started).
struct Started {
    WallClock::time_point before;
    std::unique_ptr<ServeProcess> serve;
    WallClock::time_point after;
};

Started start_serve(const std::vector<std::string>& args) {
    Started started;
    started.before = WallClock::now();
    started.serve = std::make_unique<ServeProcess>(args);
    started.after = WallClock::now();
    return started;
}

// The complete lines of a server's log, each with the time this test first saw it.
class LogTimes {
  public:
    explicit LogTimes(const ServeProcess& serve) : m_serve(serve) {}

    // Reads the log and records the lines that are new.
    void poll() {
        const std::string log = m_serve.log();
        const auto now = WallClock::now();
        const std::vector<std::string> lines = split_lines(log.substr(0, log.rfind('\n') + 1));
        for (std::size_t i = m_lines.size(); i < lines.size(); ++i) {
            m_lines.emplace_back(lines[i], now);
        }
    }

    // When the first line starting with `prefix` was seen.
    std::optional<WallClock::time_point> first_seen(std::string_view prefix) const {
        for (const auto& [line, seen] : m_lines) {
            if (line.starts_with(prefix)) {
                return seen;
            }
        }
        return std::nullopt;
    }

    // When the first line equal to `text` was seen.
    std::optional<WallClock::time_point> seen(std::string_view text) const {
        for (const auto& [line, seen] : m_lines) {
            if (line == text) {
                return seen;
            }
        }
        return std::nullopt;
    }

    // Every line seen so far, in order, with when it was first seen.
    const std::vector<std::pair<std::string, WallClock::time_point>>& lines() const {
        return m_lines;
    }

  private:
    const ServeProcess& m_serve;
    std::vector<std::pair<std::string, WallClock::time_point>> m_lines;
};

// "YYYY-MM-DDTHH:MM:SSZ" (UTC, to the second) as a time; nothing when it is not that format.
std::optional<WallClock::time_point> parse_event_time(const std::string& text) {
    static const std::regex k_format("([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):"
                                     "([0-9]{2})Z");
    std::smatch m;
    if (!std::regex_match(text, m, k_format)) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{
        std::chrono::year{std::stoi(m[1].str())},
        std::chrono::month{static_cast<unsigned>(std::stoi(m[2].str()))},
        std::chrono::day{static_cast<unsigned>(std::stoi(m[3].str()))}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days{date} + std::chrono::hours{std::stoi(m[4].str())} +
           std::chrono::minutes{std::stoi(m[5].str())} + seconds{std::stoi(m[6].str())};
}

// How many whole UTC minutes lie in (from, to].
long minute_boundaries(WallClock::time_point from, WallClock::time_point to) {
    using std::chrono::floor;
    using std::chrono::minutes;
    return (floor<minutes>(to) - floor<minutes>(from)).count();
}

// A function's output line that is a JSON object (what log_event wrote), with when it was seen.
struct LoggedEvent {
    json event;
    WallClock::time_point seen;
};

// The events `function` logged: its output lines `[function] {...}`.
std::vector<LoggedEvent> logged_events(const LogTimes& log, const std::string& function) {
    const std::string prefix = "[" + function + "] {";
    std::vector<LoggedEvent> events;
    for (const auto& [line, seen] : log.lines()) {
        if (line.starts_with(prefix)) {
            events.push_back({parse_json(line.substr(prefix.size() - 1)), seen});
        }
    }
    return events;
}

// The scheduled events among `events` from the rule `rule_arn`.
std::vector<LoggedEvent> events_of_rule(const std::vector<LoggedEvent>& events,
                                        const std::string& rule_arn) {
    std::vector<LoggedEvent> found;
    for (const LoggedEvent& e : events) {
        if (e.event.contains("resources") && e.event["resources"] == json::array({rule_arn})) {
            found.push_back(e);
        }
    }
    return found;
}

// The ARN of the rule `rule` (the event's `resources`).
std::string rule_arn(const std::string& region, const std::string& rule) {
    return "arn:aws:events:" + region + ":" + k_account + ":rule/" + rule;
}

// CHECKs that `event` is EventBridge's Scheduled Event of the rule `rule` in `region`, field by
// field, and returns its time.
std::optional<WallClock::time_point>
check_scheduled_event(const json& event, const std::string& region, const std::string& rule) {
    INFO("event: " << event.dump());
    REQUIRE(event.is_object());
    std::set<std::string> keys;
    for (const auto& item : event.items()) {
        keys.insert(item.key());
    }
    CHECK(keys == std::set<std::string>{"version", "id", "detail-type", "source", "account", "time",
                                        "region", "resources", "detail"});
    CHECK(event.value("version", json()) == "0");
    CHECK(std::regex_match(event.value("id", std::string()), std::regex(k_uuid_pattern)));
    CHECK(event.value("detail-type", json()) == "Scheduled Event");
    CHECK(event.value("source", json()) == "aws.events");
    CHECK(event.value("account", json()) == k_account);
    CHECK(event.value("region", json()) == region);
    CHECK(event.value("resources", json()) == json::array({rule_arn(region, rule)}));
    CHECK(event.value("detail", json()) == json::object());
    const auto time = parse_event_time(event.value("time", std::string()));
    CHECK(time.has_value());
    return time;
}

// CHECKs the START, END and REPORT lines of `function`: one START per firing, each with its END
// and REPORT.
void check_invocation_lines(const std::string& log, const std::string& function,
                            std::size_t firings) {
    INFO(log);
    const std::vector<std::string> lines = split_lines(log);
    const std::string start = "[" + function + "] START RequestId: ";
    CHECK(count_lines_starting(lines, start) == firings);
    for (const std::string& line : lines) {
        if (!line.starts_with(start)) {
            continue;
        }
        const std::string id = line.substr(start.size(), 36);
        CHECK(std::regex_match(id, std::regex(k_uuid_pattern)));
        CHECK(find_line(lines, "[" + function + "] END RequestId: " + id).has_value());
        CHECK(find_line_starting(lines, "[" + function + "] REPORT RequestId: " + id + "\t")
                  .has_value());
    }
}

// CHECKs the SAM server's firings: rate once 60 s after it started (never earlier), cron at each
// minute boundary (the first within a minute), the Input as written, the disabled rule never.
void check_sam_firings(const Started& sam, const LogTimes& sam_log,
                       WallClock::time_point sam_stopped) {
    const std::string log = sam.serve->log();
    INFO("SAM serve log:\n" << log);
    const std::vector<std::string> lines = split_lines(log);
    const std::vector<LoggedEvent> events = logged_events(sam_log, "Ticker");
    const std::string region = "eu-west-3";

    // rate(1 minute): once, 60 s after the server started, never earlier.
    const std::vector<LoggedEvent> rate = events_of_rule(events, rule_arn(region, "EveryMinute"));
    REQUIRE(rate.size() == 1);
    const auto rate_time = check_scheduled_event(rate[0].event, region, "EveryMinute");
    REQUIRE(rate_time);
    CHECK(*rate_time >= std::chrono::floor<seconds>(sam.before) + seconds(60));
    CHECK(*rate_time <= sam.after + seconds(60));
    CHECK(rate[0].seen >= sam.before + seconds(60));
    CHECK(rate[0].seen >= *rate_time);
    CHECK(rate[0].seen <= sam.after + seconds(60) + k_slack);
    const auto rate_fired = sam_log.seen("lambda-local: schedule EveryMinute fired");
    REQUIRE(rate_fired);
    CHECK(*rate_fired >= sam.before + seconds(60));
    CHECK(count_lines_starting(lines, "lambda-local: schedule EveryMinute fired") == 1);

    // cron(* * * * ? *): at each minute boundary while serving, the first within a minute.
    const long boundaries = minute_boundaries(sam.before, sam_stopped);
    const std::vector<LoggedEvent> cron = events_of_rule(events, rule_arn(region, "OnTheMinute"));
    REQUIRE(!cron.empty());
    CHECK(static_cast<long>(cron.size()) <= boundaries);
    CHECK(count_lines_starting(lines, "lambda-local: schedule OnTheMinute fired") == cron.size());
    std::set<std::string> cron_times;
    std::set<std::string> ids;
    for (const LoggedEvent& fired : cron) {
        const auto time = check_scheduled_event(fired.event, region, "OnTheMinute");
        REQUIRE(time);
        const std::string text = fired.event["time"].get<std::string>();
        CHECK(text.ends_with(":00Z"));
        cron_times.insert(text);
        ids.insert(fired.event["id"].get<std::string>());
        CHECK(*time > sam.before);
        CHECK(fired.seen >= *time); // never early
        CHECK(fired.seen <= *time + k_slack);
    }
    CHECK(cron_times.size() == cron.size()); // never twice for one minute
    CHECK(*parse_event_time(cron[0].event["time"].get<std::string>()) <= sam.after + seconds(60));
    ids.insert(rate[0].event["id"].get<std::string>());
    CHECK(ids.size() == cron.size() + 1); // a new id for each event

    // Input: delivered as written, instead of the scheduled event.
    const std::size_t inputs = count_lines_starting(lines, "[Ticker] {\"custom\": true}");
    CHECK(inputs >= 1);
    CHECK(static_cast<long>(inputs) <= boundaries);
    CHECK(inputs == count_lines_starting(lines, "lambda-local: schedule WithInput fired"));
    CHECK(find_line(lines, "[Ticker] {\"custom\": true}").has_value());
    const auto input_seen = sam_log.seen("[Ticker] {\"custom\": true}");
    REQUIRE(input_seen);
    CHECK(*input_seen <= sam.after + seconds(60) + k_slack);

    // The disabled rule never fired; nothing else was invoked.
    CHECK(log.find("lambda-local: schedule Disabled") == std::string::npos);
    CHECK(events_of_rule(events, rule_arn(region, "Disabled")).empty());
    CHECK(events.size() == rate.size() + cron.size() + inputs);
    const std::size_t firings = count_lines_starting(lines, "lambda-local: schedule ");
    CHECK(firings == rate.size() + cron.size() + inputs);
    check_invocation_lines(log, "Ticker", firings);
}

// CHECKs the serverless server's firings: its cron rule at minute boundaries.
void check_serverless_firings(const Started& sls, const LogTimes& sls_log,
                              WallClock::time_point sls_stopped) {
    const std::string log = sls.serve->log();
    INFO("serverless serve log:\n" << log);
    const std::vector<std::string> lines = split_lines(log);
    const std::string region = "ap-southeast-2";
    const std::string rule = "ticks-dev-tick-schedule-1";
    const std::vector<LoggedEvent> events = logged_events(sls_log, "ticks-dev-tick");
    REQUIRE(!events.empty());
    CHECK(static_cast<long>(events.size()) <= minute_boundaries(sls.before, sls_stopped));
    for (const LoggedEvent& fired : events) {
        const auto time = check_scheduled_event(fired.event, region, rule);
        REQUIRE(time);
        CHECK(fired.event["time"].get<std::string>().ends_with(":00Z"));
        CHECK(*time > sls.before);
        CHECK(fired.seen >= *time);
        CHECK(fired.seen <= *time + k_slack);
    }
    CHECK(*parse_event_time(events[0].event["time"].get<std::string>()) <= sls.after + seconds(60));
    const std::size_t firings =
        count_lines_starting(lines, "lambda-local: schedule " + rule + " fired");
    CHECK(firings == events.size());
    CHECK(count_lines_starting(lines, "lambda-local: schedule ") == firings);
    check_invocation_lines(log, "ticks-dev-tick", firings);
}

// CHECKs that the --no-schedules server fired nothing, over more than a minute.
void check_no_firings(const Started& off, WallClock::time_point off_stopped) {
    const std::string log = off.serve->log();
    INFO("--no-schedules serve log:\n" << log);
    CHECK(off_stopped - off.after >= seconds(60)); // a cron rule would have been due
    CHECK(log.find("lambda-local: schedule ") == std::string::npos);
    CHECK(log.find("START RequestId: ") == std::string::npos);
    CHECK(log.find("[Ticker] ") == std::string::npos);
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve schedules");

TEST_CASE("scheduled rules fire on time with EventBridge's event, and --no-schedules fires none") {
    TempDir sam_dir;
    TempDir serverless_dir;
    const std::string template_path = write_sam_template(sam_dir);
    const std::string config_path = write_serverless_config(serverless_dir);
    LeftoverWatch watch;

    // Started one after the other, then running at the same time: --no-schedules first, so
    // that it runs at least as long as the others.
    Started off =
        start_serve({"--template", template_path, "--region", "eu-west-3", "--no-schedules"});
    Started sam = start_serve({"--template", template_path, "--region", "eu-west-3"});
    Started sls = start_serve({"--config", config_path});
    LogTimes off_log(*off.serve);
    LogTimes sam_log(*sam.serve);
    LogTimes sls_log(*sls.serve);

    // Until the SAM rate rule (the last due, 60 s after its server started) and the other rules
    // have been invoked, bounded.
    const auto deadline = sls.after + seconds(60) + 2 * k_slack;
    const std::vector<std::string> sam_rules = {"EveryMinute", "OnTheMinute", "WithInput"};
    auto all_fired = [&] {
        for (const std::string& rule : sam_rules) {
            if (!sam_log.first_seen("lambda-local: schedule " + rule + " fired")) {
                return false;
            }
        }
        const std::string sam_log_text = sam.serve->log();
        const std::string sls_log_text = sls.serve->log();
        const std::vector<std::string> sam_lines = split_lines(sam_log_text);
        const std::vector<std::string> sls_lines = split_lines(sls_log_text);
        return sls_log.first_seen("lambda-local: schedule ticks-dev-tick-schedule-1 fired") &&
               count_lines_starting(sam_lines, "[Ticker] REPORT ") >=
                   count_lines_starting(sam_lines, "lambda-local: schedule ") &&
               count_lines_starting(sls_lines, "[ticks-dev-tick] REPORT ") >=
                   count_lines_starting(sls_lines, "lambda-local: schedule ");
    };
    for (;;) {
        off_log.poll();
        sam_log.poll();
        sls_log.poll();
        if (all_fired() || WallClock::now() > deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }

    const int off_exit = off.serve->stop(SIGTERM);
    const auto off_stopped = WallClock::now();
    const int sam_exit = sam.serve->stop(SIGTERM);
    const auto sam_stopped = WallClock::now();
    const int sls_exit = sls.serve->stop(SIGTERM);
    const auto sls_stopped = WallClock::now();
    for (LogTimes* log : {&off_log, &sam_log, &sls_log}) {
        log->poll();
    }
    CHECK(off_exit == 0);
    CHECK(sam_exit == 0);
    CHECK(sls_exit == 0);
    watch.check_nothing_left(as_result(*off.serve, off_exit));
    watch.check_nothing_left(as_result(*sam.serve, sam_exit));
    watch.check_nothing_left(as_result(*sls.serve, sls_exit));

    check_sam_firings(sam, sam_log, sam_stopped);
    check_serverless_firings(sls, sls_log, sls_stopped);
    check_no_firings(off, off_stopped);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
