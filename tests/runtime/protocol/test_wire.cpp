// Tests of the framed protocol between the supervisor and a worker.
#include "runtime/protocol/wire.hpp"

#include "runtime/util/fd.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace lambda_local;
using namespace lambda_local::wire;

namespace {

using namespace std::string_literals;

const std::vector<MessageType> k_all_types = {
    MessageType::Config,  MessageType::Ready,   MessageType::InitError,
    MessageType::Invoke,  MessageType::Result,  MessageType::Exited,
    MessageType::Sandbox, MessageType::Network, MessageType::Proceed,
};

// A connected pair of stream sockets, closed on destruction.
struct SocketPair {
    Fd left;
    Fd right;
    SocketPair() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        left.reset(fds[0]);
        right.reset(fds[1]);
    }
};

// A header as write_frame lays it out, with any field chosen by the test.
std::string raw_header(std::uint32_t magic, std::uint32_t type, std::uint32_t meta_size,
                       std::uint32_t body_size) {
    std::uint32_t fields[4] = {magic, type, meta_size, body_size};
    return std::string(reinterpret_cast<const char*>(fields), sizeof fields);
}

// Feeds `bytes` to a fresh decoder and returns what next() throws.
std::string decode_error(const std::string& bytes) {
    FrameDecoder decoder;
    decoder.feed(bytes.data(), bytes.size());
    try {
        decoder.next();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no exception)";
}

void check_same(const Frame& actual, const Frame& expected) {
    CHECK(actual.type == expected.type);
    CHECK(actual.meta == expected.meta);
    CHECK(actual.body == expected.body);
}

} // namespace

TEST_SUITE_BEGIN("runtime::wire");

TEST_CASE("every message type survives an encode and decode round trip") {
    const std::string binary = "a\0b\xff\x01\n\0"s;
    struct Variant {
        const char* name;
        std::string meta;
        std::string body;
    };
    const std::vector<Variant> variants = {
        {"empty meta and body", "", ""},
        {"JSON meta and a text body", R"({"request_id":"id"})", R"({"key":"value"})"},
        {"binary meta and body with NUL bytes", binary, binary + binary},
    };
    for (const auto& variant : variants) {
        SUBCASE(variant.name) {
            for (MessageType type : k_all_types) {
                CAPTURE(static_cast<std::uint32_t>(type));
                Frame frame{type, variant.meta, variant.body};
                std::string bytes = encode(frame);
                CHECK(bytes.size() == k_header_size + variant.meta.size() + variant.body.size());

                FrameDecoder decoder;
                decoder.feed(bytes.data(), bytes.size());
                auto decoded = decoder.next();
                REQUIRE(decoded.has_value());
                check_same(*decoded, frame);
                CHECK(decoder.buffered() == 0);
                CHECK_FALSE(decoder.next().has_value());
            }
        }
    }
}

TEST_CASE("an encoded frame starts with the magic, type and both lengths") {
    std::string bytes = encode({MessageType::Result, "meta", "body!"});
    REQUIRE(bytes.size() == k_header_size + 9);
    CHECK(bytes.substr(0, k_header_size) == raw_header(k_magic, 6, 4, 5));
    CHECK(bytes.substr(k_header_size) == "metabody!");
    CHECK(bytes.substr(0, 4) == "LLW1");
}

TEST_CASE("the decoder reassembles a frame fed one byte at a time") {
    Frame frame{MessageType::Invoke, R"({"request_id":"r"})", "\0event\0"s};
    std::string bytes = encode(frame);
    FrameDecoder decoder;
    for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
        decoder.feed(&bytes[i], 1);
        REQUIRE_FALSE(decoder.next().has_value());
        CHECK(decoder.buffered() == i + 1);
    }
    decoder.feed(&bytes.back(), 1);
    auto decoded = decoder.next();
    REQUIRE(decoded.has_value());
    check_same(*decoded, frame);
    CHECK(decoder.buffered() == 0);
}

