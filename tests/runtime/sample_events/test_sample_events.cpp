// Tests of the sample events: each event's documented keys and types, the options, fresh
// ids, the errors, the --list text, and the encodings the events carry.
#include "runtime/sample_events/sample_events.hpp"

#include "runtime/sample_events/encoding.hpp"
#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <regex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using lambda_local::Error;
using lambda_local::WallClock;
using nlohmann::ordered_json;
using namespace lambda_local::runtime::events;

namespace {

// 2024-01-01T00:00:00.123Z
const WallClock::time_point k_now{std::chrono::milliseconds(1704067200123)};

const char* const k_uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// A JSON type as the documented samples use them.
enum class Type { String, Integer, Float, Bool, Null, Object, Array };

bool has_type(const ordered_json& value, Type type) {
    switch (type) {
    case Type::String:
        return value.is_string();
    case Type::Integer:
        return value.is_number_integer();
    case Type::Float:
        return value.is_number_float();
    case Type::Bool:
        return value.is_boolean();
    case Type::Null:
        return value.is_null();
    case Type::Object:
        return value.is_object();
    case Type::Array:
        return value.is_array();
    }
    return false;
}

// CHECKs that every JSON pointer of `shape` is in `event` with its type.
void check_shape(const ordered_json& event,
                 const std::vector<std::pair<std::string, Type>>& shape) {
    for (const auto& [pointer, type] : shape) {
        INFO("key: " << pointer);
        const ordered_json::json_pointer at(pointer);
        REQUIRE(event.contains(at));
        CHECK_MESSAGE(has_type(event.at(at), type), "value: " << event.at(at).dump());
    }
}

// The keys of an object, in order.
std::vector<std::string> keys(const ordered_json& object) {
    std::vector<std::string> out;
    for (const auto& item : object.items()) {
        out.push_back(item.key());
    }
    return out;
}

bool matches(const ordered_json& value, const std::string& pattern) {
    return value.is_string() && std::regex_match(value.get<std::string>(), std::regex(pattern));
}

ordered_json generate(std::string_view service, std::string_view event,
                      const SampleEventOptions& options = {}) {
    return generate_sample_event(service, event, options, k_now);
}

// The one record of a `{"Records": [...]}` event.
ordered_json only_record(const ordered_json& event) {
    REQUIRE(event.contains("Records"));
    REQUIRE(event["Records"].is_array());
    REQUIRE(event["Records"].size() == 1);
    return event["Records"][0];
}

} // namespace

TEST_SUITE_BEGIN("runtime::events");

TEST_CASE("every listed event generates a JSON object") {
    for (const SampleEventKind& kind : sample_event_kinds()) {
        INFO(kind.service << " " << kind.event);
        const ordered_json event = generate(kind.service, kind.event);
        CHECK(event.is_object());
        CHECK_FALSE(event.empty());
        CHECK(find_sample_event(kind.service, kind.event) != nullptr);
    }
    CHECK(sample_event_kinds().size() == 9);
}

