// Routing the runtime's HTTP requests to the Runtime API's state, and serving them.
#include "runtime/runtime_api/server.hpp"

#include "runtime/report.hpp"
#include "runtime/util/error.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

namespace lambda_local::runtime::runtime_api {
namespace {

// Bodies up to this size reach the state, which answers 413 past k_max_payload with Lambda's
// body and ends the invocation; past it the HTTP layer answers the same 413 by itself.
constexpr std::size_t k_max_read_body = 64u << 20;
// A runtime makes one request at a time; a few threads leave room for a second connection
// (a client's pool) and for a broken runtime's stray requests.
constexpr int k_threads = 4;

constexpr std::string_view k_invocation_prefix = "/2018-06-01/runtime/invocation/";

http::Response to_response(Reply reply) {
    return {reply.status, std::move(reply.headers), std::move(reply.body)};
}

http::Response plain(int status, std::string body) {
    return {status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

Posted posted(const http::Request& request) {
    if (request.body.size() > k_max_payload) {
        return {{}, true};
    }
    return {request.body, false};
}

std::string error_type_header(const http::Request& request) {
    const std::string* type = request.header("Lambda-Runtime-Function-Error-Type");
    return type ? *type : std::string();
}

http::Response too_large_response(int status) {
    if (status != 413) {
        return plain(status, std::string(http::reason_phrase(status)) + "\n");
    }
    return {413,
            {{"Content-Type", "application/json"}},
            error_payload("RequestEntityTooLarge",
                          "Exceeded maximum allowed payload size (" +
                              std::to_string(k_max_payload) + " bytes).",
                          false)};
}

} // namespace

http::Response handle_request(State& state, const http::Request& request) {
    const std::string& path = request.path;
    auto only = [&request](const char* method) { return request.method == method; };
    if (path == "/2018-06-01/runtime/invocation/next") {
        return only("GET") ? to_response(state.next()) : plain(405, "405 method not allowed\n");
    }
    if (path == "/2018-06-01/runtime/init/error") {
        return only("POST")
                   ? to_response(state.init_error(error_type_header(request), posted(request)))
                   : plain(405, "405 method not allowed\n");
    }
    if (path.size() > k_invocation_prefix.size() && path.starts_with(k_invocation_prefix)) {
        std::string_view rest = std::string_view(path).substr(k_invocation_prefix.size());
        auto slash = rest.find('/');
        if (slash != std::string_view::npos && slash > 0) {
            std::string_view id = rest.substr(0, slash);
            std::string_view action = rest.substr(slash + 1);
            if (action == "response") {
                return only("POST") ? to_response(state.response(id, posted(request)))
                                    : plain(405, "405 method not allowed\n");
            }
            if (action == "error") {
                return only("POST") ? to_response(state.error(id, error_type_header(request),
                                                              posted(request)))
                                    : plain(405, "405 method not allowed\n");
            }
        }
    }
    return plain(404, "404 page not found\n");
}

namespace {

http::ServerOptions server_options() {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = k_threads;
    options.max_body = k_max_read_body;
    options.error_response = too_large_response;
    return options;
}

} // namespace

Server::Server(Fd listener)
    : m_notify(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), m_state([this] {
          std::uint64_t one = 1;
          [[maybe_unused]] ssize_t written = ::write(m_notify.get(), &one, sizeof one);
      }),
      m_http(server_options(),
             [this](const http::Request& request) { return handle_request(m_state, request); }) {
    if (!m_notify) {
        throw Error("cannot start the Runtime API: " + os_error("eventfd"));
    }
    if (listener) {
        m_http.start(std::move(listener));
    } else {
        m_http.start();
    }
}

Server::Server() : Server(Fd()) {}

Server::~Server() {
    stop();
}

std::string Server::address() const {
    return "127.0.0.1:" + std::to_string(m_http.port());
}

void Server::clear_notify() const {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t read = ::read(m_notify.get(), &count, sizeof count);
}

void Server::stop() {
    m_state.close();
    m_http.stop();
}

} // namespace lambda_local::runtime::runtime_api
