// End-to-end tests of --debug: gdb in batch mode attaches to the handler process through
// 127.0.0.1, stops at the handler's symbol, prints a backtrace, and leaves; the invocation then
// completes with its own answer. Skipped (with a message) where gdb or gdbserver is missing.
#include "tests/e2e/process.hpp"
#include "tests/e2e/report_line.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

namespace lambda_local::e2e {

namespace {

// `name` in a directory of the PATH, or nothing.
std::optional<std::string> on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream directories(path != nullptr ? path : "/usr/bin:/bin");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        std::string candidate = directory + "/" + name;
        if (!directory.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

// True when gdb and gdbserver are both installed; else says which is missing.
bool debuggers_installed() {
    for (const char* tool : {"gdb", "gdbserver"}) {
        if (!on_path(tool)) {
            MESSAGE("skipped: " << tool
                                << " is not installed (Debian: apt-get install gdb "
                                   "gdbserver)");
            return false;
        }
    }
    return true;
}

// A listening socket on 127.0.0.1 on a port the kernel chose; the port in `port`.
int listen_on_free_port(int& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    socklen_t size = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    port = ntohs(address.sin_port);
    return fd;
}

// A port free a moment ago (the kernel does not hand it out again at once).
int free_port() {
    int port = 0;
    ::close(listen_on_free_port(port));
    return port;
}

// gdb in batch mode: connects to 127.0.0.1:`port` (retrying while lambda-local starts), stops
// at the handler `symbol`, then runs `at_breakpoint` and quits, which detaches.
class BatchGdb {
  public:
    BatchGdb(int port, const std::string& symbol, std::vector<std::string> at_breakpoint) {
        std::vector<std::string> argv{*on_path("gdb"),
                                      "-nx",
                                      "-q",
                                      "-batch",
                                      "-ex",
                                      "set breakpoint pending on",
                                      "-ex",
                                      "set tcp connect-timeout 30",
                                      "-ex",
                                      "target remote 127.0.0.1:" + std::to_string(port),
                                      "-ex",
                                      "break -qualified " + symbol,
                                      "-ex",
                                      "continue"};
        for (const std::string& command : at_breakpoint) {
            argv.push_back("-ex");
            argv.push_back(command);
        }
        RunOptions options;
        options.bound = std::chrono::seconds(120);
        m_thread = std::thread([this, argv, options] { m_result = run_process(argv, options); });
    }
    BatchGdb(const BatchGdb&) = delete;
    BatchGdb& operator=(const BatchGdb&) = delete;
    ~BatchGdb() {
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    // Waits for gdb to end; what it printed.
    const ProcessResult& result() {
        if (m_thread.joinable()) {
            m_thread.join();
        }
        return m_result;
    }

  private:
    std::thread m_thread;
    ProcessResult m_result;
};

// CHECKs that gdb stopped at `symbol` and that its backtrace's innermost frame is there.
void check_stopped_at(const ProcessResult& gdb, const std::string& symbol) {
    INFO(describe(gdb));
    const std::string printed = gdb.out + gdb.err;
    CHECK(printed.find("Breakpoint 1, ") != std::string::npos);
    bool innermost = false;
    for (const std::string& line : split_lines(printed)) {
        if (line.rfind("#0 ", 0) == 0 && line.find(" " + symbol + " (") != std::string::npos) {
            innermost = true;
        }
    }
    CHECK(innermost);
}

// The Duration (ms) of the REPORT line of `request_id`, which must say a debugger was attached.
double check_debugger_report(const ProcessResult& result, const std::string& request_id) {
    const std::string line = report_line_of(split_lines(result.err), request_id);
    INFO(line);
    std::smatch match;
    const std::regex pattern("^REPORT RequestId: " + request_id +
                             "\tDuration: ([0-9]+\\.[0-9]{2}) ms\tBilled Duration: [0-9]+ ms\t"
                             "Memory Size: 128 MB\tMax Memory Used: [0-9]+ MB\t"
                             "Init Duration: [0-9]+\\.[0-9]{2} ms\tDebugger: attached\t$");
    REQUIRE(std::regex_match(line, match, pattern));
    return std::stod(match[1].str());
}

std::vector<std::string> invoke_echo(int port, const std::string& name,
                                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"invoke",
                                  "-l",
                                  sample_library("libecho_cpp.so"),
                                  "-H",
                                  "handle",
                                  "-d",
                                  R"({"name":")" + name + R"("})",
                                  "--debug",
                                  std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

TEST_SUITE_BEGIN("e2e::debug");

TEST_CASE("gdb attached with --debug stops at the handler, and the invocation then completes") {
    if (!debuggers_installed()) {
        return;
    }
    std::vector<std::string> network;
    SUBCASE("on the host's network") {}
    SUBCASE("with --network isolated: the port is the host's 127.0.0.1 all the same") {
        network = {"--network", "isolated"};
    }
    const int port = free_port();
    LeftoverWatch leftovers;
    BatchGdb gdb(port, "handle", {"bt"});
    RunOptions options;
    options.bound = std::chrono::seconds(120);
    const ProcessResult r = lambda_local(invoke_echo(port, "gdb", network), options);
    const ProcessResult& debugger = gdb.result();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    check_stopped_at(debugger, "handle");
    const nlohmann::json answer = parse_json(r.out);
    CHECK(answer["event"]["name"] == "gdb");
    const std::string id = start_request_id(r);
    CHECK(answer["request_id"] == id);
    check_debugger_report(r, id);
    // What to attach with, as printed.
    CHECK(r.err.find("gdb -q -ex 'set breakpoint pending on' -ex 'target remote 127.0.0.1:" +
                     std::to_string(port) + "' -ex 'break handle' -ex continue") !=
          std::string::npos);
    CHECK(r.err.find("\"miDebuggerServerAddress\": \"127.0.0.1:" + std::to_string(port) + "\"") !=
          std::string::npos);
    CHECK(r.err.find("\"gdb-remote 127.0.0.1:" + std::to_string(port) + "\"") != std::string::npos);
    leftovers.check_nothing_left(r);
}

TEST_CASE("the timeout does not fire while the handler is held at a breakpoint") {
    if (!debuggers_installed()) {
        return;
    }
    const int port = free_port();
    BatchGdb gdb(port, "handle", {"shell sleep 3", "bt"});
    RunOptions options;
    options.bound = std::chrono::seconds(120);
    const ProcessResult r = lambda_local(invoke_echo(port, "held", {"-t", "1"}), options);
    const ProcessResult& debugger = gdb.result();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    check_stopped_at(debugger, "handle");
    CHECK(parse_json(r.out)["event"]["name"] == "held");
    // Held 3 s at the breakpoint, past the 1 s timeout, and not ended for it.
    CHECK(check_debugger_report(r, start_request_id(r)) > 1000.0);
    CHECK(r.err.find("Status: timeout") == std::string::npos);
}

TEST_CASE("--debug without gdbserver says how to install it") {
    TempDir empty;
    RunOptions options;
    options.extra_env = {{"PATH", empty.path()}};
    const ProcessResult r = lambda_local(invoke_echo(free_port(), "none"), options);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err == "lambda-local: error: --debug needs gdbserver, which is not on the PATH (" +
                       empty.path() +
                       "): install it (Debian and Ubuntu: apt-get install gdbserver)\n");
    CHECK(r.out.empty());
}

TEST_CASE("--debug on a port in use is refused before anything runs") {
    if (!debuggers_installed()) {
        return;
    }
    int port = 0;
    const int taken = listen_on_free_port(port);
    const ProcessResult r = lambda_local(invoke_echo(port, "busy"));
    ::close(taken);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err == "lambda-local: error: --debug: cannot listen on 127.0.0.1:" +
                       std::to_string(port) + ": bind failed: Address already in use\n");
    CHECK(r.err.find("START") == std::string::npos);
}

TEST_CASE("test --debug runs the cases under the debugger, one file at a time") {
    if (!debuggers_installed()) {
        return;
    }
    TempDir dir;
    const std::string file =
        dir.write("echo.test.yaml", "function:\n  library: " + sample_library("libecho_cpp.so") +
                                        "\n  handler: handle\n"
                                        "cases:\n"
                                        "  - name: echoes under gdb\n"
                                        "    event: {name: tested}\n"
                                        "    expect:\n"
                                        "      response_subset:\n"
                                        "        event: {name: tested}\n");
    const int port = free_port();
    BatchGdb gdb(port, "handle", {"bt"});
    RunOptions options;
    options.bound = std::chrono::seconds(120);
    const ProcessResult r =
        lambda_local({"test", "-j", "2", "--debug", std::to_string(port), file}, options);
    const ProcessResult& debugger = gdb.result();
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("1 passed, 0 failed") != std::string::npos);
    check_stopped_at(debugger, "handle");
}

TEST_CASE("serve --debug-function debugs the environment of that function") {
    if (!debuggers_installed()) {
        return;
    }
    const int port = free_port();
    ServeProcess serve({"-l", sample_library("libecho_cpp.so"), "-H", "handle", "--debug-function",
                        "echo_cpp", "--debug", std::to_string(port)});
    REQUIRE(serve.wait_for_log("127.0.0.1:" + std::to_string(port)));
    BatchGdb gdb(port, "handle", {"bt"});
    const runtime::http::Response response = serve_request(serve, "GET", "/debugged");
    const ProcessResult& debugger = gdb.result();
    INFO(describe(response));
    CHECK(response.status == 200);
    CHECK(response.body.find("/debugged") != std::string::npos);
    check_stopped_at(debugger, "handle");
    CHECK(serve.wait_for_log("\tDebugger: attached\t"));
    CHECK(serve.stop() == 0);
}

TEST_CASE("serve --debug-function refuses a function the project does not have") {
    if (!debuggers_installed()) {
        return;
    }
    const ProcessResult r = lambda_local({"serve", "-l", sample_library("libecho_cpp.so"),
                                          "--debug-function", "nope", "--port", "0"});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err == "lambda-local: error: --debug-function nope: no such function (echo_cpp)\n");
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