TEST_CASE("a REST API proxy event has the keys and types of payload format 1.0") {
    const ordered_json event = generate("apigateway", "aws-proxy");
    CHECK(keys(event) == std::vector<std::string>{"resource", "path", "httpMethod", "headers",
                                                  "multiValueHeaders", "queryStringParameters",
                                                  "multiValueQueryStringParameters",
                                                  "pathParameters", "stageVariables",
                                                  "requestContext", "body", "isBase64Encoded"});
    check_shape(event, {{"/resource", Type::String},
                        {"/path", Type::String},
                        {"/httpMethod", Type::String},
                        {"/headers", Type::Object},
                        {"/multiValueHeaders", Type::Object},
                        {"/queryStringParameters", Type::Null},
                        {"/multiValueQueryStringParameters", Type::Null},
                        {"/pathParameters", Type::Object},
                        {"/stageVariables", Type::Null},
                        {"/body", Type::Null},
                        {"/isBase64Encoded", Type::Bool},
                        {"/requestContext/accountId", Type::String},
                        {"/requestContext/apiId", Type::String},
                        {"/requestContext/domainName", Type::String},
                        {"/requestContext/domainPrefix", Type::String},
                        {"/requestContext/extendedRequestId", Type::String},
                        {"/requestContext/httpMethod", Type::String},
                        {"/requestContext/identity", Type::Object},
                        {"/requestContext/path", Type::String},
                        {"/requestContext/protocol", Type::String},
                        {"/requestContext/requestId", Type::String},
                        {"/requestContext/requestTime", Type::String},
                        {"/requestContext/requestTimeEpoch", Type::Integer},
                        {"/requestContext/resourceId", Type::String},
                        {"/requestContext/resourcePath", Type::String},
                        {"/requestContext/stage", Type::String}});
    const ordered_json& context = event["requestContext"];
    const ordered_json& identity = context["identity"];
    CHECK(keys(identity) ==
          std::vector<std::string>{"accessKey", "accountId", "caller",
                                   "cognitoAuthenticationProvider", "cognitoAuthenticationType",
                                   "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId",
                                   "sourceIp", "user", "userAgent", "userArn"});
    for (const auto& [name, value] : identity.items()) {
        INFO(name);
        CHECK((name == "sourceIp" || name == "userAgent") != value.is_null());
    }

    // The defaults: GET /hello on stage prod, under /{proxy+}.
    CHECK(event["httpMethod"] == "GET");
    CHECK(event["path"] == "/hello");
    CHECK(event["resource"] == "/{proxy+}");
    CHECK(event["pathParameters"] == ordered_json{{"proxy", "hello"}});
    CHECK(event["isBase64Encoded"] == false);
    CHECK(context["stage"] == "prod");
    CHECK(context["path"] == "/prod/hello");
    CHECK(context["resourcePath"] == event["resource"]);
    CHECK(context["httpMethod"] == "GET");
    CHECK(context["protocol"] == "HTTP/1.1");
    CHECK(context["accountId"] == "123456789012");
    CHECK(matches(context["apiId"], "[a-z0-9]{10}"));
    CHECK(context["domainName"] ==
          context["apiId"].get<std::string>() + ".execute-api.us-east-1.amazonaws.com");
    CHECK(context["domainPrefix"] == context["apiId"]);
    CHECK(matches(context["requestId"], k_uuid));
    CHECK(matches(context["extendedRequestId"], "[A-Za-z0-9-]{15}="));
    CHECK(matches(context["resourceId"], "[a-z0-9]{6}"));
    CHECK(context["requestTime"] == "01/Jan/2024:00:00:00 +0000");
    CHECK(context["requestTimeEpoch"] == 1704067200123);

    // Every header once in headers and as a one-element array in multiValueHeaders.
    CHECK(keys(event["headers"]) == keys(event["multiValueHeaders"]));
    for (const auto& [name, value] : event["headers"].items()) {
        INFO(name);
        CHECK(value.is_string());
        CHECK(event["multiValueHeaders"][name] == ordered_json::array({value}));
    }
    CHECK(event["headers"]["Host"] == context["domainName"]);
    CHECK(matches(event["headers"]["X-Amzn-Trace-Id"], "Root=1-65920080-[0-9a-f]{24}"));
}

TEST_CASE("a REST API proxy event applies the request options") {
    const ordered_json event = generate("apigateway", "aws-proxy",
                                        {{"method", "post"},
                                         {"path", "/pets/42"},
                                         {"resource", "/pets/{id}"},
                                         {"stage", "dev"},
                                         {"query", "?tag=a&tag=b&name=x%20y"},
                                         {"cookie", "a=1; b=2"},
                                         {"body", "{\"qty\":1}"},
                                         {"region", "eu-west-1"},
                                         {"account", "210987654321"}});
    CHECK(event["httpMethod"] == "POST");
    CHECK(event["requestContext"]["httpMethod"] == "POST");
    CHECK(event["path"] == "/pets/42");
    CHECK(event["requestContext"]["path"] == "/dev/pets/42");
    CHECK(event["resource"] == "/pets/{id}");
    CHECK(event["requestContext"]["resourcePath"] == "/pets/{id}");
    CHECK(event["pathParameters"] == ordered_json{{"id", "42"}});
    CHECK(event["requestContext"]["stage"] == "dev");
    // A repeated name: the last value, and all of them in the multi-value map; decoded.
    CHECK(event["queryStringParameters"] == ordered_json{{"tag", "b"}, {"name", "x y"}});
    CHECK(event["multiValueQueryStringParameters"] ==
          ordered_json{{"tag", {"a", "b"}}, {"name", {"x y"}}});
    CHECK(event["headers"]["Cookie"] == "a=1; b=2");
    CHECK(event["headers"]["Content-Type"] == "application/json");
    CHECK(event["body"] == "{\"qty\":1}");
    CHECK(event["isBase64Encoded"] == false);
    CHECK(event["requestContext"]["accountId"] == "210987654321");
    CHECK(matches(event["requestContext"]["domainName"],
                  "[a-z0-9]{10}\\.execute-api\\.eu-west-1\\.amazonaws\\.com"));
}

