// End-to-end tests of `serve` against hostile or simply busy clients, over raw sockets: slow
// clients, idle connections by the thousand, clients that never read, endless trailers,
// request smuggling and malformed heads. Each is bounded in time; none may starve a normal
// client, grow the server without bound, or reach the function.
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace lambda_local::e2e {

namespace {

using Clock = std::chrono::steady_clock;

// A raw TCP connection to the server, closed on destruction.
class RawConnection {
  public:
    explicit RawConnection(int port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    RawConnection(RawConnection&& other) noexcept
        : m_fd(std::exchange(other.m_fd, -1)), m_connected(other.m_connected) {}
    ~RawConnection() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    bool connected() const { return m_connected; }
    bool send(std::string_view bytes) {
        return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads until the server closes the connection or `bound` passes.
    std::string read_all(std::chrono::milliseconds bound = std::chrono::seconds(20)) {
        std::string all;
        auto deadline = Clock::now() + bound;
        char buffer[65536];
        while (Clock::now() < deadline) {
            pollfd ready{m_fd, POLLIN, 0};
            if (::poll(&ready, 1, 100) <= 0) {
                continue;
            }
            ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                m_closed = true;
                break;
            }
            all.append(buffer, static_cast<std::size_t>(n));
        }
        return all;
    }
    bool closed_by_server() const { return m_closed; }
    // Makes the receive buffer small, so that a response fills it at once.
    void shrink_receive_buffer() {
        int size = 4096;
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }

  private:
    int m_fd = -1;
    bool m_connected = false;
    bool m_closed = false;
};

// The status code of the first response in `text`, or 0.
int status_of(const std::string& text) {
    if (text.rfind("HTTP/1.1 ", 0) != 0 || text.size() < 12) {
        return 0;
    }
    return std::stoi(text.substr(9, 3));
}

// The server's resident set in MB.
long rss_mb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6)) / 1024;
        }
    }
    return -1;
}

// Seconds a normal request takes now (a warm environment answers it).
double normal_request_seconds(const ServeProcess& serve) {
    auto begin = Clock::now();
    const auto answer = serve_request(serve, "GET", "/normal", {}, {}, std::chrono::seconds(20));
    CHECK(answer.status == 200);
    return std::chrono::duration<double>(Clock::now() - begin).count();
}

// Enough descriptors for a few thousand connections in this process.
void raise_open_files() {
    rlimit files{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
}

std::vector<std::string> serve_args() {
    return {"-l", sample_library("libhttp_api.so"), "-H", "echo", "--warm", "1"};
}

} // namespace

TEST_SUITE_BEGIN("e2e::serve_hostile_clients");

