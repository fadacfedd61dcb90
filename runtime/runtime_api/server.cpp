// Routing the runtime's HTTP requests to the Runtime API's state, and serving them.
#include "runtime/runtime_api/server.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/util/encoding.hpp"

#include <strings.h>

#include <optional>

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
    if (request.body.size() > k_max_response_payload) {
        return {{}, true};
    }
    return {request.body, false};
}

std::string error_type_header(const http::Request& request) {
    const std::string* type = request.header("Lambda-Runtime-Function-Error-Type");
    return type ? *type : std::string();
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// The request id of a POST .../invocation/{id}/response, or "".
std::string_view response_id(const http::Request& request) {
    const std::string& path = request.path;
    if (request.method != "POST" || path.size() <= k_invocation_prefix.size() ||
        !path.starts_with(k_invocation_prefix)) {
        return {};
    }
    std::string_view rest = std::string_view(path).substr(k_invocation_prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0 || rest.substr(slash + 1) != "response") {
        return {};
    }
    return rest.substr(0, slash);
}

bool streaming_mode(const http::Request& request) {
    const std::string* mode = request.header("Lambda-Runtime-Function-Response-Mode");
    return mode != nullptr && iequals(*mode, "streaming");
}

std::string content_type(const http::Request& request) {
    const std::string* type = request.header("Content-Type");
    return type ? *type : std::string();
}

// The end of a streamed /response: an error when its trailers report one.
Reply end_stream(State& state, const http::Request& request) {
    const std::string* type =
        http::find_header(request.trailers, "Lambda-Runtime-Function-Error-Type");
    if (type == nullptr || type->empty()) {
        return state.end_stream({}, {});
    }
    const std::string* body =
        http::find_header(request.trailers, "Lambda-Runtime-Function-Error-Body");
    std::string error_body;
    if (body != nullptr) {
        std::optional<std::string> decoded = base64_decode(*body);
        error_body = decoded ? std::move(*decoded) : *body;
    }
    return state.end_stream(*type, std::move(error_body));
}

// A streamed /response that came whole (not taken as it arrived): begun and ended at once.
Reply whole_stream(State& state, const http::Request& request, std::string_view id) {
    if (auto refused = state.begin_stream(id, content_type(request), {})) {
        return std::move(*refused);
    }
    state.stream_bytes(request.body);
    return end_stream(state, request);
}

} // namespace

bool begin_streamed_response(State& state, const http::Request& head,
                             std::function<void()> resume) {
    std::string_view id = response_id(head);
    if (id.empty() || !streaming_mode(head)) {
        return false;
    }
    return !state.begin_stream(id, content_type(head), std::move(resume)).has_value();
}

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
                if (!only("POST")) {
                    reply(plain(405, "405 method not allowed\n"));
                } else if (request.body_streamed) {
                    reply(to_response(end_stream(state, request)));
                } else if (streaming_mode(request)) {
                    reply(to_response(whole_stream(state, request, id)));
                } else {
                    reply(to_response(state.response(id, posted(request))));
                }
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
