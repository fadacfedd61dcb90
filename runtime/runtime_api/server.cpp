// Routing the runtime's HTTP requests to the Runtime API's state, and serving them.
#include "runtime/runtime_api/server.hpp"

#include "runtime/report.hpp"

#include <string_view>

namespace lambda_local::runtime::runtime_api {
namespace {

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

} // namespace

void handle_request(State& state, const http::Request& request,
                    std::function<void(http::Response)> reply) {
    const std::string& path = request.path;
    auto only = [&request](const char* method) { return request.method == method; };
    if (path == "/2018-06-01/runtime/invocation/next") {
        if (!only("GET")) {
            reply(plain(405, "405 method not allowed\n"));
            return;
        }
        state.next([reply](Reply answer) { reply(to_response(std::move(answer))); });
        return;
    }
    if (path == "/2018-06-01/runtime/init/error") {
        reply(only("POST")
                  ? to_response(state.init_error(error_type_header(request), posted(request)))
                  : plain(405, "405 method not allowed\n"));
        return;
    }
    if (path.size() > k_invocation_prefix.size() && path.starts_with(k_invocation_prefix)) {
        std::string_view rest = std::string_view(path).substr(k_invocation_prefix.size());
        auto slash = rest.find('/');
        if (slash != std::string_view::npos && slash > 0) {
            std::string_view id = rest.substr(0, slash);
            std::string_view action = rest.substr(slash + 1);
            if (action == "response") {
                reply(only("POST") ? to_response(state.response(id, posted(request)))
                                   : plain(405, "405 method not allowed\n"));
                return;
            }
            if (action == "error") {
                reply(only("POST") ? to_response(state.error(id, error_type_header(request),
                                                             posted(request)))
                                   : plain(405, "405 method not allowed\n"));
                return;
            }
        }
    }
    reply(plain(404, "404 page not found\n"));
}

} // namespace lambda_local::runtime::runtime_api
