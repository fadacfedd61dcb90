// Tests of runtime/auth/key_source.hpp and jwks.hpp: key sets, their fetch and their cache.
#include "runtime/auth/key_source.hpp"

#include "runtime/loop/event_loop.hpp"
#include "runtime/util/error.hpp"
#include "tests/runtime/auth/issuer_server.hpp"
#include "tests/runtime/auth/token_fixture.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace lambda_local;
using namespace lambda_local::runtime::auth;
using namespace lambda_local::tests::auth;

namespace {

// A monotonic clock the test moves.
struct FakeClock {
    MonotonicClock::time_point now = MonotonicClock::time_point(std::chrono::hours(1000));
    KeySource::Now function() {
        return [this] { return now; };
    }
};

std::string error_of(const KeysResult& result) {
    const std::string* why = std::get_if<std::string>(&result);
    return why ? *why : "";
}

const JsonWebKeySet& keys_of(const KeysResult& result) {
    REQUIRE_MESSAGE(std::holds_alternative<std::shared_ptr<const JsonWebKeySet>>(result),
                    error_of(result));
    return *std::get<std::shared_ptr<const JsonWebKeySet>>(result);
}

// A temporary file holding `text`, removed with the object.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text) {
        char name[] = "/tmp/ll-jwks-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

// A TCP port on 127.0.0.1 that accepts connections (the kernel completes them) but never
// answers: an issuer that hangs.
struct SilentPort {
    int fd = -1;
    int port = 0;
    SilentPort() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(fd, 8) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port = ntohs(address.sin_port);
    }
    ~SilentPort() { ::close(fd); }
};

} // namespace

TEST_SUITE("runtime::auth::jwks") {
    TEST_CASE("a key set's RSA signing keys are read, other keys skipped") {
        nlohmann::json set = {{"keys",
                               {key_one().jwk(),
                                {{"kty", "EC"}, {"kid", "ec"}, {"crv", "P-256"}},
                                key_two().jwk(""),
                                {{"kty", "RSA"}, {"kid", "enc"}, {"use", "enc"}},
                                {{"kty", "RSA"}, {"kid", "oaep"}, {"alg", "RSA-OAEP"}}}}};
        auto parsed = parse_jwks(set.dump());
        REQUIRE(std::holds_alternative<JsonWebKeySet>(parsed));
        const JsonWebKeySet& keys = std::get<JsonWebKeySet>(parsed);
        CHECK(keys.keys.size() == 2);
        CHECK(keys.skipped == 3);
        REQUIRE(keys.find("key-1") != nullptr);
        CHECK(keys.find("key-1")->algorithm == JwsAlgorithm::RS256);
        REQUIRE(keys.find("key-2") != nullptr);
        CHECK_FALSE(keys.find("key-2")->algorithm);
        CHECK(keys.find("ec") == nullptr);
    }

    TEST_CASE("a key of fewer than 2048 bits is skipped") {
        TestKey small("small", 1024);
        auto parsed = parse_jwks(jwks_of({&small, &key_one()}));
        REQUIRE(std::holds_alternative<JsonWebKeySet>(parsed));
        CHECK(std::get<JsonWebKeySet>(parsed).find("small") == nullptr);
        CHECK(std::get<JsonWebKeySet>(parsed).skipped == 1);
    }

    TEST_CASE("what is not a key set is refused with a reason") {
        auto reason = [](const std::string& text) {
            auto parsed = parse_jwks(text);
            return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed)
                                                               : std::string();
        };
        CHECK(reason("{") == "the key set is not JSON");
        CHECK(reason("[]") == "the key set is not a JSON object");
        CHECK(reason("{\"keys\":{}}") == "the key set has no \"keys\" array");
        CHECK(reason(R"({"keys":[{"kty":"RSA","kid":"k"}]})") ==
              "the RSA key \"k\" has no \"n\" and \"e\" strings");
        CHECK(reason(R"({"keys":[{"kty":"RSA","n":"a+b","e":"AQAB"}]})") ==
              "an RSA key has an \"n\" or \"e\" that is not base64url");
        nlohmann::json many = {{"keys", nlohmann::json::array()}};
        for (int i = 0; i < 101; ++i) {
            many["keys"].push_back({{"kty", "EC"}});
        }
        CHECK(reason(many.dump()) == "the key set has 101 keys, over the limit of 100");
        CHECK(reason(std::string(k_max_jwks_bytes + 1, ' ')) ==
              "the key set is 1048577 bytes, over the limit of 1048576");
    }

    TEST_CASE("an RSA key is built only from sane numbers") {
        std::string modulus(256, '\xff');
        CHECK(std::holds_alternative<std::shared_ptr<EVP_PKEY>>(
            rsa_public_key(modulus, std::string("\x01\x00\x01", 3))));
        CHECK(std::get<std::string>(rsa_public_key(modulus, std::string("\x01\x00\x00", 3))) ==
              "an RSA exponent that is not an odd number from 3 to 2^64");
        CHECK(std::get<std::string>(rsa_public_key(modulus, "\x01")) ==
              "an RSA exponent that is not an odd number from 3 to 2^64");
        CHECK(std::get<std::string>(rsa_public_key(std::string(128, '\xff'), "\x03")) ==
              "an RSA modulus of 1024 bits (accepted: 2048 to 8192)");
        CHECK(std::get<std::string>(rsa_public_key(std::string(1025, '\xff'), "\x03")) ==
              "an RSA modulus of 8200 bits (accepted: 2048 to 8192)");
    }
}