TEST_CASE("a REST API proxy event maps a greedy path variable without its leading slash") {
    SUBCASE("the default /{proxy+}") {
        const ordered_json event = generate("apigateway", "aws-proxy", {{"path", "/a/b/c"}});
        CHECK(event["pathParameters"] == ordered_json{{"proxy", "a/b/c"}});
    }
    SUBCASE("a named greedy variable under a prefix") {
        const ordered_json event =
            generate("apigateway", "aws-proxy",
                     {{"path", "/store/items/42"}, {"resource", "/store/{path+}"}});
        CHECK(event["pathParameters"] == ordered_json{{"path", "items/42"}});
    }
    SUBCASE("the root path has the root resource and null path parameters") {
        const ordered_json event = generate("apigateway", "aws-proxy", {{"path", "/"}});
        CHECK(event["resource"] == "/");
        CHECK(event["pathParameters"].is_null());
        CHECK(event["requestContext"]["path"] == "/prod/");
    }
    SUBCASE("a literal resource has null path parameters") {
        const ordered_json event =
            generate("apigateway", "aws-proxy", {{"path", "/hello"}, {"resource", "/hello"}});
        CHECK(event["pathParameters"].is_null());
    }
}

TEST_CASE("an HTTP API event has the keys and types of payload format 2.0") {
    const ordered_json event = generate("apigateway", "http-api-proxy");
    // No cookies, query, path parameters or body: those keys are left out, not null.
    CHECK(keys(event) == std::vector<std::string>{"version", "routeKey", "rawPath",
                                                  "rawQueryString", "headers", "requestContext",
                                                  "isBase64Encoded"});
    check_shape(event, {{"/version", Type::String},
                        {"/routeKey", Type::String},
                        {"/rawPath", Type::String},
                        {"/rawQueryString", Type::String},
                        {"/headers", Type::Object},
                        {"/isBase64Encoded", Type::Bool},
                        {"/requestContext/accountId", Type::String},
                        {"/requestContext/apiId", Type::String},
                        {"/requestContext/domainName", Type::String},
                        {"/requestContext/domainPrefix", Type::String},
                        {"/requestContext/http/method", Type::String},
                        {"/requestContext/http/path", Type::String},
                        {"/requestContext/http/protocol", Type::String},
                        {"/requestContext/http/sourceIp", Type::String},
                        {"/requestContext/http/userAgent", Type::String},
                        {"/requestContext/requestId", Type::String},
                        {"/requestContext/routeKey", Type::String},
                        {"/requestContext/stage", Type::String},
                        {"/requestContext/time", Type::String},
                        {"/requestContext/timeEpoch", Type::Integer}});
    CHECK(keys(event["requestContext"]) ==
          std::vector<std::string>{"accountId", "apiId", "domainName", "domainPrefix", "http",
                                   "requestId", "routeKey", "stage", "time", "timeEpoch"});
    CHECK(event["version"] == "2.0");
    CHECK(event["routeKey"] == "$default");
    CHECK(event["requestContext"]["routeKey"] == "$default");
    CHECK(event["requestContext"]["stage"] == "$default");
    CHECK(event["rawPath"] == "/hello");
    CHECK(event["rawQueryString"] == "");
    CHECK(event["requestContext"]["http"]["method"] == "GET");
    CHECK(event["requestContext"]["time"] == "01/Jan/2024:00:00:00 +0000");
    CHECK(event["requestContext"]["timeEpoch"] == 1704067200123);
    CHECK(matches(event["requestContext"]["requestId"], "[A-Za-z0-9-]{15}="));
    for (const auto& [name, value] : event["headers"].items()) {
        INFO(name);
        CHECK(value.is_string());
        CHECK(std::regex_match(name, std::regex("[a-z0-9-]+")));
    }
    CHECK(event["headers"]["content-length"] == "0");
}

