// The issuers' keys: OpenID discovery and JWKS over cpp-httplib, a cache, local key files.
#include "runtime/auth/key_source.hpp"

#include "runtime/loop/event_loop.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "runtime/util/json_depth.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <filesystem>
#include <optional>
#include <thread>

namespace lambda_local::runtime::auth {

namespace {

// An absolute http(s) URL split for cpp-httplib: "https://host:port" and "/path?query".
struct Url {
    std::string scheme; // "http" or "https"
    std::string origin; // "https://host:port"
    std::string target; // "/path", at least "/"
};

std::variant<Url, std::string> split_url(std::string_view url) {
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
            return "the URL \"" + std::string(url) + "\" has a space or control character";
        }
    }
    Url out;
    std::string_view rest;
    if (url.substr(0, 7) == "http://") {
        out.scheme = "http";
        rest = url.substr(7);
    } else if (url.substr(0, 8) == "https://") {
        out.scheme = "https";
        rest = url.substr(8);
    } else {
        return "the URL \"" + std::string(url) + "\" is not http:// or https://";
    }
    std::size_t slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
        return "the URL \"" + std::string(url) + "\" has no host, or has user information";
    }
    out.origin = out.scheme + "://" + std::string(authority);
    std::string_view target = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (std::size_t hash = target.find('#'); hash != std::string_view::npos) {
        target = target.substr(0, hash);
    }
    out.target =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
    return out;
}

// GET `url` into `body`: "" when it answers 200 within the bounds, else why not.
std::string get(const std::string& url, const KeySourceOptions& options, std::string& body) {
    auto split = split_url(url);
    if (auto* why = std::get_if<std::string>(&split)) {
        return *why;
    }
    const Url& target = std::get<Url>(split);
    httplib::Client client(target.origin);
    if (!client.is_valid()) {
        return "cannot make an HTTP client for \"" + target.origin + "\"";
    }
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.timeout);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(options.timeout - seconds);
    client.set_connection_timeout(seconds.count(), micros.count());
    client.set_read_timeout(seconds.count(), micros.count());
    client.set_write_timeout(seconds.count(), micros.count());
    client.set_follow_location(false);
    client.set_keep_alive(false);

    // The per-step timeouts do not bound an issuer that answers one byte at a time: a watchdog
    // stops the request at the deadline (cpp-httplib's stop() is meant for another thread).
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    bool stopped = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!finished.wait_for(lock, options.request_deadline, [&] { return done; })) {
            stopped = true;
            client.stop();
        }
    });

    body.clear();
    bool too_big = false;
    httplib::Headers headers{{"Accept", "application/json"}};
    httplib::Result result =
        client.Get(target.target, headers, [&](const char* data, std::size_t length) {
            if (body.size() + length > options.max_response_bytes) {
                too_big = true;
                return false;
            }
            body.append(data, length);
            return true;
        });
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    finished.notify_one();
    watchdog.join();

    if (too_big) {
        return url + " answered more than " + std::to_string(options.max_response_bytes) + " bytes";
    }
    if (stopped) {
        return url + " did not answer within " + std::to_string(options.request_deadline.count()) +
               " ms";
    }
    if (!result) {
        return url + ": " + httplib::to_string(result.error());
    }
    if (result->status != 200) {
        return url + " answered HTTP " + std::to_string(result->status);
    }
    return "";
}

} // namespace

IssuerKeyFile parse_issuer_key_file(std::string_view option) {
    std::size_t equals = option.find('=');
    if (equals == std::string_view::npos || equals == 0 || equals + 1 == option.size()) {
        throw Error("--jwks expects ISSUER=FILE (the issuer as tokens name it in \"iss\", then "
                    "a JWKS file), not \"" +
                    std::string(option) + "\"");
    }
    return {std::string(option.substr(0, equals)), std::string(option.substr(equals + 1))};
}

JsonWebKeySet load_jwks_file(const std::string& path) {
    std::error_code error;
    std::uintmax_t size = std::filesystem::file_size(path, error);
    if (!error && size > k_max_jwks_bytes) {
        throw Error(path + ": the key set is " + std::to_string(size) +
                    " bytes, over the limit of " + std::to_string(k_max_jwks_bytes));
    }
    std::string text = read_file(path, path, k_max_config_file);
    auto parsed = parse_jwks(text);
    if (auto* why = std::get_if<std::string>(&parsed)) {
        throw Error(path + ": " + *why);
    }
    JsonWebKeySet& keys = std::get<JsonWebKeySet>(parsed);
    if (keys.keys.empty()) {
        throw Error(path + ": the key set has no RSA signing key of " +
                    std::to_string(k_min_rsa_bits) + " to " + std::to_string(k_max_rsa_bits) +
                    " bits");
    }
    return std::move(keys);
}

std::variant<JsonWebKeySet, std::string> fetch_issuer_keys(const std::string& issuer,
                                                           const KeySourceOptions& options) {
    std::string base = issuer;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    std::string discovery_url = base + "/.well-known/openid-configuration";
    std::string body;
    if (std::string why = get(discovery_url, options, body); !why.empty()) {
        return why;
    }
    nlohmann::json document = parse_json_bounded<nlohmann::json>(body);
    if (document.is_discarded() || !document.is_object()) {
        return discovery_url + " is not a JSON object";
    }
    auto jwks_uri = document.find("jwks_uri");
    if (jwks_uri == document.end() || !jwks_uri->is_string()) {
        return discovery_url + " has no \"jwks_uri\" string";
    }
    std::string keys_url = jwks_uri->get<std::string>();
    // Keys found through https come through https: no downgrade to plain http.
    if (discovery_url.rfind("https://", 0) == 0 && keys_url.rfind("https://", 0) != 0) {
        return discovery_url + " names a jwks_uri that is not https: \"" + keys_url + "\"";
    }
    if (std::string why = get(keys_url, options, body); !why.empty()) {
        return why;
    }
    auto keys = parse_jwks(body);
    if (auto* why = std::get_if<std::string>(&keys)) {
        return keys_url + ": " + *why;
    }
    return std::get<JsonWebKeySet>(std::move(keys));
}

