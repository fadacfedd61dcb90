// Invocation results from a custom runtime's answers.
#include "runtime/runtime_api/result.hpp"

#include "runtime/execution/report.hpp"
#include "runtime/util/json_depth.hpp"

#include <nlohmann/json.hpp>

namespace lambda_local::runtime::runtime_api {
namespace {

// The error JSON as the runtime posted it; Lambda's shape with an empty message when it
// posted nothing.
std::string posted_error_payload(const std::string& body, const std::string& type) {
    return body.empty() ? error_payload(type, "", false) : body;
}

// The "errorMessage" of a posted error JSON, or "".
std::string posted_error_message(const std::string& body) {
    auto parsed = parse_json_bounded<nlohmann::json>(body);
    if (parsed.is_object()) {
        auto message = parsed.find("errorMessage");
        if (message != parsed.end() && message->is_string()) {
            return message->get<std::string>();
        }
    }
    return "";
}

} // namespace

void apply_answer(const Notice& notice, InvocationResult& result) {
    switch (notice.kind) {
    case Notice::Kind::Response:
        result.status = InvocationStatus::Success;
        result.error_type.clear();
        result.payload = notice.body;
        return;
    case Notice::Kind::Error:
        result.status = InvocationStatus::FunctionError;
        result.error_type = posted_error_type(notice.error_type, notice.body, "Unhandled");
        result.payload = posted_error_payload(notice.body, result.error_type);
        return;
    case Notice::Kind::ResponseTooLarge:
        set_response_too_large(result, k_max_response_payload);
        return;
    case Notice::Kind::StreamEnded:
        result.status = InvocationStatus::Success;
        result.error_type.clear();
        result.payload = notice.body;
        result.streamed = true;
        return;
    case Notice::Kind::StreamError:
        // A mid-stream error (docs/custom-runtimes.md): the bytes already written stay written.
        result.status = InvocationStatus::FunctionError;
        result.error_type = posted_error_type(notice.error_type, notice.body, "Unhandled");
        result.payload = posted_error_payload(notice.body, result.error_type);
        result.streamed = true;
        return;
    case Notice::Kind::Ready:
    case Notice::Kind::Next:
    case Notice::Kind::InitError:
    case Notice::Kind::StreamStarted:
    case Notice::Kind::StreamBroken:
        return; // not an answer to an invocation
    }
}

void apply_init_error(const Notice& notice, InvocationResult& result) {
    result.status = InvocationStatus::InitError;
    result.error_type = posted_error_type(notice.error_type, notice.body, "Runtime.InitError");
    result.payload = posted_error_payload(notice.body, result.error_type);
    result.log_lines.push_back("[ERROR] " + result.error_type + ": " +
                               posted_error_message(notice.body));
}

} // namespace lambda_local::runtime::runtime_api