TEST_CASE("an HTTP API event applies the request options") {
    const ordered_json event = generate("apigateway", "http-api-proxy",
                                        {{"method", "PUT"},
                                         {"path", "/pets/42"},
                                         {"resource", "/pets/{id}"},
                                         {"stage", "dev"},
                                         {"query", "tag=a&tag=b&name=x%20y"},
                                         {"cookie", "a=1; b=2"},
                                         {"body", "hello"}});
    CHECK(event["routeKey"] == "PUT /pets/{id}");
    CHECK(event["requestContext"]["routeKey"] == "PUT /pets/{id}");
    // A named stage's prefix is part of the raw path.
    CHECK(event["rawPath"] == "/dev/pets/42");
    CHECK(event["requestContext"]["http"]["path"] == "/dev/pets/42");
    CHECK(event["requestContext"]["stage"] == "dev");
    CHECK(event["rawQueryString"] == "tag=a&tag=b&name=x%20y");
    CHECK(event["queryStringParameters"] == ordered_json{{"tag", "a,b"}, {"name", "x y"}});
    CHECK(event["cookies"] == ordered_json::array({"a=1", "b=2"}));
    CHECK_FALSE(event["headers"].contains("cookie"));
    CHECK(event["pathParameters"] == ordered_json{{"id", "42"}});
    CHECK(event["body"] == "hello");
    CHECK(event["headers"]["content-type"] == "text/plain");
    CHECK(event["headers"]["content-length"] == "5");
    CHECK(event["isBase64Encoded"] == false);
}

TEST_CASE("an S3 put event has the documented record and applies its options") {
    const ordered_json record = only_record(generate("s3", "put",
                                                     {{"bucket", "photos"},
                                                      {"key", "2024/my file.jpg"},
                                                      {"size", "5"},
                                                      {"region", "eu-west-1"}}));
    CHECK(keys(record) == std::vector<std::string>{"eventVersion", "eventSource", "awsRegion",
                                                   "eventTime", "eventName", "userIdentity",
                                                   "requestParameters", "responseElements", "s3"});
    check_shape(record, {{"/eventVersion", Type::String},
                         {"/userIdentity/principalId", Type::String},
                         {"/requestParameters/sourceIPAddress", Type::String},
                         {"/responseElements/x-amz-request-id", Type::String},
                         {"/responseElements/x-amz-id-2", Type::String},
                         {"/s3/s3SchemaVersion", Type::String},
                         {"/s3/configurationId", Type::String},
                         {"/s3/bucket/name", Type::String},
                         {"/s3/bucket/ownerIdentity/principalId", Type::String},
                         {"/s3/bucket/arn", Type::String},
                         {"/s3/object/key", Type::String},
                         {"/s3/object/size", Type::Integer},
                         {"/s3/object/eTag", Type::String},
                         {"/s3/object/sequencer", Type::String}});
    CHECK(record["eventSource"] == "aws:s3");
    CHECK(record["eventName"] == "ObjectCreated:Put");
    CHECK(record["awsRegion"] == "eu-west-1");
    CHECK(record["eventTime"] == "2024-01-01T00:00:00.123Z");
    CHECK(record["s3"]["bucket"]["name"] == "photos");
    CHECK(record["s3"]["bucket"]["arn"] == "arn:aws:s3:::photos");
    // Keys are form-encoded in notifications, '/' kept.
    CHECK(record["s3"]["object"]["key"] == "2024/my+file.jpg");
    CHECK(record["s3"]["object"]["size"] == 5);
    CHECK(matches(record["s3"]["object"]["eTag"], "[0-9a-f]{32}"));
    CHECK(matches(record["s3"]["object"]["sequencer"], "[0-9A-F]{18}"));
    CHECK(matches(record["responseElements"]["x-amz-request-id"], "[0-9A-F]{16}"));
}

TEST_CASE("an S3 delete event's object has a key and a sequencer only") {
    const ordered_json record = only_record(generate("s3", "delete"));
    CHECK(record["eventName"] == "ObjectRemoved:Delete");
    CHECK(record["s3"]["bucket"]["name"] == "example-bucket");
    CHECK(keys(record["s3"]["object"]) == std::vector<std::string>{"key", "sequencer"});
    CHECK(record["s3"]["object"]["key"] == "test/key");
}

