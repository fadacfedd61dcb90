// A custom runtime (`provided.al2023`) in C++: a `bootstrap` that speaks the Lambda Runtime
// API over one keep-alive HTTP/1.1 connection, with nothing but POSIX sockets and
// nlohmann/json. It echoes each event with its context; an event {"fail": "why"} is answered
// with a typed error, and ECHO_INIT_FAIL=<message> in the environment fails init.
//
//   lambda-local invoke --bootstrap build/samples/bootstrap-cpp -d '{"hello":"world"}'
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

// Header names compared without case, as HTTP requires.
struct NoCase {
    bool operator()(const std::string& a, const std::string& b) const {
        return ::strcasecmp(a.c_str(), b.c_str()) < 0;
    }
};

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string, NoCase> headers;
    std::string body;
};

// One connection to the Runtime API, reopened when the server closed it.
class RuntimeApiClient {
  public:
    explicit RuntimeApiClient(const std::string& address) {
        auto colon = address.rfind(':');
        if (colon == std::string::npos) {
            throw std::runtime_error("AWS_LAMBDA_RUNTIME_API is not host:port: " + address);
        }
        m_host = address.substr(0, colon);
        m_port = address.substr(colon + 1);
    }
    ~RuntimeApiClient() { disconnect(); }

    // Sends one request (explicit Content-Length, no timeout: /next waits for an invocation).
    HttpResponse request(const std::string& method, const std::string& path,
                         const std::string& body = {}, const std::string& extra_headers = {}) {
        std::string message = method + " /2018-06-01" + path + " HTTP/1.1\r\nHost: " + m_host +
                              ":" + m_port + "\r\n" + extra_headers +
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (m_fd < 0) {
                connect();
            }
            if (send_all(message)) {
                HttpResponse response;
                if (read_response(response)) {
                    return response;
                }
            }
            disconnect(); // a kept-alive connection the server closed: once more, anew
        }
        throw std::runtime_error("the Runtime API did not answer " + method + " " + path);
    }

  private:
    void connect() {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (::getaddrinfo(m_host.c_str(), m_port.c_str(), &hints, &found) != 0 || !found) {
            throw std::runtime_error("cannot resolve " + m_host);
        }
        m_fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = m_fd >= 0 && ::connect(m_fd, found->ai_addr, found->ai_addrlen) == 0;
        ::freeaddrinfo(found);
        if (!ok) {
            std::string why = std::strerror(errno);
            disconnect();
            throw std::runtime_error("cannot connect to the Runtime API at " + m_host + ":" +
                                     m_port + ": " + why);
        }
        int on = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        m_buffer.clear();
    }

    void disconnect() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = -1;
    }

    bool send_all(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return false;
            }
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Reads until `m_buffer` holds at least `size` bytes; false when the connection ends.
    bool fill(std::size_t size) {
        char chunk[65536];
        while (m_buffer.size() < size) {
            ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return false;
            }
            m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
        return true;
    }

    bool read_response(HttpResponse& response) {
        std::size_t end;
        while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(m_buffer.size() + 1)) {
                return false;
            }
        }
        std::string head = m_buffer.substr(0, end);
        m_buffer.erase(0, end + 4);
        std::size_t line_end = head.find("\r\n");
        std::string status_line = head.substr(0, line_end);
        if (std::sscanf(status_line.c_str(), "HTTP/%*d.%*d %d", &response.status) != 1) {
            return false;
        }
        while (line_end != std::string::npos) {
            std::size_t start = line_end + 2;
            line_end = head.find("\r\n", start);
            std::string line = head.substr(start, line_end - start);
            auto colon = line.find(':');
            if (colon == std::string::npos) {
                continue;
            }
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            response.headers[line.substr(0, colon)] = value;
        }
        auto length = response.headers.find("Content-Length");
        std::size_t size = length == response.headers.end() ? 0 : std::stoul(length->second);
        if (!fill(size)) {
            return false;
        }
        response.body = m_buffer.substr(0, size);
        m_buffer.erase(0, size);
        auto connection = response.headers.find("Connection");
        if (connection != response.headers.end() &&
            ::strcasecmp(connection->second.c_str(), "close") == 0) {
            disconnect();
        }
        return true;
    }

    std::string m_host;
    std::string m_port;
    int m_fd = -1;
    std::string m_buffer;
};

std::string header(const HttpResponse& response, const std::string& name) {
    auto found = response.headers.find(name);
    return found == response.headers.end() ? std::string() : found->second;
}

std::string error_body(const std::string& type, const std::string& message) {
    return json{{"errorMessage", message}, {"errorType", type}, {"stackTrace", json::array()}}
        .dump();
}

// One invocation: the event echoed with its context, or the error it asks for.
void serve(RuntimeApiClient& api, const HttpResponse& next) {
    const std::string id = header(next, "Lambda-Runtime-Aws-Request-Id");
    const std::string trace = header(next, "Lambda-Runtime-Trace-Id");
    if (!trace.empty()) {
        ::setenv("_X_AMZN_TRACE_ID", trace.c_str(), 1);
    }
    json event = json::parse(next.body, nullptr, false);
    if (event.is_object() && event.contains("fail")) {
        std::string why = event["fail"].is_string() ? event["fail"].get<std::string>() : "failed";
        std::fprintf(stderr, "bootstrap-cpp: failing %s: %s\n", id.c_str(), why.c_str());
        api.request("POST", "/runtime/invocation/" + id + "/error", error_body("EchoError", why),
                    "Content-Type: application/json\r\n"
                    "Lambda-Runtime-Function-Error-Type: EchoError\r\n");
        return;
    }
    json context = {{"aws_request_id", id},
                    {"deadline_ms", std::stoll("0" + header(next, "Lambda-Runtime-Deadline-Ms"))},
                    {"invoked_function_arn", header(next, "Lambda-Runtime-Invoked-Function-Arn")},
                    {"xray_trace_id", trace}};
    for (const char* optional :
         {"Lambda-Runtime-Client-Context", "Lambda-Runtime-Cognito-Identity"}) {
        if (!header(next, optional).empty()) {
            context[optional] = header(next, optional);
        }
    }
    json response = {{"event", event.is_discarded() ? json(next.body) : event},
                     {"context", context}};
    HttpResponse posted = api.request("POST", "/runtime/invocation/" + id + "/response",
                                      response.dump(), "Content-Type: application/json\r\n");
    if (posted.status != 202) {
        std::fprintf(stderr, "bootstrap-cpp: response for %s: %d %s\n", id.c_str(), posted.status,
                     posted.body.c_str());
    }
}

} // namespace

int main() {
    const char* address = std::getenv("AWS_LAMBDA_RUNTIME_API");
    if (address == nullptr || *address == '\0') {
        std::fprintf(stderr, "bootstrap-cpp: AWS_LAMBDA_RUNTIME_API is not set\n");
        return 1;
    }
    try {
        RuntimeApiClient api(address);
        if (const char* fail = std::getenv("ECHO_INIT_FAIL"); fail != nullptr && *fail) {
            api.request("POST", "/runtime/init/error", error_body("EchoInitError", fail),
                        "Content-Type: application/json\r\n"
                        "Lambda-Runtime-Function-Error-Type: EchoInitError\r\n");
            return 1;
        }
        for (;;) {
            HttpResponse next = api.request("GET", "/runtime/invocation/next");
            if (next.status != 200) {
                std::fprintf(stderr, "bootstrap-cpp: /next answered %d %s\n", next.status,
                             next.body.c_str());
                return 1;
            }
            serve(api, next);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bootstrap-cpp: %s\n", e.what());
        return 1;
    }
}
