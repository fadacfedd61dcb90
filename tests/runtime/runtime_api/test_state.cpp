// Tests of the Runtime API's state machine, driven directly (no sockets).
#include "runtime/runtime_api/state.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

using namespace lambda_local::runtime::runtime_api;
using nlohmann::json;

// This file's own namespace: other tests in its unity batch (docs/development.md) define
// helpers of the same names.
namespace state_tests {

namespace {

Invocation sample_invocation(std::string id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd") {
    Invocation invocation;
    invocation.request_id = std::move(id);
    invocation.event = R"({"key":"value"})";
    invocation.deadline_ms = 1700000003000;
    invocation.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:echo";
    invocation.trace_id =
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
    return invocation;
}

// The value of a reply's header, or "" when it has none.
std::string header(const Reply& reply, const std::string& name) {
    for (const auto& [key, value] : reply.headers) {
        if (key == name) {
            return value;
        }
    }
    return "";
}

bool has_header(const Reply& reply, const std::string& name) {
    for (const auto& [key, value] : reply.headers) {
        if (key == name) {
            return true;
        }
    }
    return false;
}

// A /next call, held until the state answers it.
class PendingNext {
  public:
    explicit PendingNext(State& state) {
        state.next([reply = m_reply](Reply answer) { *reply = std::move(answer); });
    }
    bool answered() const { return m_reply->has_value(); }
    Reply get() const {
        REQUIRE(m_reply->has_value());
        return **m_reply;
    }

  private:
    std::shared_ptr<std::optional<Reply>> m_reply = std::make_shared<std::optional<Reply>>();
};

// Calls /next and hands an invocation to it.
Reply next_with(State& state, Invocation invocation) {
    PendingNext waiting(state);
    state.invoke(std::move(invocation));
    return waiting.get();
}

// A state past init, with `invocation` in flight.
void start_invocation(State& state, Invocation invocation = sample_invocation()) {
    Reply reply = next_with(state, std::move(invocation));
    REQUIRE(reply.status == 200);
    state.take_notices();
}

} // namespace

TEST_SUITE_BEGIN("runtime::runtime_api::State");

TEST_CASE("the first /next ends init and waits for an invocation") {
    int notified = 0;
    State state([&notified] { ++notified; });
    PendingNext waiting(state);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Ready);
    CHECK(notified == 1);
    CHECK_FALSE(waiting.answered());
    state.invoke(sample_invocation());
    REQUIRE(waiting.answered());
    CHECK(waiting.get().status == 200);
}