TEST_CASE("an SQS event has the documented record and applies its options") {
    const ordered_json record = only_record(generate("sqs", "receive-message",
                                                     {{"body", "{\"n\":1}"},
                                                      {"queue", "jobs"},
                                                      {"region", "us-west-2"},
                                                      {"account", "111122223333"}}));
    CHECK(keys(record) == std::vector<std::string>{"messageId", "receiptHandle", "body",
                                                   "attributes", "messageAttributes", "md5OfBody",
                                                   "eventSource", "eventSourceARN", "awsRegion"});
    check_shape(record, {{"/messageId", Type::String},
                         {"/receiptHandle", Type::String},
                         {"/body", Type::String},
                         {"/attributes/ApproximateReceiveCount", Type::String},
                         {"/attributes/SentTimestamp", Type::String},
                         {"/attributes/SenderId", Type::String},
                         {"/attributes/ApproximateFirstReceiveTimestamp", Type::String},
                         {"/messageAttributes", Type::Object},
                         {"/md5OfBody", Type::String}});
    CHECK(matches(record["messageId"], k_uuid));
    CHECK(record["body"] == "{\"n\":1}");
    CHECK(record["md5OfBody"] == md5_hex("{\"n\":1}"));
    // Epoch milliseconds as strings.
    CHECK(record["attributes"]["SentTimestamp"] == "1704067200123");
    const long long first =
        std::stoll(record["attributes"]["ApproximateFirstReceiveTimestamp"].get<std::string>());
    CHECK(first > 1704067200123);
    CHECK(record["eventSource"] == "aws:sqs");
    CHECK(record["eventSourceARN"] == "arn:aws:sqs:us-west-2:111122223333:jobs");
    CHECK(record["awsRegion"] == "us-west-2");
    CHECK_FALSE(record["attributes"].contains("MessageGroupId"));
}

TEST_CASE("an SQS event from a FIFO queue has the FIFO attributes") {
    const ordered_json record =
        only_record(generate("sqs", "receive-message", {{"queue", "jobs.fifo"}}));
    check_shape(record, {{"/attributes/SequenceNumber", Type::String},
                         {"/attributes/MessageGroupId", Type::String},
                         {"/attributes/MessageDeduplicationId", Type::String}});
    CHECK(matches(record["attributes"]["SequenceNumber"], "[0-9]{20}"));
}

