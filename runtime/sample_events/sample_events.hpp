// Sample events of the AWS services that invoke Lambda functions, with fresh ids and times.
#pragma once

#include "runtime/util/clock.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::events {

// Option values by name without the dashes ("method" -> "POST"); an option left out takes
// the event's default.
using SampleEventOptions = std::map<std::string, std::string, std::less<>>;

// One option of `generate-event`: its name, a placeholder for its value and what it sets.
struct SampleEventOption {
    std::string_view name;
    std::string_view value_name;
    std::string_view help;
};

// One event `generate-event` can produce, named as SAM CLI names it (`s3 put`).
struct SampleEventKind {
    std::string_view service;
    std::string_view event;
    std::string_view description;
    std::vector<std::string_view> options; // the option names this event reads
};

// Every option of `generate-event`, in the order --help shows them.
const std::vector<SampleEventOption>& sample_event_options();

// The events, in the order --list shows them.
const std::vector<SampleEventKind>& sample_event_kinds();

// The event for `service event`, with an alias (`eventbridge scheduled-event`) resolved;
// nullptr when there is none.
const SampleEventKind* find_sample_event(std::string_view service, std::string_view event);

// A fresh sample event: new ids, `now` as its time. Throws Error for an unknown event
// ("unknown event 's3 nope' (see --list)"), an option the event does not read, or a
// value it cannot use.
nlohmann::ordered_json generate_sample_event(std::string_view service, std::string_view event,
                                             const SampleEventOptions& options,
                                             WallClock::time_point now = WallClock::now());

// The --list text: one `SERVICE EVENT  description` line per event, aliases included.
std::string format_sample_event_list();

} // namespace lambda_local::runtime::events
