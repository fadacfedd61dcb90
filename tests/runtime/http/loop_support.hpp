// Test support for LoopServer: a loop on a thread of its own, raw socket clients, memory use.
#pragma once

#include "runtime/http/loop_server.hpp"
#include "runtime/util/fd.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lambda_local::testing {

namespace http = lambda_local::runtime::http;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A LoopServer on a libuv loop that runs on a thread of its own. The handler runs there.
class ServerThread {
  public:
    explicit ServerThread(http::LoopServerOptions options = {}) : m_options(std::move(options)) {
        uv_loop_init(&m_loop);
        uv_async_init(&m_loop, &m_async, on_async);
        m_async.data = this;
    }
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;
    ~ServerThread() {
        if (m_running) {
            stop();
        }
        if (m_loop_closed) {
            return;
        }
        if (m_thread.joinable()) {
            m_thread.join();
        }
        uv_close(reinterpret_cast<uv_handle_t*>(&m_async), nullptr);
        uv_run(&m_loop, UV_RUN_DEFAULT);
        uv_loop_close(&m_loop);
    }

    // Starts the loop and listens; returns once the port is known.
    // `listener`: a listening socket to serve instead of options.host:options.port.
    void start(http::Handler handler, Fd listener = Fd()) {
        std::promise<int> ready;
        std::future<int> port = ready.get_future();
        m_thread = std::thread([this, &ready, &listener, handler = std::move(handler)]() mutable {
            m_server = std::make_unique<http::LoopServer>(&m_loop, m_options, std::move(handler));
            try {
                if (listener) {
                    m_server->listen(std::move(listener));
                } else {
                    m_server->listen();
                }
                ready.set_value(m_server->port());
            } catch (...) {
                ready.set_exception(std::current_exception());
                m_server.reset();
                return;
            }
            uv_run(&m_loop, UV_RUN_DEFAULT);
            m_server.reset();
        });
        m_port = port.get();
        m_running = true;
    }

    int port() const { return m_port; }
    uv_loop_t* loop() { return &m_loop; }

    // Runs `work` on the loop thread.
    void post(std::function<void()> work) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_work.push_back(std::move(work));
        }
        uv_async_send(&m_async);
    }

    // Runs `work` on the loop thread and waits for its result.
    template <class Work> auto call(Work work) -> decltype(work()) {
        std::promise<decltype(work())> done;
        auto result = done.get_future();
        post([&] {
            if constexpr (std::is_void_v<decltype(work())>) {
                work();
                done.set_value();
            } else {
                done.set_value(work());
            }
        });
        return result.get();
    }

    http::LoopServerStats stats() {
        return call([this] { return m_server->stats(); });
    }

    // Stops the server gracefully and ends the loop; returns how long the server took to stop.
    milliseconds stop() {
        if (!m_running) {
            return milliseconds(0);
        }
        m_running = false;
        auto started = std::make_shared<Clock::time_point>();
        auto finished = std::make_shared<Clock::time_point>();
        post([this, started, finished] {
            *started = Clock::now();
            m_server->stop([this, finished] {
                *finished = Clock::now();
                uv_close(reinterpret_cast<uv_handle_t*>(&m_async), nullptr);
                uv_stop(&m_loop);
            });
        });
        m_thread.join();
        uv_run(&m_loop, UV_RUN_DEFAULT);
        uv_loop_close(&m_loop);
        m_loop_closed = true;
        return std::chrono::duration_cast<milliseconds>(*finished - *started);
    }

  private:
    static void on_async(uv_async_t* async) {
        auto* self = static_cast<ServerThread*>(async->data);
        std::deque<std::function<void()>> work;
        {
            std::lock_guard<std::mutex> lock(self->m_mutex);
            work.swap(self->m_work);
        }
        for (auto& item : work) {
            item();
        }
    }

    http::LoopServerOptions m_options;
    uv_loop_t m_loop{};
    uv_async_t m_async{};
    std::mutex m_mutex;
    std::deque<std::function<void()>> m_work;
    std::unique_ptr<http::LoopServer> m_server;
    std::thread m_thread;
    bool m_running = false;
    bool m_loop_closed = false;
    int m_port = 0;
};