TEST_CASE("an SNS event has the documented record and applies its options") {
    SUBCASE("without a subject, Subject is null") {
        const ordered_json record = only_record(generate("sns", "notification"));
        CHECK(keys(record) == std::vector<std::string>{"EventVersion", "EventSubscriptionArn",
                                                       "EventSource", "Sns"});
        CHECK(keys(record["Sns"]) ==
              std::vector<std::string>{
                  "SignatureVersion", "Timestamp", "Signature", "SigningCertUrl", "MessageId",
                  "Message", "MessageAttributes", "Type", "UnsubscribeUrl", "TopicArn", "Subject"});
        check_shape(record, {{"/EventVersion", Type::String},
                             {"/EventSubscriptionArn", Type::String},
                             {"/EventSource", Type::String},
                             {"/Sns/SignatureVersion", Type::String},
                             {"/Sns/Timestamp", Type::String},
                             {"/Sns/Signature", Type::String},
                             {"/Sns/SigningCertUrl", Type::String},
                             {"/Sns/MessageId", Type::String},
                             {"/Sns/Message", Type::String},
                             {"/Sns/MessageAttributes", Type::Object},
                             {"/Sns/Type", Type::String},
                             {"/Sns/UnsubscribeUrl", Type::String},
                             {"/Sns/TopicArn", Type::String},
                             {"/Sns/Subject", Type::Null}});
        CHECK(record["EventSource"] == "aws:sns");
        CHECK(record["Sns"]["Type"] == "Notification");
        CHECK(record["Sns"]["Message"] == "Hello from SNS!");
        CHECK(record["Sns"]["Timestamp"] == "2024-01-01T00:00:00.123Z");
        CHECK(matches(record["Sns"]["MessageId"], k_uuid));
    }
    SUBCASE("the options set the message, the subject and the topic") {
        const ordered_json record = only_record(
            generate("sns", "notification",
                     {{"message", "hi"}, {"subject", "Greetings"}, {"topic", "alerts"}}));
        CHECK(record["Sns"]["Message"] == "hi");
        CHECK(record["Sns"]["Subject"] == "Greetings");
        CHECK(record["Sns"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:alerts");
        CHECK(matches(record["EventSubscriptionArn"],
                      std::string("arn:aws:sns:us-east-1:123456789012:alerts:") + k_uuid));
        CHECK(record["Sns"]["UnsubscribeUrl"] ==
              "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" +
                  record["EventSubscriptionArn"].get<std::string>());
    }
}

TEST_CASE("a DynamoDB update event has an item inserted, modified and removed") {
    const ordered_json event =
        generate("dynamodb", "update", {{"table", "Orders"}, {"region", "ap-south-1"}});
    REQUIRE(event["Records"].size() == 3);
    const char* const names[] = {"INSERT", "MODIFY", "REMOVE"};
    const int sizes[] = {26, 59, 38};
    std::string previous_sequence;
    for (std::size_t i = 0; i < 3; ++i) {
        const ordered_json& record = event["Records"][i];
        INFO("record " << i);
        CHECK(keys(record) == std::vector<std::string>{"eventID", "eventName", "eventVersion",
                                                       "eventSource", "awsRegion", "dynamodb",
                                                       "eventSourceARN"});
        check_shape(record, {{"/dynamodb/ApproximateCreationDateTime", Type::Integer},
                             {"/dynamodb/Keys/Id/N", Type::String},
                             {"/dynamodb/SequenceNumber", Type::String},
                             {"/dynamodb/SizeBytes", Type::Integer},
                             {"/dynamodb/StreamViewType", Type::String}});
        CHECK(record["eventName"] == names[i]);
        CHECK(record["eventSource"] == "aws:dynamodb");
        CHECK(record["eventVersion"] == "1.1");
        CHECK(record["awsRegion"] == "ap-south-1");
        CHECK(matches(record["eventID"], "[0-9a-f]{32}"));
        CHECK(record["dynamodb"]["ApproximateCreationDateTime"] == 1704067200);
        CHECK(record["dynamodb"]["SizeBytes"] == sizes[i]);
        CHECK(record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES");
        CHECK(record["dynamodb"].contains("NewImage") == (i != 2));
        CHECK(record["dynamodb"].contains("OldImage") == (i != 0));
        const std::string sequence = record["dynamodb"]["SequenceNumber"];
        CHECK(std::regex_match(sequence, std::regex("[1-9][0-9]{20,39}")));
        CHECK(sequence > previous_sequence);
        previous_sequence = sequence;
        CHECK(record["eventSourceARN"] == "arn:aws:dynamodb:ap-south-1:123456789012:table/Orders/"
                                          "stream/2024-01-01T00:00:00.123");
    }
}

TEST_CASE("a scheduled event has the EventBridge envelope, its time to the second") {
    const ordered_json event = generate("cloudwatch", "scheduled-event", {{"rule", "nightly"}});
    CHECK(keys(event) == std::vector<std::string>{"version", "id", "detail-type", "source",
                                                  "account", "time", "region", "resources",
                                                  "detail"});
    check_shape(event, {{"/version", Type::String},
                        {"/id", Type::String},
                        {"/detail-type", Type::String},
                        {"/source", Type::String},
                        {"/account", Type::String},
                        {"/time", Type::String},
                        {"/region", Type::String},
                        {"/resources", Type::Array},
                        {"/detail", Type::Object}});
    CHECK(event["version"] == "0");
    CHECK(matches(event["id"], k_uuid));
    CHECK(event["detail-type"] == "Scheduled Event");
    CHECK(event["source"] == "aws.events");
    CHECK(event["time"] == "2024-01-01T00:00:00Z");
    CHECK(event["resources"] ==
          ordered_json::array({"arn:aws:events:us-east-1:123456789012:rule/nightly"}));
    CHECK(event["detail"].empty());
}

TEST_CASE("eventbridge scheduled-event is another name for cloudwatch scheduled-event") {
    const ordered_json event = generate("eventbridge", "scheduled-event");
    CHECK(event["detail-type"] == "Scheduled Event");
    CHECK(keys(event) == keys(generate("cloudwatch", "scheduled-event")));
}

TEST_CASE("a Kinesis event has the documented record with base64 data") {
    const ordered_json record =
        only_record(generate("kinesis", "get-records",
                             {{"data", "hello"}, {"partition-key", "pk-7"}, {"stream", "clicks"}}));
    CHECK(keys(record) == std::vector<std::string>{"kinesis", "eventSource", "eventVersion",
                                                   "eventID", "eventName", "invokeIdentityArn",
                                                   "awsRegion", "eventSourceARN"});
    CHECK(keys(record["kinesis"]) ==
          std::vector<std::string>{"kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data",
                                   "approximateArrivalTimestamp"});
    check_shape(record, {{"/kinesis/kinesisSchemaVersion", Type::String},
                         {"/kinesis/partitionKey", Type::String},
                         {"/kinesis/sequenceNumber", Type::String},
                         {"/kinesis/data", Type::String},
                         {"/kinesis/approximateArrivalTimestamp", Type::Float},
                         {"/invokeIdentityArn", Type::String}});
    CHECK(record["kinesis"]["data"] == "aGVsbG8=");
    CHECK(record["kinesis"]["partitionKey"] == "pk-7");
    CHECK(record["kinesis"]["approximateArrivalTimestamp"].get<double>() ==
          doctest::Approx(1704067200.123).epsilon(1e-12));
    const std::string sequence = record["kinesis"]["sequenceNumber"];
    CHECK(std::regex_match(sequence, std::regex("[0-9]{56}")));
    CHECK(record["eventID"] == "shardId-000000000000:" + sequence);
    CHECK(record["eventName"] == "aws:kinesis:record");
    CHECK(record["eventSource"] == "aws:kinesis");
    CHECK(record["eventSourceARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/clicks");
}

TEST_CASE("two generations of an event differ in their ids") {
    const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> ids = {
        {"apigateway",
         "aws-proxy",
         {"/requestContext/requestId", "/requestContext/extendedRequestId",
          "/headers/X-Amzn-Trace-Id"}},
        {"apigateway", "http-api-proxy", {"/requestContext/requestId", "/headers/x-amzn-trace-id"}},
        {"s3",
         "put",
         {"/Records/0/responseElements/x-amz-request-id", "/Records/0/s3/object/eTag",
          "/Records/0/s3/object/sequencer"}},
        {"s3", "delete", {"/Records/0/responseElements/x-amz-request-id"}},
        {"sqs", "receive-message", {"/Records/0/messageId", "/Records/0/receiptHandle"}},
        {"sns", "notification", {"/Records/0/Sns/MessageId", "/Records/0/EventSubscriptionArn"}},
        {"dynamodb", "update", {"/Records/0/eventID", "/Records/0/dynamodb/SequenceNumber"}},
        {"cloudwatch", "scheduled-event", {"/id"}},
        {"kinesis", "get-records", {"/Records/0/kinesis/sequenceNumber"}},
    };
    CHECK(ids.size() == sample_event_kinds().size());
    for (const auto& [service, event, pointers] : ids) {
        const ordered_json first = generate(service, event);
        const ordered_json second = generate(service, event);
        for (const std::string& pointer : pointers) {
            INFO(service << " " << event << " " << pointer);
            const ordered_json::json_pointer at(pointer);
            REQUIRE(first.contains(at));
            CHECK(first.at(at) != second.at(at));
        }
    }
}

TEST_CASE("the events use the region's partition in ARNs and host names") {
    const ordered_json s3 = only_record(generate("s3", "put", {{"region", "cn-north-1"}}));
    CHECK(s3["s3"]["bucket"]["arn"] == "arn:aws-cn:s3:::example-bucket");
    const ordered_json sns =
        only_record(generate("sns", "notification", {{"region", "cn-north-1"}}));
    CHECK(sns["Sns"]["TopicArn"] == "arn:aws-cn:sns:cn-north-1:123456789012:my-topic");
    CHECK(sns["Sns"]["SigningCertUrl"].get<std::string>().rfind(
              "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-", 0) == 0);
    const ordered_json sqs =
        only_record(generate("sqs", "receive-message", {{"region", "us-gov-west-1"}}));
    CHECK(sqs["eventSourceARN"] == "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:my-queue");
}

TEST_CASE("an unknown event is an error that points to --list") {
    CHECK_THROWS_WITH_AS(generate("s3", "nope"), "unknown event 's3 nope' (see --list)", Error);
    CHECK_THROWS_WITH_AS(generate("nope", "put"), "unknown event 'nope put' (see --list)", Error);
    CHECK(find_sample_event("s3", "nope") == nullptr);
}

TEST_CASE("an option that the event does not read is an error") {
    CHECK_THROWS_WITH_AS(generate("s3", "put", {{"method", "GET"}}),
                         "--method does not apply to 's3 put'", Error);
    CHECK_THROWS_WITH_AS(generate("s3", "delete", {{"size", "1"}}),
                         "--size does not apply to 's3 delete'", Error);
    CHECK_THROWS_WITH_AS(generate("sqs", "receive-message", {{"colour", "red"}}),
                         "unknown option --colour", Error);
}

TEST_CASE("a malformed option value is an error naming the option") {
    CHECK_THROWS_WITH_AS(generate("apigateway", "aws-proxy", {{"method", "ANY"}}),
                         "--method: expected an HTTP method such as GET or POST, not 'ANY'", Error);
    CHECK_THROWS_WITH_AS(generate("apigateway", "aws-proxy", {{"path", "hello"}}),
                         "--path: expected a path starting with '/', not 'hello'", Error);
    CHECK_THROWS_WITH_AS(generate("apigateway", "aws-proxy", {{"path", "/a?b=1"}}),
                         "--path: give the query string with --query, not in the path: '/a?b=1'",
                         Error);
    CHECK_THROWS_WITH_AS(generate("apigateway", "aws-proxy", {{"resource", "/pets/{id}"}}),
                         "--resource '/pets/{id}' does not match --path '/hello'", Error);
    CHECK_THROWS_WITH_AS(generate("apigateway", "http-api-proxy", {{"stage", "a b"}}),
                         "--stage: expected letters, digits, '-' or '_' (or $default), not 'a b'",
                         Error);
    CHECK_THROWS_WITH_AS(generate("s3", "put", {{"size", "-1"}}),
                         "--size: expected a size in bytes, not '-1'", Error);
    CHECK_THROWS_WITH_AS(generate("s3", "put", {{"bucket", "No_Such"}}),
                         "--bucket: expected 3 to 63 lowercase letters, digits, '.' or '-', not "
                         "'No_Such'",
                         Error);
    CHECK_THROWS_WITH_AS(generate("kinesis", "get-records", {{"region", "mars"}}),
                         "--region: expected a region such as us-east-1, not 'mars'", Error);
    CHECK_THROWS_WITH_AS(generate("cloudwatch", "scheduled-event", {{"account", "42"}}),
                         "--account: expected 12 digits, not '42'", Error);
    CHECK_THROWS_WITH_AS(generate("sqs", "receive-message", {{"queue", "a/b"}}),
                         "--queue: expected a name of letters, digits, '-', '_' or '.', not 'a/b'",
                         Error);
    CHECK_THROWS_WITH_AS(generate("sqs", "receive-message", {{"body", "\xff"}}),
                         "--body: not valid UTF-8", Error);
}

TEST_CASE("the list has one line per event and alias: the name, two spaces, a description") {
    const std::string list = format_sample_event_list();
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < list.size();) {
        const std::size_t end = list.find('\n', start);
        REQUIRE(end != std::string::npos);
        lines.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    REQUIRE(lines.size() == sample_event_kinds().size() + 1);
    for (std::size_t i = 0; i < sample_event_kinds().size(); ++i) {
        const SampleEventKind& kind = sample_event_kinds()[i];
        const std::string name = std::string(kind.service) + " " + std::string(kind.event);
        INFO(lines[i]);
        CHECK(lines[i].rfind(name + "  ", 0) == 0);
        CHECK(lines[i].size() > lines[i].find_last_of(' ') + 1);
        CHECK(lines[i].find(std::string(kind.description)) != std::string::npos);
    }
    CHECK(lines.back().rfind("eventbridge scheduled-event  ", 0) == 0);
}

TEST_CASE("md5 gives the RFC 1321 test digests") {
    CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(md5_hex(
              "12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
          "57edf4a22be3c955ac49da2e2107b67a");
    CHECK(md5_hex("test") == "098f6bcd4621d373cade4e832627b4f6");
}

TEST_CASE("an S3 event key is form-encoded with slashes kept") {
    CHECK(s3_event_key("test/key") == "test/key");
    CHECK(s3_event_key("my file (1).jpg") == "my+file+%281%29.jpg");
    CHECK(s3_event_key("a=b&c") == "a%3Db%26c");
    CHECK(s3_event_key("\xc3\xa9") == "%C3%A9");
}

TEST_CASE("UTF-8 validation rejects malformed and overlong sequences") {
    CHECK(is_valid_utf8("plain"));
    CHECK(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    CHECK_FALSE(is_valid_utf8("\xff"));
    CHECK_FALSE(is_valid_utf8("\xc3"));
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));
}

TEST_SUITE_END();
