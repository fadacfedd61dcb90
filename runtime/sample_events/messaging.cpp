// Messages delivered to a function: SQS (through an event source mapping) and SNS.
#include "runtime/sample_events/builders.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/sample_events/random_text.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/ids.hpp"

namespace lambda_local::runtime::events {

using nlohmann::ordered_json;

ordered_json sqs_receive_message_event(const EventInputs& in) {
    const std::string queue = checked_resource_name("queue", in.get("queue", "my-queue"));
    const std::string body = in.get("body", "Hello from SQS!");
    const std::int64_t sent = epoch_ms(in.now());
    const std::int64_t received = sent + 1 + static_cast<unsigned char>(random_bytes(1)[0]) % 40;
    const bool fifo = queue.size() > 5 && queue.compare(queue.size() - 5, 5, ".fifo") == 0;

    // Timestamps are strings of epoch milliseconds, as ReceiveMessage returns them.
    ordered_json attributes = {{"ApproximateReceiveCount", "1"},
                               {"SentTimestamp", std::to_string(sent)}};
    if (fifo) {
        attributes["SequenceNumber"] = "1" + random_chars(k_digits, 19);
        attributes["MessageGroupId"] = "1";
    }
    attributes["SenderId"] = "AIDA" + random_chars(k_upper_alnum, 17);
    if (fifo) {
        attributes["MessageDeduplicationId"] = random_hex(64);
    }
    attributes["ApproximateFirstReceiveTimestamp"] = std::to_string(received);

    ordered_json record = {{"messageId", new_request_id()},
                           {"receiptHandle", "AQEB" + base64_encode(random_bytes(150))},
                           {"body", body},
                           {"attributes", attributes},
                           {"messageAttributes", ordered_json::object()},
                           {"md5OfBody", md5_hex(body)},
                           {"eventSource", "aws:sqs"},
                           {"eventSourceARN", "arn:" + in.partition() + ":sqs:" + in.region() +
                                                  ":" + in.account() + ":" + queue},
                           {"awsRegion", in.region()}};
    return {{"Records", ordered_json::array({record})}};
}

ordered_json sns_notification_event(const EventInputs& in) {
    const std::string topic = checked_resource_name("topic", in.get("topic", "my-topic"));
    const std::string topic_arn =
        "arn:" + in.partition() + ":sns:" + in.region() + ":" + in.account() + ":" + topic;
    const std::string subscription_arn = topic_arn + ":" + new_request_id();
    const std::string endpoint = "https://sns." + in.region() + "." + in.dns_suffix();
    const std::optional<std::string> subject = in.find("subject");

    ordered_json sns = {
        {"SignatureVersion", "1"},
        {"Timestamp", iso8601(in.now())},
        {"Signature", base64_encode(random_bytes(256))},
        {"SigningCertUrl", endpoint + "/SimpleNotificationService-" + random_hex(32) + ".pem"},
        {"MessageId", new_request_id()},
        {"Message", in.get("message", "Hello from SNS!")},
        {"MessageAttributes", ordered_json::object()},
        {"Type", "Notification"},
        {"UnsubscribeUrl", endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + subscription_arn},
        {"TopicArn", topic_arn},
        // A message published without a subject has a null Subject.
        {"Subject", subject ? ordered_json(*subject) : ordered_json(nullptr)}};
    ordered_json record = {{"EventVersion", "1.0"},
                           {"EventSubscriptionArn", subscription_arn},
                           {"EventSource", "aws:sns"},
                           {"Sns", sns}};
    return {{"Records", ordered_json::array({record})}};
}

} // namespace lambda_local::runtime::events