TEST_CASE("/next carries the event and every header Lambda sets") {
    State state;
    SUBCASE("without a client context or identity") {
        Reply reply = next_with(state, sample_invocation());
        CHECK(reply.status == 200);
        CHECK(reply.body == R"({"key":"value"})");
        CHECK(header(reply, "Lambda-Runtime-Aws-Request-Id") ==
              "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
        CHECK(header(reply, "Lambda-Runtime-Deadline-Ms") == "1700000003000");
        CHECK(header(reply, "Lambda-Runtime-Invoked-Function-Arn") ==
              "arn:aws:lambda:us-east-1:123456789012:function:echo");
        CHECK(header(reply, "Lambda-Runtime-Trace-Id") ==
              "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
        CHECK(header(reply, "Content-Type") == "application/json");
        CHECK_FALSE(has_header(reply, "Lambda-Runtime-Client-Context"));
        CHECK_FALSE(has_header(reply, "Lambda-Runtime-Cognito-Identity"));
    }
    SUBCASE("with a client context and an identity") {
        Invocation invocation = sample_invocation();
        invocation.client_context = R"({"custom":{"a":"b"}})";
        invocation.cognito_identity = R"({"cognitoIdentityId":"x"})";
        Reply reply = next_with(state, invocation);
        CHECK(header(reply, "Lambda-Runtime-Client-Context") == R"({"custom":{"a":"b"}})");
        CHECK(header(reply, "Lambda-Runtime-Cognito-Identity") == R"({"cognitoIdentityId":"x"})");
    }
}

TEST_CASE("a response for the invocation in flight is accepted and noticed") {
    int notified = 0;
    State state([&notified] { ++notified; });
    start_invocation(state);
    int before = notified;
    Reply reply = state.response("8476a536-e9f4-11e8-9739-2dfe598c3fcd", {"\"hello\"", false});
    CHECK(reply.status == 202);
    CHECK(reply.body == R"({"status":"OK"})");
    CHECK(notified == before + 1);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Response);
    CHECK(notices[0].request_id == "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    CHECK(notices[0].body == "\"hello\"");
    CHECK_FALSE(state.has_notices());
}

TEST_CASE("an error for the invocation in flight carries its type and body") {
    State state;
    start_invocation(state);
    std::string body = R"({"errorMessage":"boom","errorType":"MyError","stackTrace":[]})";
    Reply reply = state.error("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "Unhandled", {body, false});
    CHECK(reply.status == 202);
    CHECK(reply.body == R"({"status":"OK"})");
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Error);
    CHECK(notices[0].error_type == "Unhandled");
    CHECK(notices[0].body == body);
}

TEST_CASE("a second answer is 403 InvalidStateTransition and the first one stands") {
    State state;
    start_invocation(state);
    const std::string id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    REQUIRE(state.response(id, {"1", false}).status == 202);
    SUBCASE("a second response") {
        Reply again = state.response(id, {"2", false});
        CHECK(again.status == 403);
        CHECK(json::parse(again.body) ==
              json{{"errorType", "InvalidStateTransition"},
                   {"errorMessage", "State transition from RuntimeResponseSentState to "
                                    "InvocationResponse failed for runtime. Error: State "
                                    "transition is not allowed"}});
    }
    SUBCASE("an error after the response") {
        Reply again = state.error(id, "X", {"{}", false});
        CHECK(again.status == 403);
        CHECK(json::parse(again.body)["errorMessage"] ==
              "State transition from RuntimeResponseSentState to InvocationErrorResponse "
              "failed for runtime. Error: State transition is not allowed");
    }
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::Response);
    CHECK(notices[0].body == "1");
}

TEST_CASE("an answer before the first /next is 403 InvalidStateTransition") {
    State state;
    Reply reply = state.response("8476a536-e9f4-11e8-9739-2dfe598c3fcd", {"1", false});
    CHECK(reply.status == 403);
    CHECK(json::parse(reply.body)["errorMessage"] ==
          "State transition from Started to InvocationResponse failed for runtime. Error: "
          "State transition is not allowed");
    CHECK_FALSE(state.has_notices());
}

TEST_CASE("an answer for another request id is 400 InvalidRequestID and changes nothing") {
    State state;
    start_invocation(state);
    Reply reply = state.response("not-the-id", {"1", false});
    CHECK(reply.status == 400);
    CHECK(reply.body == R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
    CHECK(state.error("not-the-id", "X", {"{}", false}).status == 400);
    CHECK_FALSE(state.has_notices());
    // The invocation in flight can still be answered.
    CHECK(state.response("8476a536-e9f4-11e8-9739-2dfe598c3fcd", {"2", false}).status == 202);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].body == "2");
}

TEST_CASE("an oversized answer is 413 and ends the invocation as ResponseTooLarge") {
    State state;
    start_invocation(state);
    const std::string id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    Reply reply = state.response(id, {"", true});
    CHECK(reply.status == 413);
    CHECK(reply.body ==
          R"({"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",)"
          R"("errorType":"RequestEntityTooLarge"})");
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::ResponseTooLarge);
    CHECK(notices[0].request_id == id);
    CHECK(state.response(id, {"1", false}).status == 403);
}

TEST_CASE("/init/error during init is accepted, later, or twice, it is 403") {
    State state;
    SUBCASE("during init") {
        Reply reply = state.init_error("Runtime.Custom", {R"({"errorMessage":"no"})", false});
        CHECK(reply.status == 202);
        CHECK(reply.body == R"({"status":"OK"})");
        auto notices = state.take_notices();
        REQUIRE(notices.size() == 1);
        CHECK(notices[0].kind == Notice::Kind::InitError);
        CHECK(notices[0].error_type == "Runtime.Custom");
        CHECK(notices[0].body == R"({"errorMessage":"no"})");
        CHECK(state.init_error("Runtime.Custom", {"{}", false}).status == 403);
        Reply next = PendingNext(state).get();
        CHECK(next.status == 403);
        CHECK(json::parse(next.body)["errorMessage"] ==
              "State transition from InitError to Ready failed for runtime. Error: State "
              "transition is not allowed");
    }
    SUBCASE("after init") {
        start_invocation(state);
        Reply reply = state.init_error("Runtime.Custom", {"{}", false});
        CHECK(reply.status == 403);
        CHECK(json::parse(reply.body)["errorType"] == "InvalidStateTransition");
        CHECK_FALSE(state.has_notices());
    }
}