TEST_CASE("the decoder returns several frames fed at once, in order") {
    std::vector<Frame> frames = {
        {MessageType::Sandbox, R"({"notes":[]})", ""},
        {MessageType::Ready, "", ""},
        {MessageType::Result, R"({"ok":true})", "\0\1\2"s},
        {MessageType::Exited, R"({"wait_status":11})", ""},
    };
    std::string bytes;
    for (const auto& frame : frames) {
        bytes += encode(frame);
    }

    SUBCASE("all in one feed") {
        FrameDecoder decoder;
        decoder.feed(bytes.data(), bytes.size());
        for (const auto& frame : frames) {
            auto decoded = decoder.next();
            REQUIRE(decoded.has_value());
            check_same(*decoded, frame);
        }
        CHECK_FALSE(decoder.next().has_value());
        CHECK(decoder.buffered() == 0);
    }
    SUBCASE("with the last frame cut short, then completed") {
        FrameDecoder decoder;
        decoder.feed(bytes.data(), bytes.size() - 3);
        for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
            auto decoded = decoder.next();
            REQUIRE(decoded.has_value());
            check_same(*decoded, frames[i]);
        }
        CHECK_FALSE(decoder.next().has_value());
        CHECK(decoder.buffered() == encode(frames.back()).size() - 3);
        decoder.feed(bytes.data() + bytes.size() - 3, 3);
        auto last = decoder.next();
        REQUIRE(last.has_value());
        check_same(*last, frames.back());
    }
}

TEST_CASE("a corrupt header is an error") {
    SUBCASE("bad magic") {
        CHECK(decode_error(raw_header(0x31574c4d, 1, 0, 0)) == "worker protocol: bad frame magic");
    }
    SUBCASE("unknown type") {
        CHECK(decode_error(raw_header(k_magic, 0, 0, 0)) ==
              "worker protocol: unknown frame type 0");
        CHECK(decode_error(raw_header(k_magic, 13, 0, 0)) ==
              "worker protocol: unknown frame type 13");
    }
    SUBCASE("the retired type 2, which carried a pid, is unknown") {
        CHECK(decode_error(raw_header(k_magic, 2, 0, 0)) ==
              "worker protocol: unknown frame type 2");
    }
    SUBCASE("oversize meta") {
        CHECK(decode_error(raw_header(k_magic, 1, k_max_meta + 1, 0)) ==
              "worker protocol: frame too large");
    }
    SUBCASE("oversize body") {
        CHECK(decode_error(raw_header(k_magic, 6, 0, k_max_body + 1)) ==
              "worker protocol: frame too large");
    }
    SUBCASE("the largest allowed lengths are not an error") {
        CHECK(decode_error(raw_header(k_magic, 6, k_max_meta, k_max_body)) == "(no exception)");
    }
}

TEST_CASE("a decoder's own limits refuse a larger frame from its header, before its body") {
    FrameDecoder decoder(Limits{64, 100});
    SUBCASE("a body one byte over") {
        std::string header = raw_header(k_magic, 6, 0, 101);
        decoder.feed(header.data(), header.size());
        CHECK_THROWS_WITH_AS(decoder.next(), "worker protocol: frame too large",
                             std::runtime_error);
    }
    SUBCASE("a meta one byte over") {
        std::string header = raw_header(k_magic, 6, 65, 0);
        decoder.feed(header.data(), header.size());
        CHECK_THROWS_WITH_AS(decoder.next(), "worker protocol: frame too large",
                             std::runtime_error);
    }
    SUBCASE("exactly at the limits") {
        std::string bytes =
            encode({MessageType::Result, std::string(64, 'm'), std::string(100, 'b')});
        decoder.feed(bytes.data(), bytes.size());
        auto frame = decoder.next();
        REQUIRE(frame.has_value());
        CHECK(frame->body.size() == 100);
    }
}