// The cache, shared with the fetches in flight (which may outlive the KeySource).
struct KeySource::State {
    struct Issuer {
        bool local = false;
        std::shared_ptr<const JsonWebKeySet> keys;
        MonotonicClock::time_point fetched_at{};
        bool attempted = false;
        MonotonicClock::time_point last_attempt{};
        std::string last_error;
        bool in_flight = false;
        std::vector<std::function<void(KeysResult)>> waiting;
    };

    KeySourceOptions options;
    Now now;
    mutable std::mutex mutex;
    std::map<std::string, Issuer> issuers;
    std::size_t fetches = 0;

    // What the cache answers now, or nothing when a fetch is needed (then it is marked as
    // started). Called with the mutex held.
    std::optional<KeysResult> answer_or_start(Issuer& entry, const std::string& kid) {
        if (entry.local) {
            return KeysResult{entry.keys};
        }
        MonotonicClock::time_point at = now();
        if (entry.keys) {
            bool expired = at - entry.fetched_at >= options.cache_time;
            bool unknown_kid = entry.keys->find(kid) == nullptr;
            bool may_refetch = at - entry.last_attempt >= options.refetch_interval;
            if ((!expired && !unknown_kid) || !may_refetch) {
                return KeysResult{entry.keys};
            }
        } else if (entry.attempted && at - entry.last_attempt < options.retry_after_failure) {
            return KeysResult{entry.last_error};
        }
        entry.attempted = true;
        entry.last_attempt = at;
        ++fetches;
        return std::nullopt;
    }

    // Records a fetch's result; what the requests waiting for it get. Mutex held.
    KeysResult finish(const std::string& issuer, Issuer& entry,
                      std::variant<JsonWebKeySet, std::string> fetched) {
        if (auto* keys = std::get_if<JsonWebKeySet>(&fetched)) {
            entry.keys = std::make_shared<const JsonWebKeySet>(std::move(*keys));
            entry.fetched_at = now();
            entry.last_error.clear();
            return KeysResult{entry.keys};
        }
        entry.last_error =
            "fetching the keys of " + issuer + " failed: " + std::get<std::string>(fetched);
        // Keys fetched before still serve (best effort, as API Gateway's cache).
        if (entry.keys) {
            return KeysResult{entry.keys};
        }
        return KeysResult{entry.last_error};
    }
};

KeySource::KeySource(KeySourceOptions options, Now now) : m_state(std::make_shared<State>()) {
    m_state->options = options;
    m_state->now = std::move(now);
}

void KeySource::add_local_keys(const std::string& issuer, JsonWebKeySet keys) {
    std::lock_guard lock(m_state->mutex);
    State::Issuer& entry = m_state->issuers[issuer];
    entry.local = true;
    entry.keys = std::make_shared<const JsonWebKeySet>(std::move(keys));
}

void KeySource::keys_for(loop::EventLoop& loop, const std::string& issuer, const std::string& kid,
                         std::function<void(KeysResult)> done) {
    std::optional<KeysResult> answer;
    {
        std::lock_guard lock(m_state->mutex);
        State::Issuer& entry = m_state->issuers[issuer];
        if (entry.in_flight) {
            entry.waiting.push_back(std::move(done));
            return;
        }
        answer = m_state->answer_or_start(entry, kid);
        if (!answer) {
            entry.in_flight = true;
            entry.waiting.push_back(std::move(done));
        }
    }
    if (answer) {
        done(std::move(*answer));
        return;
    }
    auto fetched = std::make_shared<std::variant<JsonWebKeySet, std::string>>();
    KeySourceOptions options = m_state->options;
    loop.run_blocking([fetched, issuer, options] { *fetched = fetch_issuer_keys(issuer, options); },
                      [state = m_state, fetched, issuer] {
                          std::vector<std::function<void(KeysResult)>> waiting;
                          KeysResult result;
                          {
                              std::lock_guard lock(state->mutex);
                              State::Issuer& entry = state->issuers[issuer];
                              result = state->finish(issuer, entry, std::move(*fetched));
                              entry.in_flight = false;
                              waiting.swap(entry.waiting);
                          }
                          for (auto& callback : waiting) {
                              callback(result);
                          }
                      });
}

KeysResult KeySource::keys_for(const std::string& issuer, const std::string& kid) {
    {
        std::lock_guard lock(m_state->mutex);
        std::optional<KeysResult> answer = m_state->answer_or_start(m_state->issuers[issuer], kid);
        if (answer) {
            return std::move(*answer);
        }
    }
    auto fetched = fetch_issuer_keys(issuer, m_state->options);
    std::lock_guard lock(m_state->mutex);
    return m_state->finish(issuer, m_state->issuers[issuer], std::move(fetched));
}

std::size_t KeySource::fetch_count() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->fetches;
}

} // namespace lambda_local::runtime::auth