TEST_CASE("after an answer the next /next says the runtime is done and waits for an invocation") {
    State state;
    start_invocation(state, sample_invocation("first"));
    CHECK_FALSE(state.waiting());
    REQUIRE(state.response("first", {"1", false}).status == 202);
    CHECK_FALSE(state.waiting());
    PendingNext waiting(state);
    CHECK(state.waiting());
    state.invoke(sample_invocation("second"));
    CHECK_FALSE(state.waiting());
    REQUIRE(waiting.answered());
    CHECK(header(waiting.get(), "Lambda-Runtime-Aws-Request-Id") == "second");
    CHECK(state.response("first", {"1", false}).status == 400);
    CHECK(state.response("second", {"2", false}).status == 202);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 3);
    CHECK(notices[0].kind == Notice::Kind::Response);
    CHECK(notices[0].request_id == "first");
    // Only the first /next of the environment is the end of init; later ones are Next.
    CHECK(notices[1].kind == Notice::Kind::Next);
    CHECK(notices[2].kind == Notice::Kind::Response);
    CHECK(notices[2].request_id == "second");
}

TEST_CASE("closing the API ends a waiting /next with 500") {
    State state;
    PendingNext waiting(state);
    state.close();
    REQUIRE(waiting.answered());
    Reply reply = waiting.get();
    CHECK(reply.status == 500);
    CHECK(json::parse(reply.body)["errorType"] == "InternalServerError");
    CHECK(PendingNext(state).get().status == 500);
}

TEST_CASE("a posted error's type comes from its body, else its header, else the fallback") {
    CHECK(posted_error_type("Unhandled", R"({"errorType":"MyError","errorMessage":"m"})", "F") ==
          "MyError");
    CHECK(posted_error_type("HeaderType", R"({"errorMessage":"m"})", "F") == "HeaderType");
    CHECK(posted_error_type("HeaderType", R"({"errorType":""})", "F") == "HeaderType");
    CHECK(posted_error_type("HeaderType", "not json", "F") == "HeaderType");
    CHECK(posted_error_type("", R"(["errorType"])", "Unhandled") == "Unhandled");
    CHECK(posted_error_type("", "", "Runtime.InitError") == "Runtime.InitError");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("runtime::runtime_api::State streamed responses");

TEST_CASE("a streamed response: started with its content type, bytes to the receiver, ended") {
    int notified = 0;
    State state([&notified] { ++notified; });
    std::string began;
    std::string bytes;
    bool full = false;
    state.receive_streams({[&](std::string_view id, std::string_view type) {
                               began = std::string(id) + "|" + std::string(type);
                           },
                           [&](std::string_view piece) {
                               bytes.append(piece);
                               return !full;
                           }});
    start_invocation(state);
    int resumed = 0;
    auto refused = state.begin_stream("8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                                      "application/vnd.awslambda.http-integration-response",
                                      [&resumed] { ++resumed; });
    CHECK_FALSE(refused.has_value());
    CHECK(state.streaming());
    CHECK(began == "8476a536-e9f4-11e8-9739-2dfe598c3fcd|"
                   "application/vnd.awslambda.http-integration-response");
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::StreamStarted);
    CHECK(notices[0].body == "application/vnd.awslambda.http-integration-response");
    CHECK(state.stream_bytes("one "));
    full = true;
    CHECK_FALSE(state.stream_bytes("two"));
    state.resume_stream();
    CHECK(resumed == 1);
    CHECK(bytes == "one two");
    CHECK_FALSE(state.has_notices()); // bytes do not wait in notices
    Reply end = state.end_stream({}, {});
    CHECK(end.status == 202);
    CHECK_FALSE(state.streaming());
    notices = state.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].kind == Notice::Kind::StreamEnded);
    CHECK(notices[0].request_id == "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    // After its end, the runtime goes on as after any answer.
    PendingNext again(state);
    CHECK(state.take_notices()[0].kind == Notice::Kind::Next);
}

