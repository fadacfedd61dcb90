// The event of an EventBridge (formerly CloudWatch Events) scheduled rule.
#include "runtime/sample_events/builders.hpp"
#include "runtime/util/ids.hpp"

namespace lambda_local::runtime::events {

nlohmann::ordered_json scheduled_event(const EventInputs& in) {
    const std::string rule = checked_resource_name("rule", in.get("rule", "my-scheduled-rule"));
    return {{"version", "0"},
            {"id", new_request_id()},
            {"detail-type", "Scheduled Event"},
            {"source", "aws.events"},
            {"account", in.account()},
            {"time", iso8601_seconds(in.now())},
            {"region", in.region()},
            {"resources",
             nlohmann::ordered_json::array({"arn:" + in.partition() + ":events:" + in.region() +
                                            ":" + in.account() + ":rule/" + rule})},
            {"detail", nlohmann::ordered_json::object()}};
}

} // namespace lambda_local::runtime::events