TEST_CASE("a frame can carry a descriptor over a Unix socket") {
    SocketPair pair;
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    Fd read_end(pipe_fds[0]);
    Fd write_end(pipe_fds[1]);
    Frame frame{MessageType::Network, R"({"listener":true})", ""};
    REQUIRE(write_frame_passing(pair.left.get(), frame, write_end.get()));
    write_end.reset();

    // The descriptor rides on the first byte: a read stops there, and the rest follows.
    std::vector<int> received;
    FrameDecoder decoder;
    std::optional<Frame> decoded;
    for (int tries = 0; tries < 1000 && !decoded; ++tries) {
        char buffer[256];
        long n = read_receiving(pair.right.get(), buffer, sizeof buffer, received);
        if (n > 0) {
            decoder.feed(buffer, static_cast<std::size_t>(n));
            decoded = decoder.next();
        }
    }
    REQUIRE(received.size() == 1);
    Fd passed(received.front());
    REQUIRE(decoded.has_value());
    check_same(*decoded, frame);
    // The descriptor is the pipe's write end: what goes in comes out of the read end.
    REQUIRE(::write(passed.get(), "x", 1) == 1);
    char byte = 0;
    CHECK(::read(read_end.get(), &byte, 1) == 1);
    CHECK(byte == 'x');
    CHECK((::fcntl(passed.get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("write_frame and read_frame carry frames over a socketpair") {
    SocketPair pair;
    Frame small{MessageType::Config, R"({"library":"/x.so"})", ""};
    Frame binary{MessageType::Invoke, "\0m\0"s, "\0b\xff"s};
    REQUIRE(write_frame(pair.left.get(), small));
    REQUIRE(write_frame(pair.left.get(), binary));
    auto first = read_frame(pair.right.get());
    auto second = read_frame(pair.right.get());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    check_same(*first, small);
    check_same(*second, binary);
}

TEST_CASE("a 7 MB body crosses a socketpair whole") {
    SocketPair pair;
    std::string body(7u << 20, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) {
        body[i] = static_cast<char>((i * 131) % 251);
    }
    Frame frame{MessageType::Result, R"({"ok":true})", body};
    bool written = false;
    std::thread writer([&] {
        written = write_frame(pair.left.get(), frame);
        // A second frame after the large one: the stream stays aligned.
        written = written && write_frame(pair.left.get(), {MessageType::Exited, "{}", ""});
    });
    auto large = read_frame(pair.right.get());
    auto after = read_frame(pair.right.get());
    writer.join();
    CHECK(written);
    REQUIRE(large.has_value());
    CHECK(large->type == MessageType::Result);
    CHECK(large->meta == frame.meta);
    CHECK(large->body.size() == body.size());
    CHECK(large->body == body);
    REQUIRE(after.has_value());
    CHECK(after->type == MessageType::Exited);
    CHECK(after->meta == "{}");
}

TEST_CASE("read_frame returns nothing at the end of the stream") {
    SocketPair pair;
    SUBCASE("when the stream ends between frames") {
        REQUIRE(write_frame(pair.left.get(), {MessageType::Ready, "{}", ""}));
        pair.left.reset();
        CHECK(read_frame(pair.right.get()).has_value());
        CHECK_FALSE(read_frame(pair.right.get()).has_value());
    }
    SUBCASE("when nothing was ever sent") {
        pair.left.reset();
        CHECK_FALSE(read_frame(pair.right.get()).has_value());
    }
    SUBCASE("when the header is cut short") {
        std::string bytes = encode({MessageType::Ready, "{}", ""});
        REQUIRE(::write(pair.left.get(), bytes.data(), 7) == 7);
        pair.left.reset();
        CHECK_FALSE(read_frame(pair.right.get()).has_value());
    }
    SUBCASE("when the body is cut short") {
        std::string bytes = encode({MessageType::Result, R"({"ok":true})", "0123456789"});
        auto cut = static_cast<ssize_t>(bytes.size() - 4);
        REQUIRE(::write(pair.left.get(), bytes.data(), bytes.size() - 4) == cut);
        pair.left.reset();
        CHECK_FALSE(read_frame(pair.right.get()).has_value());
    }
}

TEST_CASE("read_frame throws on a corrupt header") {
    SocketPair pair;
    std::string header = raw_header(k_magic, 42, 0, 0);
    REQUIRE(::write(pair.left.get(), header.data(), header.size()) ==
            static_cast<ssize_t>(header.size()));
    CHECK_THROWS_WITH_AS(read_frame(pair.right.get()), "worker protocol: unknown frame type 42",
                         std::runtime_error);
}

TEST_CASE("write_frame reports a write to a closed peer as a failure") {
    SocketPair pair;
    pair.right.reset();
    // MSG_NOSIGNAL is not used by write(): keep SIGPIPE from ending the test run.
    struct sigaction ignore {};
    struct sigaction previous {};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGPIPE, &ignore, &previous) == 0);
    bool written = write_frame(pair.left.get(), {MessageType::Ready, "{}", ""});
    ::sigaction(SIGPIPE, &previous, nullptr);
    CHECK_FALSE(written);
}

TEST_CASE("FrameReader reads frames that arrive together or in pieces") {
    SocketPair pair;
    Frame first{MessageType::Invoke, "\0meta\0"s, "event one"};
    Frame second{MessageType::Invoke, "m2", std::string(100000, 'x')};
    Frame third{MessageType::Exited, "{}", ""};
    std::string bytes = encode(first) + encode(second) + encode(third);
    bool written = true;
    std::thread writer([&] {
        // Three frames in pieces that cut headers, metas and bodies at odd places.
        for (std::size_t at = 0; at < bytes.size(); at += 7919) {
            std::size_t size = std::min<std::size_t>(7919, bytes.size() - at);
            written = written && ::write(pair.left.get(), bytes.data() + at, size) ==
                                     static_cast<ssize_t>(size);
        }
        pair.left.reset();
    });
    FrameReader reader(pair.right.get());
    auto one = reader.next();
    auto two = reader.next();
    auto three = reader.next();
    auto end = reader.next();
    writer.join();
    CHECK(written);
    REQUIRE(one.has_value());
    REQUIRE(two.has_value());
    REQUIRE(three.has_value());
    check_same(*one, first);
    check_same(*two, second);
    check_same(*three, third);
    CHECK_FALSE(end.has_value());
}

TEST_CASE("FrameReader ends on a frame cut short and throws on a corrupt one") {
    SocketPair pair;
    SUBCASE("cut short") {
        std::string bytes = encode({MessageType::Result, "meta", "0123456789"});
        REQUIRE(::write(pair.left.get(), bytes.data(), bytes.size() - 3) ==
                static_cast<ssize_t>(bytes.size() - 3));
        pair.left.reset();
        FrameReader reader(pair.right.get());
        CHECK_FALSE(reader.next().has_value());
    }
    SUBCASE("corrupt") {
        std::string header = raw_header(0xdeadbeef, 6, 0, 0);
        REQUIRE(::write(pair.left.get(), header.data(), header.size()) ==
                static_cast<ssize_t>(header.size()));
        FrameReader reader(pair.right.get());
        CHECK_THROWS_WITH_AS(reader.next(), "worker protocol: bad frame magic", std::runtime_error);
    }
}

TEST_CASE("Invoke and Result metas survive packing, any bytes in their strings") {
    InvokeMeta invoke{"8d9ba3c1-41f4-4b7e-9d2b-0d1d1f3f8a20",
                      1795520079737,
                      "Root=1-5e1b4151-5ac6c58f3b1e6e5ae2e0f5b1;Parent=53995c3f42cd8ad8;Sampled=1",
                      209715200,
                      "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
                      std::string(R"({"custom":{"k":"v\u0000"}})") + '\0' + "\xff"};
    InvokeMeta invoke_back = unpack_invoke_meta(pack(invoke));
    CHECK(invoke_back.request_id == invoke.request_id);
    CHECK(invoke_back.deadline_ms == invoke.deadline_ms);
    CHECK(invoke_back.trace_id == invoke.trace_id);
    CHECK(invoke_back.stream_max_bytes == 209715200);
    CHECK(invoke_back.invoked_function_arn == invoke.invoked_function_arn);
    CHECK(invoke_back.client_context == invoke.client_context);
    CHECK(unpack_invoke_meta(pack(InvokeMeta{})).request_id.empty());

    ResultMeta ok{true, 1234, 56789, "", ""};
    ResultMeta ok_back = unpack_result_meta(pack(ok));
    CHECK(ok_back.ok);
    CHECK(ok_back.duration_us == 1234);
    CHECK(ok_back.peak_rss_kib == 56789);
    CHECK(ok_back.error_type.empty());

    ResultMeta failed{false, -1, 0, "My\0Error"s, "line one\nline two \xff\"}"};
    ResultMeta failed_back = unpack_result_meta(pack(failed));
    CHECK_FALSE(failed_back.ok);
    CHECK(failed_back.duration_us == -1);
    CHECK(failed_back.error_type == failed.error_type);
    CHECK(failed_back.error_message == failed.error_message);
}

TEST_CASE("a packed meta cut short or with bytes left over is refused") {
    std::string packed = pack(ResultMeta{false, 1, 2, "Type", "message"});
    for (std::size_t size : {std::size_t{0}, std::size_t{5}, packed.size() - 1}) {
        CHECK_THROWS_WITH_AS(unpack_result_meta(packed.substr(0, size)),
                             "worker protocol: meta cut short", std::runtime_error);
    }
    CHECK_THROWS_WITH_AS(unpack_result_meta(packed + "x"),
                         "worker protocol: unexpected bytes after the meta", std::runtime_error);
    CHECK_THROWS_AS(unpack_invoke_meta(R"({"request_id":"r"})"), std::runtime_error);
}

TEST_CASE("the stream frames carry a content type, then raw bytes of any value") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
    }
    FrameDecoder decoder;
    std::string stream = encode(Frame{MessageType::StreamStart, "text/plain", ""}) +
                         encode(Frame{MessageType::StreamChunk, "", bytes});
    decoder.feed(stream.data(), stream.size());
    auto start = decoder.next();
    REQUIRE(start.has_value());
    CHECK(start->type == MessageType::StreamStart);
    CHECK(static_cast<std::uint32_t>(start->type) == 11);
    CHECK(start->meta == "text/plain");
    auto chunk = decoder.next();
    REQUIRE(chunk.has_value());
    CHECK(chunk->type == MessageType::StreamChunk);
    CHECK(static_cast<std::uint32_t>(chunk->type) == 12);
    CHECK(chunk->meta.empty());
    CHECK(chunk->body == bytes);
}

TEST_CASE("a declared content type is printable ASCII of a bounded length") {
    CHECK(valid_stream_content_type("text/plain; charset=utf-8"));
    CHECK(valid_stream_content_type("application/vnd.awslambda.http-integration-response"));
    CHECK(valid_stream_content_type(std::string(k_max_stream_content_type, 'a')));
    CHECK_FALSE(valid_stream_content_type(""));
    CHECK_FALSE(valid_stream_content_type(std::string(k_max_stream_content_type + 1, 'a')));
    CHECK_FALSE(valid_stream_content_type("text/plain\r\nSet-Cookie: x=1"));
    CHECK_FALSE(valid_stream_content_type("text/plain\x7f"));
    CHECK_FALSE(valid_stream_content_type("t\xc3\xa9xt/plain"));
}

TEST_SUITE_END();
