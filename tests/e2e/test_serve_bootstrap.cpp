// End-to-end: `lambda-local serve --bootstrap DIR` serves a custom runtime behind the gateway
// and the Invoke API, warm between requests.
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace lambda_local::e2e;

namespace {

// The ports `pid` listens on (its sockets among /proc/net/tcp's LISTEN lines).
std::vector<int> listening_ports(pid_t pid) {
    std::set<std::string> sockets;
    const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    for (const auto& entry : std::filesystem::directory_iterator(fd_dir)) {
        std::error_code error;
        std::string target = std::filesystem::read_symlink(entry.path(), error).string();
        if (!error && target.rfind("socket:[", 0) == 0) {
            sockets.insert(target.substr(8, target.size() - 9));
        }
    }
    std::vector<int> ports;
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, own, remote, state, queues, timer, retransmits, uid, timeout, inode;
        if ((fields >> slot >> own >> remote >> state >> queues >> timer >> retransmits >> uid >>
             timeout >> inode) &&
            state == "0A" && sockets.count(inode) > 0) {
            ports.push_back(std::stoi(own.substr(own.find(':') + 1), nullptr, 16));
        }
    }
    return ports;
}

// Sends `request` to 127.0.0.1:`port` from the address `from` and returns the first line of the
// answer ("" when none came within 10 s).
std::string first_answer_line(int port, const std::string& request,
                              const char* from = "127.0.0.1") {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, from, &source.sin_addr) == 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0);
    timeval bound{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
        char buffer[512];
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            answer.assign(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return answer.substr(0, answer.find("\r\n"));
}

} // namespace

TEST_SUITE("e2e::serve bootstrap") {

    TEST_CASE("a custom runtime is served through the gateway and the Invoke API, warm") {
        ServeProcess server({"--bootstrap", sample_library("bootstrap-cpp")});
        auto first = serve_request(server, "GET", "/orders/7?x=1");
        INFO(server.log());
        REQUIRE(first.status == 200);
        // The runtime echoes {"event":..., "context":...}; the HTTP API infers a 200 JSON answer.
        nlohmann::json answer = parse_json(first.body);
        CHECK(answer.at("event").at("rawPath") == "/orders/7");
        CHECK(answer.at("event").at("routeKey") == "ANY /{proxy+}");
        CHECK(answer.at("context").at("invoked_function_arn") ==
              "arn:aws:lambda:us-east-1:123456789012:function:bootstrap-cpp");

        auto invoked =
            serve_request(server, "POST", "/2015-03-31/functions/bootstrap-cpp/invocations", {},
                          R"({"fail":"no such order"})");
        REQUIRE(invoked.status == 200);
        CHECK(header_text(invoked, "X-Amz-Function-Error") == "Unhandled");
        CHECK(invoked.body.find("no such order") != std::string::npos);

        REQUIRE(server.wait_for_log_count("REPORT RequestId:", 2) == 2);
        std::string log = server.log();
        // One cold start (Init Duration on the first REPORT only): the second request was warm.
        std::size_t init = log.find("Init Duration");
        CHECK(init != std::string::npos);
        CHECK(log.find("Init Duration", init + 1) == std::string::npos);
        CHECK(server.stop() == 0);
    }

    TEST_CASE("a process outside the environment cannot take its invocations from its Runtime "
              "API") {
        // Under --network host the Runtime API listens on the host's loopback: any process may
        // connect (another function's handler, as here this test). It must not get the
        // environment's next invocation, nor answer one.
        ServeProcess server({"--bootstrap", sample_library("bootstrap-cpp")});
        REQUIRE(serve_request(server, "GET", "/warm").status == 200); // the runtime waits in /next
        std::vector<int> endpoints;
        for (int port : listening_ports(server.pid())) {
            if (port != server.port()) {
                endpoints.push_back(port);
            }
        }
        REQUIRE(endpoints.size() == 1);
        CHECK(first_answer_line(endpoints[0],
                                "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\n\r\n") == "HTTP/1.1 403 Forbidden");
        CHECK(first_answer_line(endpoints[0],
                                "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\n"
                                "Content-Length: 2\r\n\r\n{}") == "HTTP/1.1 403 Forbidden");
        // From another loopback address: the lookup uses the endpoint's, not the client's.
        CHECK(first_answer_line(endpoints[0],
                                "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\n\r\n",
                                "127.0.0.2") == "HTTP/1.1 403 Forbidden");
        // The environment's own runtime goes on as before.
        auto after = serve_request(server, "GET", "/after");
        INFO(server.log());
        CHECK(after.status == 200);
        CHECK(parse_json(after.body).at("event").at("rawPath") == "/after");
        CHECK(server.stop() == 0);
    }

} // TEST_SUITE
