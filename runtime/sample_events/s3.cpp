// S3 event notifications: an object created by PUT, an object deleted.
#include "runtime/sample_events/builders.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/sample_events/random_text.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/ids.hpp"

#include <regex>

namespace lambda_local::runtime::events {
namespace {

using nlohmann::ordered_json;

std::string checked_bucket(const std::string& value) {
    static const std::regex k_bucket("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    if (!std::regex_match(value, k_bucket)) {
        throw Error("--bucket: expected 3 to 63 lowercase letters, digits, '.' or '-', not '" +
                    value + "'");
    }
    return value;
}

std::string checked_key(const std::string& value) {
    if (value.empty() || value.size() > 1024) {
        throw Error("--key: expected 1 to 1024 bytes");
    }
    return value;
}

// One record of a notification; `object` is the s3.object part, which differs by event.
ordered_json s3_record(const EventInputs& in, std::string_view event_name, ordered_json object) {
    const std::string bucket = checked_bucket(in.get("bucket", "example-bucket"));
    ordered_json record = {
        {"eventVersion", "2.1"},
        {"eventSource", "aws:s3"},
        {"awsRegion", in.region()},
        {"eventTime", iso8601(in.now())},
        {"eventName", event_name},
        {"userIdentity", {{"principalId", "AWS:AIDA" + random_chars(k_upper_alnum, 17)}}},
        {"requestParameters", {{"sourceIPAddress", k_client_ip}}},
        {"responseElements",
         {{"x-amz-request-id", random_chars(k_upper_hex, 16)},
          {"x-amz-id-2", base64_encode(random_bytes(48))}}},
        {"s3",
         {{"s3SchemaVersion", "1.0"},
          {"configurationId", "testConfigRule"},
          {"bucket",
           {{"name", bucket},
            {"ownerIdentity", {{"principalId", "A" + random_chars(k_upper_alnum, 13)}}},
            {"arn", "arn:" + in.partition() + ":s3:::" + bucket}}},
          {"object", std::move(object)}}}};
    return {{"Records", ordered_json::array({record})}};
}

// S3's sequencer: a hex string that orders the events of one key.
std::string sequencer() {
    return "00" + random_chars(k_upper_hex, 16);
}

} // namespace

ordered_json s3_put_event(const EventInputs& in) {
    const std::string key = checked_key(in.get("key", "test/key"));
    const std::string size_text = in.get("size", "1024");
    std::int64_t size = -1;
    static const std::regex k_whole("[0-9]{1,15}");
    if (std::regex_match(size_text, k_whole)) {
        size = std::stoll(size_text);
    }
    if (size < 0) {
        throw Error("--size: expected a size in bytes, not '" + size_text + "'");
    }
    return s3_record(in, "ObjectCreated:Put",
                     {{"key", s3_event_key(key)},
                      {"size", size},
                      {"eTag", random_hex(32)},
                      {"sequencer", sequencer()}});
}

ordered_json s3_delete_event(const EventInputs& in) {
    const std::string key = checked_key(in.get("key", "test/key"));
    return s3_record(in, "ObjectRemoved:Delete",
                     {{"key", s3_event_key(key)}, {"sequencer", sequencer()}});
}

} // namespace lambda_local::runtime::events