// Calls `work` on the loop thread after `delay` (from the loop thread).
inline void after(uv_loop_t* loop, milliseconds delay, std::function<void()> work) {
    struct Timer {
        uv_timer_t timer;
        std::function<void()> work;
    };
    auto owned = std::make_unique<Timer>();
    Timer* timer = owned.release(); // freed once libuv has closed it
    timer->work = std::move(work);
    uv_timer_init(loop, &timer->timer);
    timer->timer.data = timer;
    uv_timer_start(
        &timer->timer,
        [](uv_timer_t* handle) {
            static_cast<Timer*>(handle->data)->work();
            uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* closed) {
                std::unique_ptr<Timer> done(static_cast<Timer*>(closed->data));
            });
        },
        static_cast<std::uint64_t>(delay.count()), 0);
}

// A client socket connected to 127.0.0.1:port; `receive_buffer` > 0 shrinks SO_RCVBUF first.
inline Fd connect_to(int port, int receive_buffer = 0) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd);
    if (receive_buffer > 0) {
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

// Sends all of `data`; false once the server has closed or reset the connection.
inline bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// One response as read off the wire.
struct RawResponse {
    int status = 0;
    http::HeaderList headers;
    std::string body;
    http::HeaderList trailers;
    bool chunked = false;

    const std::string* header(std::string_view name) const {
        return http::find_header(headers, name);
    }
};

// Reads responses from one socket, with deadlines.
class RawReader {
  public:
    explicit RawReader(int fd) : m_fd(fd) {}

    // Reads more bytes until `deadline`; false at the end of the connection or the deadline.
    bool fill(Clock::time_point deadline) {
        while (true) {
            auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                return false;
            }
            pollfd p{m_fd, POLLIN, 0};
            int ready = ::poll(&p, 1, static_cast<int>(left.count()));
            if (ready < 0 && errno == EINTR) {
                continue;
            }
            if (ready <= 0) {
                return false;
            }
            char chunk[65536];
            ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                m_closed = true;
                return false;
            }
            m_buffer.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
    }

    // True when the connection ends (EOF or reset) before `deadline`, whatever else comes.
    bool closes_within(milliseconds limit) {
        auto deadline = Clock::now() + limit;
        while (!m_closed && fill(deadline)) {
        }
        return m_closed;
    }

    // The next response; nullopt when none is complete by `limit`. `head_request`: no body.
    std::optional<RawResponse> response(milliseconds limit = milliseconds(5000),
                                        bool head_request = false) {
        auto deadline = Clock::now() + limit;
        RawResponse response;
        std::size_t end;
        while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(deadline)) {
                return std::nullopt;
            }
        }
        std::string head = m_buffer.substr(0, end + 2);
        m_buffer.erase(0, end + 4);
        if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &response.status) != 1) {
            return std::nullopt;
        }
        std::size_t line = head.find("\r\n") + 2;
        while (line < head.size()) {
            std::size_t next = head.find("\r\n", line);
            std::string field = head.substr(line, next - line);
            std::size_t colon = field.find(':');
            std::size_t value = field.find_first_not_of(' ', colon + 1);
            response.headers.emplace_back(field.substr(0, colon),
                                          value == std::string::npos ? "" : field.substr(value));
            line = next + 2;
        }
        if (head_request || response.status == 204 || response.status == 304) {
            return response;
        }
        const std::string* encoding = response.header("Transfer-Encoding");
        const std::string* length = response.header("Content-Length");
        if (encoding != nullptr && *encoding == "chunked") {
            response.chunked = true;
            if (!read_chunked(response, deadline)) {
                return std::nullopt;
            }
        } else if (length != nullptr) {
            std::size_t size = std::stoul(*length);
            while (m_buffer.size() < size) {
                if (!fill(deadline)) {
                    return std::nullopt;
                }
            }
            response.body = m_buffer.substr(0, size);
            m_buffer.erase(0, size);
        } else {
            while (fill(deadline)) {
            }
            if (!m_closed) {
                return std::nullopt;
            }
            response.body = std::move(m_buffer);
            m_buffer.clear();
        }
        return response;
    }

    // Reads until `bytes` has arrived (in the raw stream); false at the deadline or the end.
    bool wait_for(std::string_view bytes, milliseconds limit) {
        auto deadline = Clock::now() + limit;
        while (m_buffer.find(bytes) == std::string::npos) {
            if (!fill(deadline)) {
                return false;
            }
        }
        return true;
    }

    const std::string& buffered() const { return m_buffer; }
    bool closed() const { return m_closed; }

  private:
    bool line(std::string& out, Clock::time_point deadline) {
        std::size_t end;
        while ((end = m_buffer.find("\r\n")) == std::string::npos) {
            if (!fill(deadline)) {
                return false;
            }
        }
        out = m_buffer.substr(0, end);
        m_buffer.erase(0, end + 2);
        return true;
    }

    bool read_chunked(RawResponse& response, Clock::time_point deadline) {
        while (true) {
            std::string size_line;
            if (!line(size_line, deadline)) {
                return false;
            }
            std::size_t size = std::stoul(size_line, nullptr, 16);
            if (size == 0) {
                break;
            }
            while (m_buffer.size() < size + 2) {
                if (!fill(deadline)) {
                    return false;
                }
            }
            response.body += m_buffer.substr(0, size);
            m_buffer.erase(0, size + 2);
        }
        while (true) {
            std::string trailer;
            if (!line(trailer, deadline)) {
                return false;
            }
            if (trailer.empty()) {
                return true;
            }
            std::size_t colon = trailer.find(':');
            response.trailers.emplace_back(trailer.substr(0, colon), trailer.substr(colon + 2));
        }
    }

    int m_fd;
    std::string m_buffer;
    bool m_closed = false;
};

