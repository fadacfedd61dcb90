// The catalogue of sample events: names, options, aliases, and the --list text.
#include "runtime/sample_events/sample_events.hpp"

#include "runtime/sample_events/builders.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/util/error.hpp"

#include <algorithm>
#include <cstdio>

namespace lambda_local::runtime::events {
namespace {

using Builder = nlohmann::ordered_json (*)(const EventInputs&);

// An event and the function that builds it.
struct Entry {
    SampleEventKind kind;
    Builder build;
};

// Another name for an event (`eventbridge scheduled-event`).
struct Alias {
    std::string_view service;
    std::string_view event;
    std::string_view target_service;
    std::string_view target_event;
};

constexpr Alias k_aliases[] = {
    {"eventbridge", "scheduled-event", "cloudwatch", "scheduled-event"},
};

const std::vector<Entry>& entries() {
    static const std::vector<Entry> k_entries = [] {
        const std::vector<std::string_view> http = {"method", "path", "query",  "resource", "stage",
                                                    "cookie", "body", "region", "account"};
        return std::vector<Entry>{
            {{"apigateway", "aws-proxy", "API Gateway REST API proxy request (payload format 1.0)",
              http},
             api_gateway_rest_event},
            {{"apigateway", "http-api-proxy", "API Gateway HTTP API request (payload format 2.0)",
              http},
             api_gateway_http_event},
            {{"s3",
              "put",
              "S3 notification: object created by PUT (ObjectCreated:Put)",
              {"bucket", "key", "size", "region", "account"}},
             s3_put_event},
            {{"s3",
              "delete",
              "S3 notification: object deleted (ObjectRemoved:Delete)",
              {"bucket", "key", "region", "account"}},
             s3_delete_event},
            {{"sqs",
              "receive-message",
              "SQS message received from a queue",
              {"body", "queue", "region", "account"}},
             sqs_receive_message_event},
            {{"sns",
              "notification",
              "SNS notification published to a topic",
              {"message", "subject", "topic", "region", "account"}},
             sns_notification_event},
            {{"dynamodb",
              "update",
              "DynamoDB stream records: one item inserted, modified and removed",
              {"table", "region", "account"}},
             dynamodb_update_event},
            {{"cloudwatch",
              "scheduled-event",
              "EventBridge (CloudWatch Events) scheduled rule firing",
              {"rule", "region", "account"}},
             scheduled_event},
            {{"kinesis",
              "get-records",
              "Kinesis data stream record",
              {"data", "partition-key", "stream", "region", "account"}},
             kinesis_get_records_event},
        };
    }();
    return k_entries;
}

const Entry* find_entry(std::string_view service, std::string_view event) {
    for (const Alias& alias : k_aliases) {
        if (alias.service == service && alias.event == event) {
            service = alias.target_service;
            event = alias.target_event;
        }
    }
    for (const Entry& entry : entries()) {
        if (entry.kind.service == service && entry.kind.event == event) {
            return &entry;
        }
    }
    return nullptr;
}

} // namespace

const std::vector<SampleEventOption>& sample_event_options() {
    static const std::vector<SampleEventOption> k_options = {
        {"method", "METHOD", "apigateway: the HTTP method (GET)"},
        {"path", "PATH", "apigateway: the request path, without the stage (/hello)"},
        {"query", "QUERY", "apigateway: the raw query string, 'a=1&b=2' (none)"},
        {"resource", "TEMPLATE",
         "apigateway: the resource or route path template, '/pets/{id}' (aws-proxy: /{proxy+}; "
         "http-api-proxy: none, the $default route)"},
        {"stage", "STAGE", "apigateway: the stage (aws-proxy: prod; http-api-proxy: $default)"},
        {"cookie", "COOKIES", "apigateway: a Cookie header, 'a=1; b=2' (none)"},
        {"body", "TEXT",
         "apigateway: the request body (none); sqs: the message body (Hello from SQS!)"},
        {"bucket", "NAME", "s3: the bucket (example-bucket)"},
        {"key", "KEY", "s3: the object key (test/key)"},
        {"size", "BYTES", "s3 put: the object size (1024)"},
        {"queue", "NAME", "sqs: the queue; a name ending in .fifo is a FIFO queue (my-queue)"},
        {"message", "TEXT", "sns: the message (Hello from SNS!)"},
        {"subject", "TEXT", "sns: the subject (none: null)"},
        {"topic", "NAME", "sns: the topic (my-topic)"},
        {"table", "NAME", "dynamodb: the table (ExampleTable)"},
        {"rule", "NAME", "cloudwatch: the rule (my-scheduled-rule)"},
        {"data", "TEXT",
         "kinesis: the record's data, base64-encoded in the event "
         "(Hello, this is a test.)"},
        {"partition-key", "KEY", "kinesis: the record's partition key (1)"},
        {"stream", "NAME", "kinesis: the stream (lambda-stream)"},
        {"region", "REGION", "every event: the AWS region (us-east-1)"},
        {"account", "ID", "every event: the AWS account id (123456789012)"},
    };
    return k_options;
}

const std::vector<SampleEventKind>& sample_event_kinds() {
    static const std::vector<SampleEventKind> k_kinds = [] {
        std::vector<SampleEventKind> kinds;
        for (const Entry& entry : entries()) {
            kinds.push_back(entry.kind);
        }
        return kinds;
    }();
    return k_kinds;
}

const SampleEventKind* find_sample_event(std::string_view service, std::string_view event) {
    const Entry* entry = find_entry(service, event);
    return entry == nullptr ? nullptr : &entry->kind;
}

nlohmann::ordered_json generate_sample_event(std::string_view service, std::string_view event,
                                             const SampleEventOptions& options,
                                             WallClock::time_point now) {
    const std::string name = std::string(service) + " " + std::string(event);
    const Entry* entry = find_entry(service, event);
    if (entry == nullptr) {
        throw Error("unknown event '" + name + "' (see --list)");
    }
    const auto& known = sample_event_options();
    for (const auto& [option, value] : options) {
        const bool exists =
            std::any_of(known.begin(), known.end(),
                        [&given = option](const auto& o) { return o.name == given; });
        if (!exists) {
            throw Error("unknown option --" + option);
        }
        const auto& reads = entry->kind.options;
        if (std::find(reads.begin(), reads.end(), option) == reads.end()) {
            throw Error("--" + option + " does not apply to '" + name + "'");
        }
        // JSON strings are UTF-8; --data is base64-encoded, so any bytes go.
        if (option != "data" && !is_valid_utf8(value)) {
            throw Error("--" + option + ": not valid UTF-8");
        }
    }
    return entry->build(EventInputs(options, now));
}

std::string format_sample_event_list() {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const SampleEventKind& kind : sample_event_kinds()) {
        lines.emplace_back(std::string(kind.service) + " " + std::string(kind.event),
                           std::string(kind.description));
    }
    for (const Alias& alias : k_aliases) {
        lines.emplace_back(std::string(alias.service) + " " + std::string(alias.event),
                           "the same as " + std::string(alias.target_service) + " " +
                               std::string(alias.target_event));
    }
    std::size_t width = 0;
    for (const auto& line : lines) {
        width = std::max(width, line.first.size());
    }
    std::string out;
    for (const auto& [name, description] : lines) {
        out += name + std::string(width - name.size() + 2, ' ') + description + "\n";
    }
    return out;
}

} // namespace lambda_local::runtime::events