TEST_SUITE("runtime::auth::KeySource") {
    TEST_CASE("ISSUER=FILE options are split at the first '='") {
        IssuerKeyFile option = parse_issuer_key_file("https://idp.example/realm=keys.json");
        CHECK(option.issuer == "https://idp.example/realm");
        CHECK(option.path == "keys.json");
        for (const char* bad : {"", "=x", "issuer=", "no-equals"}) {
            CAPTURE(bad);
            CHECK_THROWS_AS(parse_issuer_key_file(bad), Error);
        }
        CHECK_THROWS_WITH(parse_issuer_key_file("x"),
                          "--jwks expects ISSUER=FILE (the issuer as tokens name it in \"iss\", "
                          "then a JWKS file), not \"x\"");
    }

    TEST_CASE("a JWKS file is loaded, or refused with its path and why") {
        TempFile good(jwks_of({&key_one()}));
        CHECK(load_jwks_file(good.path).find("key-1") != nullptr);
        TempFile not_json("{");
        CHECK_THROWS_WITH(load_jwks_file(not_json.path),
                          (not_json.path + ": the key set is not JSON").c_str());
        TempFile no_rsa(R"({"keys":[{"kty":"EC"}]})");
        CHECK_THROWS_WITH(
            load_jwks_file(no_rsa.path),
            (no_rsa.path + ": the key set has no RSA signing key of 2048 to 8192 bits").c_str());
        CHECK_THROWS_AS(load_jwks_file("/nonexistent/keys.json"), Error);
    }

    TEST_CASE("local keys answer without any fetch") {
        KeySource source;
        source.add_local_keys("https://offline.example",
                              load_jwks_file(TempFile(jwks_of({&key_one()})).path));
        CHECK(keys_of(source.keys_for("https://offline.example", "key-1")).find("key-1"));
        CHECK(keys_of(source.keys_for("https://offline.example", "unknown")).find("key-1"));
        CHECK(source.fetch_count() == 0);
    }

    TEST_CASE("keys are fetched through the discovery document and cached") {
        IssuerServer server;
        server.set_keys(jwks_of({&key_one()}));
        FakeClock clock;
        KeySource source({}, clock.function());

        CHECK(keys_of(source.keys_for(server.issuer(), "key-1")).find("key-1"));
        CHECK(keys_of(source.keys_for(server.issuer(), "key-1")).find("key-1"));
        CHECK(server.discovery_requests() == 1);
        CHECK(server.key_requests() == 1);

        // A kid the keys lack: refetched at most once a minute.
        server.set_keys(jwks_of({&key_one(), &key_two()}));
        clock.now += std::chrono::seconds(30);
        CHECK_FALSE(keys_of(source.keys_for(server.issuer(), "key-2")).find("key-2"));
        CHECK(server.key_requests() == 1);
        clock.now += std::chrono::seconds(31);
        CHECK(keys_of(source.keys_for(server.issuer(), "key-2")).find("key-2"));
        CHECK(server.key_requests() == 2);
        for (int i = 0; i < 50; ++i) {
            source.keys_for(server.issuer(), "made-up-" + std::to_string(i));
        }
        CHECK(server.key_requests() == 2);

        // After two hours the keys are fetched again, kid known or not.
        clock.now += std::chrono::hours(2);
        CHECK(keys_of(source.keys_for(server.issuer(), "key-1")).find("key-1"));
        CHECK(server.key_requests() == 3);
        CHECK(source.fetch_count() == 3);
    }

    TEST_CASE("a failed fetch is reported, retried later, and older keys still serve") {
        IssuerServer server;
        FakeClock clock;
        KeySource source({}, clock.function());
        server.set_keys("nope", 500);
        std::string why = error_of(source.keys_for(server.issuer(), "key-1"));
        CHECK(why == "fetching the keys of " + server.issuer() + " failed: " + server.issuer() +
                         "/keys answered HTTP 500");
        // Within the retry time: the same answer, no request.
        CHECK(error_of(source.keys_for(server.issuer(), "key-1")) == why);
        CHECK(server.key_requests() == 1);
        clock.now += std::chrono::seconds(11);
        server.set_keys(jwks_of({&key_one()}));
        CHECK(keys_of(source.keys_for(server.issuer(), "key-1")).find("key-1"));
        // Expired keys whose refresh fails are kept.
        server.set_keys("{", 200);
        clock.now += std::chrono::hours(3);
        CHECK(keys_of(source.keys_for(server.issuer(), "key-1")).find("key-1"));
        CHECK(server.key_requests() == 3);
    }

    TEST_CASE("a discovery document without jwks_uri, or one downgrading https, is refused") {
        IssuerServer server;
        server.set_discovery(R"({"issuer":"x"})");
        auto fetched = fetch_issuer_keys(server.issuer(), {});
        REQUIRE(std::holds_alternative<std::string>(fetched));
        CHECK(std::get<std::string>(fetched) ==
              server.issuer() + "/.well-known/openid-configuration has no \"jwks_uri\" string");
        server.set_discovery("[1,2]");
        fetched = fetch_issuer_keys(server.issuer() + "/", {});
        REQUIRE(std::holds_alternative<std::string>(fetched));
        CHECK(std::get<std::string>(fetched) ==
              server.issuer() + "/.well-known/openid-configuration is not a JSON object");
        fetched = fetch_issuer_keys("ftp://example.com", {});
        REQUIRE(std::holds_alternative<std::string>(fetched));
        CHECK(std::get<std::string>(fetched) ==
              "the URL \"ftp://example.com/.well-known/openid-configuration\" is not http:// or "
              "https://");
    }

    TEST_CASE("a huge key set is refused without being read whole") {
        IssuerServer server;
        server.set_keys(std::string(3 * 1024 * 1024, ' '));
        auto fetched = fetch_issuer_keys(server.issuer(), {});
        REQUIRE(std::holds_alternative<std::string>(fetched));
        CHECK(std::get<std::string>(fetched) ==
              server.issuer() + "/keys answered more than 1048576 bytes");
    }

    TEST_CASE("an issuer that never answers fails within the bounds") {
        SilentPort silent;
        KeySourceOptions options;
        options.timeout = std::chrono::milliseconds(500);
        options.request_deadline = std::chrono::milliseconds(2000);
        auto started = MonotonicClock::now();
        auto fetched =
            fetch_issuer_keys("http://127.0.0.1:" + std::to_string(silent.port), options);
        auto took = MonotonicClock::now() - started;
        REQUIRE(std::holds_alternative<std::string>(fetched));
        CHECK(std::get<std::string>(fetched).find("/.well-known/openid-configuration") !=
              std::string::npos);
        CHECK(took < std::chrono::seconds(30));
    }

    TEST_CASE("an issuer that trickles its answer is cut off at the request's deadline") {
        IssuerServer server;
        server.set_trickle();
        KeySourceOptions options;
        options.timeout = std::chrono::milliseconds(1000);
        options.request_deadline = std::chrono::milliseconds(1500);
        auto started = MonotonicClock::now();
        auto fetched = fetch_issuer_keys(server.issuer(), options);
        auto took = MonotonicClock::now() - started;
        REQUIRE(std::holds_alternative<std::string>(fetched));
        CHECK(std::get<std::string>(fetched) ==
              server.issuer() + "/keys did not answer within 1500 ms");
        // Each byte came within the read timeout: only the deadline ended it.
        CHECK(took >= std::chrono::milliseconds(1500));
        CHECK(took < std::chrono::seconds(15));
    }

    TEST_CASE("on the loop, requests during a fetch share it and are answered on the loop") {
        IssuerServer server;
        server.set_keys(jwks_of({&key_one()}));
        runtime::loop::EventLoop loop;
        KeySource source;
        int answered = 0;
        bool immediate = false;
        for (int i = 0; i < 5; ++i) {
            source.keys_for(loop, server.issuer(), "key-1", [&](KeysResult result) {
                CHECK(keys_of(result).find("key-1"));
                ++answered;
            });
        }
        CHECK(answered == 0);
        loop.run_until([&] { return answered == 5; });
        CHECK(answered == 5);
        CHECK(server.key_requests() == 1);
        // Cached: answered before keys_for returns.
        source.keys_for(loop, server.issuer(), "key-1", [&](KeysResult) { immediate = true; });
        CHECK(immediate);
        CHECK(source.fetch_count() == 1);
    }

    TEST_CASE("a KeySource destroyed during a fetch leaves the fetch harmless") {
        IssuerServer server;
        server.set_keys(jwks_of({&key_one()}));
        runtime::loop::EventLoop loop;
        bool called = false;
        {
            KeySource source;
            source.keys_for(loop, server.issuer(), "key-1", [&](KeysResult) { called = true; });
        }
        loop.run();
        CHECK(called);
    }
}
