// Tests of the event-stream encoder (runtime/server/event_stream.cpp), read back by an
// independent decoder.
#include "runtime/server/event_stream.hpp"
#include "tests/runtime/server/event_stream_decoder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace lambda_local::runtime::server {

using testing::decode_event_stream;
using testing::slow_crc32;

TEST_SUITE("runtime::server::EventStream") {
    TEST_CASE("the test's own CRC32 gives the standard check value") {
        CHECK(slow_crc32("123456789") == 0xCBF43926u);
    }

    TEST_CASE("a message has its lengths, headers, payload and both CRCs") {
        const std::string message = event_stream_message({{":a", "b"}}, std::string("x\0y", 3));
        // prelude 12 + header (1 + 2 + 1 + 2 + 1) + payload 3 + CRC 4
        REQUIRE(message.size() == 12 + 7 + 3 + 4);
        CHECK(testing::read_u32(message, 0) == message.size());
        CHECK(testing::read_u32(message, 4) == 7);
        std::string why;
        auto events = decode_event_stream(message, &why);
        REQUIRE_MESSAGE(events, why);
        REQUIRE(events->size() == 1);
        CHECK(events->front().headers.at(":a") == "b");
        CHECK(events->front().payload == std::string("x\0y", 3));
        SUBCASE("a flipped byte anywhere is caught by a CRC") {
            for (std::size_t i = 0; i < message.size(); ++i) {
                std::string broken = message;
                broken[i] = static_cast<char>(broken[i] ^ 0x01);
                CHECK_FALSE(decode_event_stream(broken));
            }
        }
    }

    TEST_CASE("PayloadChunk events carry the bytes exactly, split at k_max_chunk_payload") {
        std::string bytes;
        for (std::size_t i = 0; i < k_max_chunk_payload * 2 + 123; ++i) {
            bytes += static_cast<char>(i % 251);
        }
        std::string why;
        auto events = decode_event_stream(payload_chunk_events(bytes), &why);
        REQUIRE_MESSAGE(events, why);
        REQUIRE(events->size() == 3);
        std::string joined;
        for (const auto& event : *events) {
            CHECK(event.headers.at(":event-type") == "PayloadChunk");
            CHECK(event.headers.at(":message-type") == "event");
            CHECK(event.headers.at(":content-type") == "application/octet-stream");
            CHECK(event.payload.size() <= k_max_chunk_payload);
            joined += event.payload;
        }
        CHECK(joined == bytes);
        CHECK(payload_chunk_events("").empty());
    }

    TEST_CASE("InvokeComplete is JSON with the members that are set") {
        auto events = decode_event_stream(invoke_complete_event("Oops", "it broke", "TG9n"));
        REQUIRE(events);
        REQUIRE(events->size() == 1);
        const auto& event = events->front();
        CHECK(event.headers.at(":event-type") == "InvokeComplete");
        CHECK(event.headers.at(":message-type") == "event");
        CHECK(event.headers.at(":content-type") == "application/json");
        auto body = nlohmann::json::parse(event.payload);
        CHECK(body == nlohmann::json{{"ErrorCode", "Oops"},
                                     {"ErrorDetails", "it broke"},
                                     {"LogResult", "TG9n"}});

        auto ok = decode_event_stream(invoke_complete_event("", "", ""));
        REQUIRE(ok);
        CHECK(nlohmann::json::parse(ok->front().payload) == nlohmann::json::object());
    }

    TEST_CASE("an error text that is not UTF-8 still makes valid JSON") {
        auto events = decode_event_stream(invoke_complete_event("E", "bad \xff byte", ""));
        REQUIRE(events);
        auto body = nlohmann::json::parse(events->front().payload, nullptr, false);
        REQUIRE_FALSE(body.is_discarded());
        CHECK(body["ErrorDetails"].get<std::string>().rfind("bad ", 0) == 0);
    }
}

} // namespace lambda_local::runtime::server
