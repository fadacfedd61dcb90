// The Runtime API's endpoints, status codes and headers, and the retry policy of /next.
#include "runtime/bootstrap/runtime_client.hpp"

#include "runtime/util/encoding.hpp"
#include "runtime/util/error.hpp"

#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::bootstrap {
namespace {

constexpr const char* k_base = "/2018-06-01/runtime";
constexpr const char* k_user_agent = "lambda-local-bootstrap/" LAMBDA_LOCAL_VERSION;

bool is_success(int status) {
    return status >= 200 && status <= 299;
}

std::string describe_status(const http::Response& response) {
    std::string text = "HTTP " + std::to_string(response.status);
    if (!response.body.empty()) {
        text += ": " + response.body.substr(0, 500);
    }
    return text;
}

// Header values may not carry line breaks: they would start a header of their own.
std::string header_safe(std::string_view value) {
    std::string out(value);
    for (char& c : out) {
        if (c == '\r' || c == '\n' || c == '\0') {
            c = ' ';
        }
    }
    return out;
}

http::Client client_for(std::string_view endpoint) {
    auto parts = split_endpoint(endpoint);
    if (!parts) {
        throw Error("AWS_LAMBDA_RUNTIME_API='" + std::string(endpoint) +
                    "' is not host:port (e.g. 127.0.0.1:9001)");
    }
    return http::Client(parts->first, parts->second);
}

} // namespace