TEST_CASE("without a receiver, a stream's bytes are gathered into StreamEnded") {
    State state;
    start_invocation(state);
    REQUIRE_FALSE(state.begin_stream("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "", {}));
    CHECK(state.stream_bytes("gathered "));
    CHECK(state.stream_bytes("bytes"));
    state.end_stream({}, {});
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 2);
    CHECK(notices[1].kind == Notice::Kind::StreamEnded);
    CHECK(notices[1].body == "gathered bytes");
}

TEST_CASE("a stream that ends with an error in its trailers is a StreamError") {
    State state;
    start_invocation(state);
    REQUIRE_FALSE(state.begin_stream("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "text/plain", {}));
    state.stream_bytes("partial");
    Reply end = state.end_stream("Runtime.Midway",
                                 R"({"errorType":"Runtime.Midway","errorMessage":"broke"})");
    CHECK(end.status == 202);
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 2);
    CHECK(notices[1].kind == Notice::Kind::StreamError);
    CHECK(notices[1].error_type == "Runtime.Midway");
    CHECK(json::parse(notices[1].body)["errorMessage"] == "broke");
}

TEST_CASE("once a stream began, /error, /response, a second stream and /next are 403") {
    State state;
    start_invocation(state);
    const std::string id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    REQUIRE_FALSE(state.begin_stream(id, "", {}));
    Reply error = state.error(id, "Oops", {"{}", false});
    CHECK(error.status == 403);
    CHECK(json::parse(error.body)["errorType"] == "InvalidStateTransition");
    CHECK(state.response(id, {"x", false}).status == 403);
    auto second = state.begin_stream(id, "", {});
    REQUIRE(second.has_value());
    CHECK(second->status == 403);
    PendingNext early(state);
    REQUIRE(early.answered());
    CHECK(early.get().status == 403);
    CHECK(state.streaming()); // none of these ended the stream
    state.end_stream({}, {});
    // After the streamed answer, /error is refused as after any answer.
    CHECK(state.error(id, "Oops", {"{}", false}).status == 403);
}

TEST_CASE("a stream for another request id, or before init, is refused and begins nothing") {
    State state;
    auto early = state.begin_stream("any", "", {});
    REQUIRE(early.has_value());
    CHECK(early->status == 403);
    start_invocation(state);
    auto other = state.begin_stream("not-in-flight", "", {});
    REQUIRE(other.has_value());
    CHECK(other->status == 400);
    CHECK(json::parse(other->body)["errorType"] == "InvalidRequestID");
    CHECK_FALSE(state.streaming());
    CHECK_FALSE(state.has_notices());
}

TEST_CASE("a stream cut off is StreamBroken, and the runtime may go on to /next") {
    State state;
    start_invocation(state);
    REQUIRE_FALSE(state.begin_stream("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "", {}));
    state.stream_bytes("cut");
    state.stream_broken();
    CHECK_FALSE(state.streaming());
    auto notices = state.take_notices();
    REQUIRE(notices.size() == 2);
    CHECK(notices[1].kind == Notice::Kind::StreamBroken);
    CHECK(notices[1].request_id == "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    state.stream_broken(); // once
    CHECK_FALSE(state.has_notices());
    PendingNext again(state);
    CHECK_FALSE(again.answered());
}

TEST_CASE("closing the API mid-stream lets the runtime's body be read again, and dropped") {
    State state;
    int resumed = 0;
    bool full = true;
    std::string bytes;
    state.receive_streams({{}, [&](std::string_view piece) {
                               bytes.append(piece);
                               return !full;
                           }});
    start_invocation(state);
    REQUIRE_FALSE(
        state.begin_stream("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "", [&] { ++resumed; }));
    CHECK_FALSE(state.stream_bytes("held"));
    state.close();
    CHECK(resumed == 1);
    CHECK_FALSE(state.streaming());
    CHECK(state.stream_bytes("dropped"));
    CHECK(bytes == "held");
}

TEST_SUITE_END();

} // namespace state_tests