TEST_CASE("500 slow clients do not starve a normal one") {
    raise_open_files();
    ServeProcess serve(serve_args());
    std::vector<RawConnection> slow;
    for (int i = 0; i < 500; ++i) {
        slow.emplace_back(serve.port());
        REQUIRE(slow.back().connected());
        slow.back().send("G"); // a head that never completes
    }
    // For a few seconds they trickle a byte each, now and then, as slowloris does.
    auto until = Clock::now() + std::chrono::seconds(4);
    const char trickle[] = "ET / HTTP/1.1\r\nX-a: b";
    std::size_t at = 0;
    double worst = 0;
    while (Clock::now() < until) {
        for (auto& connection : slow) {
            connection.send(std::string_view(trickle + at % (sizeof trickle - 1), 1));
        }
        ++at;
        worst = std::max(worst, normal_request_seconds(serve));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    CHECK(worst < 1.0);
    CHECK(serve.stop() == 0);
}

TEST_CASE("3,000 idle connections do not starve a normal client") {
    raise_open_files();
    ServeProcess serve(serve_args());
    std::vector<RawConnection> idle;
    for (int i = 0; i < 3000; ++i) {
        idle.emplace_back(serve.port());
        REQUIRE(idle.back().connected());
    }
    CHECK(normal_request_seconds(serve) < 1.0);
    CHECK(normal_request_seconds(serve) < 1.0);
    CHECK(serve.stop() == 0);
}

TEST_CASE("clients that never read a 4 MB answer leave the server answering, its memory bounded") {
    raise_open_files();
    ServeProcess serve({"-l", sample_library("libhostile.so"), "-H", "big_body", "--warm", "2",
                        "--max-concurrency", "4"});
    long before = rss_mb(serve.pid());
    std::vector<RawConnection> stuck;
    for (int i = 0; i < 70; ++i) {
        stuck.emplace_back(serve.port());
        REQUIRE(stuck.back().connected());
        stuck.back().shrink_receive_buffer();
        stuck.back().send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    // Every one of them is answered, into buffers that fill up and stay full.
    REQUIRE(serve.wait_for_log_count("GET /big 200", 70, std::chrono::seconds(60)) == 70);
    const auto answer = serve_request(serve, "GET", "/other");
    CHECK(answer.status == 200);
    long during = rss_mb(serve.pid());
    INFO("RSS before " << before << " MB, with 70 stuck clients " << during << " MB");
    // Each answer is held once (4 MB), never copied per client write: 70 x 4 MB and change.
    CHECK(during - before < 70 * 4 + 64);
    CHECK(serve.stop() == 0);
}

TEST_CASE("an endless chunked trailer is cut off, the server's memory bounded") {
    ServeProcess serve(serve_args());
    long before = rss_mb(serve.pid());
    RawConnection flood(serve.port());
    REQUIRE(flood.connected());
    flood.send("POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
    std::string line = "X-Trailer: " + std::string(1000, 'a') + "\r\n";
    std::size_t sent = 0;
    auto until = Clock::now() + std::chrono::seconds(3);
    while (Clock::now() < until && flood.send(line)) {
        sent += line.size();
    }
    long during = rss_mb(serve.pid());
    INFO("sent " << sent << " bytes of trailer; RSS " << before << " -> " << during << " MB");
    CHECK(during - before < 64);
    CHECK(normal_request_seconds(serve) < 1.0);
    CHECK(serve.log().find("POST /t") == std::string::npos); // never reached the function
    CHECK(serve.stop() == 0);
}

TEST_CASE("Content-Length with Transfer-Encoding is 400, the connection closed, nothing smuggled") {
    ServeProcess serve(serve_args());
    RawConnection smuggler(serve.port());
    REQUIRE(smuggler.connected());
    smuggler.send("POST /front HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                  "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string answer = smuggler.read_all();
    CHECK(status_of(answer) == 400);
    CHECK(smuggler.closed_by_server());
    CHECK(answer.find("HTTP/1.1", 10) == std::string::npos); // one answer only
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(serve.log().find("/smuggled") == std::string::npos);
    CHECK(serve.log().find("/front") == std::string::npos);
    CHECK(serve.stop() == 0);
}

TEST_CASE("malformed requests get their status, and none reaches the function") {
    ServeProcess serve(serve_args());
    struct Case {
        const char* what;
        std::string request;
        int status;
    };
    const std::vector<Case> cases = {
        {"an unknown transfer coding",
         "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"a bare CR in a header value", "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n", 400},
        {"a NUL in a header value",
         [] {
             const char raw[] = "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\0c\r\n\r\n";
             return std::string(raw, sizeof raw - 1);
         }(),
         400},
        {"a bad chunk size",
         "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"a head over 64 KiB",
         "GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n", 431},
        {"a request line over 8 KiB", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414},
        {"a body over 10 MB", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n",
         413},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        RawConnection connection(serve.port());
        REQUIRE(connection.connected());
        connection.send(c.request);
        std::string answer = connection.read_all(std::chrono::seconds(20));
        CHECK(status_of(answer) == c.status);
        CHECK(connection.closed_by_server());
    }
    // A body past 10 MB gets the words of the service it was sent to.
    for (const auto& [target, words] :
         {std::pair<std::string, std::string>{"/a", "\r\n\r\nHTTP content length exceeded "
                                                    "10485760 bytes."},
          {"/2015-03-31/functions/f/invocations",
           "x-amzn-ErrorType: RequestEntityTooLargeException"}}) {
        CAPTURE(target);
        RawConnection connection(serve.port());
        REQUIRE(connection.connected());
        connection.send("POST " + target +
                        " HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n");
        std::string answer = connection.read_all(std::chrono::seconds(20));
        CHECK(status_of(answer) == 413);
        CHECK(answer.find(words) != std::string::npos);
        CHECK(connection.closed_by_server());
    }
    CHECK(serve.log().find("START RequestId") == std::string::npos);
    CHECK(serve.stop() == 0);
}

TEST_CASE("an absolute-form request is routed by its path, with the target's host as Host") {
    ServeProcess serve(serve_args());
    RawConnection client(serve.port());
    REQUIRE(client.connected());
    client.send("GET http://api.example:9/items/7?x=1 HTTP/1.1\r\nHost: other\r\n"
                "Connection: close\r\n\r\n");
    std::string answer = client.read_all();
    REQUIRE(status_of(answer) == 200);
    // The echo handler answers the event: the path and host as RFC 9112 §3.2.2 reads them.
    CHECK(answer.find(R"("rawPath":"/items/7")") != std::string::npos);
    CHECK(answer.find(R"("rawQueryString":"x=1")") != std::string::npos);
    CHECK(answer.find(R"("host":"api.example:9")") != std::string::npos);
    CHECK(answer.find("other") == std::string::npos);
    CHECK(serve.stop() == 0);
}

TEST_CASE("a head that does not arrive in time gets 408 and the connection is closed") {
    ServeProcess serve(serve_args());
    RawConnection connection(serve.port());
    REQUIRE(connection.connected());
    connection.send("GET /a HTTP/1.1\r\nHost: x\r\n"); // and nothing more
    std::string answer = connection.read_all(std::chrono::seconds(30));
    CHECK(status_of(answer) == 408);
    CHECK(connection.closed_by_server());
    CHECK(serve.stop() == 0);
}

TEST_CASE("SIGTERM ends the server within its bound, whatever its clients do") {
    raise_open_files();
    ServeProcess serve({"-l", sample_library("libhostile.so"), "-H", "big_body", "--warm", "1"});
    std::vector<RawConnection> clients;
    for (int i = 0; i < 50; ++i) {
        clients.emplace_back(serve.port()); // idle
    }
    RawConnection slow(serve.port());
    slow.send("GET /a HTTP/1.1\r\nHo"); // half a head
    RawConnection stuck(serve.port());
    stuck.shrink_receive_buffer();
    stuck.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); // a 4 MB answer it never reads
    REQUIRE(serve.wait_for_log("GET /big 200"));
    auto begin = Clock::now();
    // The bound: the shutdown grace (10 s) and a second, then the environments end.
    CHECK(serve.stop(SIGTERM, std::chrono::seconds(20)) == 0);
    double took = std::chrono::duration<double>(Clock::now() - begin).count();
    INFO("stopped in " << took << " s");
    CHECK(took < 15.0);
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