std::string error_body(std::string_view error_type, std::string_view error_message) {
    nlohmann::ordered_json body = {{"errorMessage", error_message},
                                   {"errorType", error_type},
                                   {"stackTrace", nlohmann::json::array()}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::pair<std::string, int>> split_endpoint(std::string_view endpoint) {
    std::string_view host;
    std::string_view port;
    if (!endpoint.empty() && endpoint.front() == '[') {
        auto close = endpoint.find(']');
        if (close == std::string_view::npos || close + 1 >= endpoint.size() ||
            endpoint[close + 1] != ':') {
            return std::nullopt;
        }
        host = endpoint.substr(1, close - 1);
        port = endpoint.substr(close + 2);
    } else {
        auto colon = endpoint.rfind(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        host = endpoint.substr(0, colon);
        port = endpoint.substr(colon + 1);
    }
    if (host.empty() || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    int number = std::atoi(std::string(port).c_str());
    if (number < 1 || number > 65535) {
        return std::nullopt;
    }
    return std::make_pair(std::string(host), number);
}

std::string path_segment(std::string_view text) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

RuntimeClient::RuntimeClient(std::string_view endpoint, RetryPolicy policy)
    : m_client(client_for(endpoint)), m_policy(policy) {}

std::optional<Invocation> RuntimeClient::next() {
    const std::string path = std::string(k_base) + "/invocation/next";
    const http::HeaderList headers{{"User-Agent", k_user_agent}};
    auto backoff = m_policy.first_backoff;
    const int attempts = m_policy.next_attempts < 1 ? 1 : m_policy.next_attempts;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        std::optional<http::Response> response;
        try {
            response = m_client.request("GET", path, headers); // no timeout
        } catch (const Error& e) {
            m_error = "GET " + path + ": " + e.what();
        }
        if (response && response->status >= 500) {
            m_error = "GET " + path + " answered " + describe_status(*response) +
                      ": the runtime exits, as the Runtime API asks";
            return std::nullopt;
        }
        if (response && !is_success(response->status)) {
            m_error = "GET " + path + " answered " + describe_status(*response);
        } else if (response) {
            const std::string* id = response->header("Lambda-Runtime-Aws-Request-Id");
            if (id != nullptr && !id->empty()) {
                auto text = [&](const char* name) {
                    const std::string* value = response->header(name);
                    return value != nullptr ? *value : std::string();
                };
                Invocation invocation;
                invocation.request_id = *id;
                invocation.event = std::move(response->body);
                invocation.deadline_ms =
                    std::strtoll(text("Lambda-Runtime-Deadline-Ms").c_str(), nullptr, 10);
                invocation.invoked_function_arn = text("Lambda-Runtime-Invoked-Function-Arn");
                invocation.trace_id = text("Lambda-Runtime-Trace-Id");
                invocation.client_context = text("Lambda-Runtime-Client-Context");
                invocation.cognito_identity = text("Lambda-Runtime-Cognito-Identity");
                return invocation;
            }
            m_error = "GET " + path + " answered without a Lambda-Runtime-Aws-Request-Id header";
        }
        if (attempt < attempts) {
            std::this_thread::sleep_for(backoff);
            backoff *= 2;
        }
    }
    m_error = "giving up after " + std::to_string(attempts) + " attempts: " + m_error;
    return std::nullopt;
}

Posted RuntimeClient::post(const std::string& path, std::string_view body,
                           std::string_view error_type) {
    http::HeaderList headers{{"User-Agent", k_user_agent}, {"Content-Type", "application/json"}};
    if (!error_type.empty()) {
        headers.emplace_back("Lambda-Runtime-Function-Error-Type", header_safe(error_type));
    }
    http::Response response;
    try {
        response = m_client.request("POST", path, headers, body);
    } catch (const Error& e) {
        m_error = "POST " + path + ": " + e.what();
        return Posted::Fatal;
    }
    return answered("POST " + path, response);
}

Posted RuntimeClient::post_response(std::string_view request_id, std::string_view payload) {
    return post(std::string(k_base) + "/invocation/" + path_segment(request_id) + "/response",
                payload, {});
}

Posted RuntimeClient::post_error(std::string_view request_id, std::string_view error_type,
                                 std::string_view error_message) {
    return post(std::string(k_base) + "/invocation/" + path_segment(request_id) + "/error",
                error_body(error_type, error_message), error_type);
}

Posted RuntimeClient::post_init_error(std::string_view error_type, std::string_view error_message) {
    return post(std::string(k_base) + "/init/error", error_body(error_type, error_message),
                error_type);
}

} // namespace lambda_local::runtime::bootstrap

namespace lambda_local::runtime::bootstrap {

bool RuntimeClient::start_stream(std::string_view request_id, std::string_view content_type) {
    m_stream_path = std::string(k_base) + "/invocation/" + path_segment(request_id) + "/response";
    m_stream_broken = false;
    const http::HeaderList headers{
        {"User-Agent", k_user_agent},
        {"Content-Type", header_safe(content_type)},
        {"Lambda-Runtime-Function-Response-Mode", "streaming"},
        {"Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"}};
    try {
        m_client.open_chunked("POST", m_stream_path, headers);
    } catch (const Error& e) {
        m_error = "POST " + m_stream_path + ": " + e.what();
        m_stream_broken = true;
        return false;
    }
    return true;
}

bool RuntimeClient::stream_chunk(std::string_view bytes) {
    if (m_stream_broken) {
        return false;
    }
    try {
        m_client.send_chunk(bytes);
    } catch (const Error& e) {
        m_error = "POST " + m_stream_path + ": " + e.what();
        m_stream_broken = true;
        return false;
    }
    return true;
}

Posted RuntimeClient::finish_stream(std::string_view error_type, std::string_view error_message) {
    const std::string path = std::exchange(m_stream_path, std::string());
    if (m_stream_broken) {
        return Posted::Fatal; // error() says why
    }
    http::HeaderList trailers;
    if (!error_type.empty()) {
        trailers.emplace_back("Lambda-Runtime-Function-Error-Type", header_safe(error_type));
        trailers.emplace_back("Lambda-Runtime-Function-Error-Body",
                              base64_encode(error_body(error_type, error_message)));
    }
    http::Response response;
    try {
        response = m_client.finish_chunked(trailers);
    } catch (const Error& e) {
        m_error = "POST " + path + ": " + e.what();
        return Posted::Fatal;
    }
    return answered("POST " + path, response);
}

Posted RuntimeClient::answered(const std::string& what, const http::Response& response) {
    if (is_success(response.status)) {
        return Posted::Accepted;
    }
    m_error = what + " answered " + describe_status(response);
    return response.status >= 500 ? Posted::Fatal : Posted::Rejected;
}

} // namespace lambda_local::runtime::bootstrap