// Sends one request on a new connection and reads its response.
inline std::optional<RawResponse> round_trip(int port, std::string_view request,
                                             milliseconds limit = milliseconds(5000)) {
    Fd fd = connect_to(port);
    if (!send_all(fd.get(), request)) {
        return std::nullopt;
    }
    RawReader reader(fd.get());
    return reader.response(limit);
}

// Answers "METHOD path|query|body|x-test|remote ip".
inline void echo(http::Request request, http::Responder responder) {
    const std::string* test = request.header("x-test");
    http::Response response;
    response.headers = {{"Content-Type", "text/plain"}, {"X-Version", request.version}};
    response.body = request.method + " " + request.path + "|" + request.query + "|" + request.body +
                    "|" + (test ? *test : "-") + "|" + request.remote_ip;
    responder.respond(std::move(response));
}

inline http::Response text(std::string body, int status = 200) {
    http::Response response;
    response.status = status;
    response.headers = {{"Content-Type", "text/plain"}};
    response.body = std::move(body);
    return response;
}

inline std::string get(std::string_view path, std::string_view extra = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

inline std::string post(std::string_view path, std::string_view body) {
    return "POST " + std::string(path) +
           " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + std::string(body);
}

// Times one GET on a new connection; a failed one counts as a minute.
inline milliseconds time_get(int port) {
    auto started = Clock::now();
    auto response = round_trip(port, get("/"), seconds(5));
    if (!response || response->status != 200) {
        return milliseconds(60000);
    }
    return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
}

// Waits (bounded) until `condition` holds.
template <class Condition> bool eventually(Condition condition, milliseconds limit) {
    auto deadline = Clock::now() + limit;
    while (!condition()) {
        if (Clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
}

// A handler that counts its calls and answers with the path.
struct Recorder {
    std::mutex mutex;
    std::vector<std::string> paths;

    http::Handler handler() {
        return [this](http::Request request, http::Responder responder) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                paths.push_back(request.path);
            }
            responder.respond(text(request.path));
        };
    }
    std::vector<std::string> seen() {
        std::lock_guard<std::mutex> lock(mutex);
        return paths;
    }
};

// A memory figure of this process from /proc/self/status, in KiB: "VmRSS" (resident now) or
// "VmHWM" (the peak since reset_peak_rss()).
inline long memory_kib(const std::string& field = "VmRSS") {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            return std::atol(line.c_str() + field.size() + 1);
        }
    }
    return 0;
}

// Restarts the peak resident memory (VmHWM) from the present.
inline void reset_peak_rss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

// Raises the soft limit of open files to `wanted`; false when the hard limit is lower.
inline bool raise_open_files(rlim_t wanted) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur >= wanted) {
        return true;
    }
    if (limit.rlim_max < wanted) {
        return false;
    }
    limit.rlim_cur = wanted;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

} // namespace lambda_local::testing
