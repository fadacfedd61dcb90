// Records read from streams by an event source mapping: DynamoDB Streams and Kinesis.
#include "runtime/sample_events/builders.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/sample_events/random_text.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/ids.hpp"

#include <cstdio>

namespace lambda_local::runtime::events {
namespace {

using nlohmann::ordered_json;

// The bytes DynamoDB counts for an item image: each attribute's name and value.
std::int64_t image_size(const ordered_json& image) {
    std::int64_t size = 0;
    for (const auto& [name, typed] : image.items()) {
        size += static_cast<std::int64_t>(name.size());
        for (const auto& [type, value] : typed.items()) {
            size += static_cast<std::int64_t>(value.get<std::string>().size());
        }
    }
    return size;
}

} // namespace

ordered_json dynamodb_update_event(const EventInputs& in) {
    const std::string table = checked_resource_name("table", in.get("table", "ExampleTable"));
    const std::string label = iso8601(in.now()).substr(0, 23); // without the 'Z'
    const std::string arn = "arn:" + in.partition() + ":dynamodb:" + in.region() + ":" +
                            in.account() + ":table/" + table + "/stream/" + label;
    const std::string sequence_prefix = "1" + random_chars(k_digits, 9) + "00000000";
    unsigned sequence = 100 + static_cast<unsigned char>(random_bytes(1)[0]);

    const ordered_json keys = {{"Id", {{"N", "101"}}}};
    const ordered_json inserted = {{"Message", {{"S", "New item!"}}}, {"Id", {{"N", "101"}}}};
    const ordered_json modified = {{"Message", {{"S", "This item has changed"}}},
                                   {"Id", {{"N", "101"}}}};
    // One item's life: INSERT, then MODIFY, then REMOVE, as SAM's `dynamodb update` sample.
    struct Change {
        const char* name;
        const ordered_json* new_image;
        const ordered_json* old_image;
    };
    const Change changes[] = {{"INSERT", &inserted, nullptr},
                              {"MODIFY", &modified, &inserted},
                              {"REMOVE", nullptr, &modified}};
    ordered_json records = ordered_json::array();
    for (const Change& change : changes) {
        ordered_json stream = {{"ApproximateCreationDateTime", epoch_seconds(in.now())},
                               {"Keys", keys}};
        std::int64_t size = image_size(keys);
        if (change.new_image != nullptr) {
            stream["NewImage"] = *change.new_image;
            size += image_size(*change.new_image);
        }
        if (change.old_image != nullptr) {
            stream["OldImage"] = *change.old_image;
            size += image_size(*change.old_image);
        }
        char number[16];
        std::snprintf(number, sizeof number, "%010u", sequence++);
        stream["SequenceNumber"] = sequence_prefix + number;
        stream["SizeBytes"] = size;
        stream["StreamViewType"] = "NEW_AND_OLD_IMAGES";
        records.push_back({{"eventID", random_hex(32)},
                           {"eventName", change.name},
                           {"eventVersion", "1.1"},
                           {"eventSource", "aws:dynamodb"},
                           {"awsRegion", in.region()},
                           {"dynamodb", stream},
                           {"eventSourceARN", arn}});
    }
    return {{"Records", records}};
}

ordered_json kinesis_get_records_event(const EventInputs& in) {
    const std::string stream = checked_resource_name("stream", in.get("stream", "lambda-stream"));
    const std::string partition_key = in.get("partition-key", "1");
    const std::string sequence = "49" + random_chars(k_digits, 54);
    ordered_json kinesis = {
        {"kinesisSchemaVersion", "1.0"},
        {"partitionKey", partition_key},
        {"sequenceNumber", sequence},
        {"data", base64_encode(in.get("data", "Hello, this is a test."))},
        // Seconds since the epoch with milliseconds, as a number.
        {"approximateArrivalTimestamp", static_cast<double>(epoch_ms(in.now())) / 1000.0}};
    ordered_json record = {{"kinesis", kinesis},
                           {"eventSource", "aws:kinesis"},
                           {"eventVersion", "1.0"},
                           {"eventID", "shardId-000000000000:" + sequence},
                           {"eventName", "aws:kinesis:record"},
                           {"invokeIdentityArn", "arn:" + in.partition() + ":iam::" + in.account() +
                                                     ":role/lambda-role"},
                           {"awsRegion", in.region()},
                           {"eventSourceARN", "arn:" + in.partition() + ":kinesis:" + in.region() +
                                                  ":" + in.account() + ":stream/" + stream}};
    return {{"Records", ordered_json::array({record})}};
}

} // namespace lambda_local::runtime::events
