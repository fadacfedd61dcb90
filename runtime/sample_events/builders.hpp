// What the sample event builders share: their inputs, AWS's names for places, and one
// builder per event (internal to runtime/events).
#pragma once

#include "runtime/sample_events/sample_events.hpp"
#include "runtime/util/clock.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::events {

// The account of every sample event unless --account says otherwise.
inline constexpr std::string_view k_default_account = "123456789012";
// The region of every sample event unless --region says otherwise.
inline constexpr std::string_view k_default_region = "us-east-1";
// The client address the sample requests come from (TEST-NET-3, RFC 5737).
inline constexpr std::string_view k_client_ip = "203.0.113.10";

// What a builder reads: the options given (already checked to apply to its event) and the
// time of the event.
class EventInputs {
  public:
    // Checks --region and --account; throws Error when they are malformed.
    EventInputs(const SampleEventOptions& options, WallClock::time_point now);

    // The option's value, or `fallback` when it was not given.
    std::string get(std::string_view name, std::string_view fallback) const;
    // The option's value, or nothing when it was not given.
    std::optional<std::string> find(std::string_view name) const;

    const std::string& region() const { return m_region; }
    const std::string& account() const { return m_account; }
    // "aws", "aws-cn" or "aws-us-gov", after the region.
    const std::string& partition() const { return m_partition; }
    // "amazonaws.com", or "amazonaws.com.cn" in the China regions.
    const std::string& dns_suffix() const { return m_dns_suffix; }
    WallClock::time_point now() const { return m_now; }

  private:
    const SampleEventOptions& m_options;
    WallClock::time_point m_now;
    std::string m_region;
    std::string m_account;
    std::string m_partition;
    std::string m_dns_suffix;
};

// Seconds since the Unix epoch.
std::int64_t epoch_seconds(WallClock::time_point t);
// ISO 8601 in UTC to the second, as EventBridge writes it: "2024-01-01T00:00:00Z".
std::string iso8601_seconds(WallClock::time_point t);
// A name of an AWS resource (queue, topic, table, stream, rule): letters, digits, '-', '_'
// and '.', 1 to 256 characters; throws Error naming the option otherwise.
std::string checked_resource_name(std::string_view option, const std::string& value);

// API Gateway REST API proxy request, payload format 1.0 (AWS: "Set up Lambda proxy integrations in
// API Gateway", input format).
nlohmann::ordered_json api_gateway_rest_event(const EventInputs& in);
// API Gateway HTTP API request, payload format 2.0 (AWS: HTTP API payload format 2.0).
nlohmann::ordered_json api_gateway_http_event(const EventInputs& in);
// S3 notification of an object created by PUT.
nlohmann::ordered_json s3_put_event(const EventInputs& in);
// S3 notification of an object deleted.
nlohmann::ordered_json s3_delete_event(const EventInputs& in);
// SQS messages received by an event source mapping.
nlohmann::ordered_json sqs_receive_message_event(const EventInputs& in);
// SNS notification delivered to a subscribed function.
nlohmann::ordered_json sns_notification_event(const EventInputs& in);
// DynamoDB stream records of one item inserted, modified and removed.
nlohmann::ordered_json dynamodb_update_event(const EventInputs& in);
// EventBridge (CloudWatch Events) scheduled rule firing.
nlohmann::ordered_json scheduled_event(const EventInputs& in);
// Kinesis data stream records read by an event source mapping.
nlohmann::ordered_json kinesis_get_records_event(const EventInputs& in);

} // namespace lambda_local::runtime::events
