// A token issuer on 127.0.0.1 for the tests: its OpenID discovery document and its key set,
// served by cpp-httplib's server on a thread of its own, counted, stopped with the object.
#pragma once

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace lambda_local::tests::auth {

class IssuerServer {
  public:
    IssuerServer() {
        m_server.set_keep_alive_max_count(1);
        m_server.Get("/.well-known/openid-configuration", [this](const httplib::Request&,
                                                                 httplib::Response& response) {
            ++m_discovery_requests;
            std::lock_guard lock(m_mutex);
            response.set_content(m_discovery.empty() ? default_discovery() : m_discovery,
                                 "application/json");
        });
        m_server.Get("/keys", [this](const httplib::Request&, httplib::Response& response) {
            ++m_key_requests;
            if (m_trickle) {
                // One byte every 200 ms, for at most 20 s or until the client is gone.
                response.set_chunked_content_provider(
                    "application/json", [count = 0](std::size_t, httplib::DataSink& sink) mutable {
                        std::this_thread::sleep_for(std::chrono::milliseconds(200));
                        if (++count > 100 || !sink.is_writable()) {
                            return false;
                        }
                        return sink.write(" ", 1);
                    });
                return;
            }
            std::lock_guard lock(m_mutex);
            response.status = m_key_status;
            response.set_content(m_keys, "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        for (int i = 0; i < 500 && !m_server.is_running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        REQUIRE(m_server.is_running());
    }
    IssuerServer(const IssuerServer&) = delete;
    IssuerServer& operator=(const IssuerServer&) = delete;
    ~IssuerServer() {
        m_server.stop();
        m_thread.join();
    }

    // The issuer URL tokens of this server name in `iss`.
    std::string issuer() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    void set_keys(std::string keys, int status = 200) {
        std::lock_guard lock(m_mutex);
        m_keys = std::move(keys);
        m_key_status = status;
    }
    // The key set trickles out a byte at a time, never ending.
    void set_trickle() { m_trickle = true; }
    void set_discovery(std::string discovery) {
        std::lock_guard lock(m_mutex);
        m_discovery = std::move(discovery);
    }

    int discovery_requests() const { return m_discovery_requests; }
    int key_requests() const { return m_key_requests; }

  private:
    std::string default_discovery() const {
        return R"({"issuer":")" + issuer() + R"(","jwks_uri":")" + issuer() + R"(/keys"})";
    }

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::mutex m_mutex;
    std::string m_keys = R"({"keys":[]})";
    int m_key_status = 200;
    std::string m_discovery;
    std::atomic<int> m_discovery_requests{0};
    std::atomic<int> m_key_requests{0};
    std::atomic<bool> m_trickle{false};
};

} // namespace lambda_local::tests::auth
