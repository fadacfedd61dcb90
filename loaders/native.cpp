// The native ABI: the host side of lambda_local_api.
#include "loaders/native.hpp"

#include "lambda_local.h"
#include "runtime/execution/response_stream.hpp"
#include "runtime/util/clock.hpp"

#include <mutex>
#include <string>

// The definition behind the header's opaque type: one invocation, or the init phase.
struct lambda_local_invocation {
    const std::string* event = nullptr;
    const lambda_local::loaders::Context* context = nullptr;
    bool init = false;
    std::once_flag context_json_written; // on the handler's first call, from any thread
    std::string context_json;
    std::string scratch;
    bool responded = false;
    std::string payload;
    bool failed = false;
    std::string error_type;
    std::string error_message;
    // Version 2: where a streamed response goes (null: none can be), whether one started, and
    // whether the stream refused a write (every later one is refused too).
    lambda_local::loaders::StreamOutput* stream = nullptr;
    bool streaming = false;
    bool stream_refused = false;
};

namespace lambda_local::loaders {
namespace {

const char* api_event(const lambda_local_invocation* inv, size_t* len) {
    if (len != nullptr) {
        *len = inv->event->size();
    }
    return inv->event->c_str();
}

const char* api_context_value(const lambda_local_invocation* inv, const char* key) {
    if (key == nullptr) {
        return nullptr;
    }
    auto* self = const_cast<lambda_local_invocation*>(inv);
    return inv->context->value(key, self->scratch);
}

const char* api_context_json(const lambda_local_invocation* inv) {
    auto* self = const_cast<lambda_local_invocation*>(inv);
    std::call_once(self->context_json_written,
                   [self] { self->context_json = self->context->to_json(); });
    return inv->context_json.c_str();
}

int64_t api_deadline_ms(const lambda_local_invocation* inv) {
    return inv->context->deadline_ms;
}

int64_t api_remaining_time_ms(const lambda_local_invocation* inv) {
    int64_t left = inv->context->deadline_ms - epoch_ms();
    return left > 0 ? left : 0;
}

int api_respond(lambda_local_invocation* inv, const char* payload, size_t len) {
    if (inv->init || inv->streaming) {
        return -1;
    }
    inv->payload.assign(payload != nullptr ? payload : "", payload != nullptr ? len : 0);
    inv->responded = true;
    return 0;
}

int api_fail(lambda_local_invocation* inv, const char* error_type, const char* error_message) {
    inv->failed = true;
    inv->error_type = error_type != nullptr ? error_type : "HandlerError";
    inv->error_message = error_message != nullptr ? error_message : "";
    return 0;
}

// Whether a stream may start now: not during init, not after respond() or another start.
bool may_start_stream(const lambda_local_invocation* inv) {
    return !inv->init && !inv->responded && !inv->streaming && inv->stream != nullptr;
}

bool start_stream(lambda_local_invocation* inv, std::string_view content_type) {
    if (!inv->stream->start(content_type)) {
        return false;
    }
    inv->streaming = true;
    return true;
}

int api_stream_start(lambda_local_invocation* inv, const char* content_type) {
    if (!may_start_stream(inv)) {
        return -1;
    }
    return start_stream(inv, content_type != nullptr
                                 ? std::string_view(content_type)
                                 : lambda_local::runtime::k_default_stream_content_type)
               ? 0
               : -1;
}

// The stream's next bytes; false (and every later write refused) when the output refuses.
bool write_stream(lambda_local_invocation* inv, std::string_view bytes) {
    if (inv->stream_refused) {
        return false;
    }
    if (!bytes.empty() && !inv->stream->write(bytes)) {
        inv->stream_refused = true;
        return false;
    }
    return true;
}

int api_stream_http_start(lambda_local_invocation* inv, const char* prelude_json, size_t len) {
    if (!may_start_stream(inv) || (prelude_json == nullptr && len > 0)) {
        return -1;
    }
    if (!start_stream(inv, lambda_local::runtime::k_http_integration_content_type)) {
        return -1;
    }
    // Lambda's HTTP integration form: the prelude, eight NUL bytes, then the body.
    std::string head = len > 0 ? std::string(prelude_json, len) : std::string("{}");
    head += lambda_local::runtime::k_http_prelude_delimiter;
    return write_stream(inv, head) ? 0 : -1;
}

int api_stream_write(lambda_local_invocation* inv, const char* data, size_t len) {
    if (inv->init || inv->stream == nullptr || (data == nullptr && len > 0)) {
        return -1;
    }
    if (!inv->streaming) {
        if (inv->responded ||
            !start_stream(inv, lambda_local::runtime::k_default_stream_content_type)) {
            return -1;
        }
    }
    return write_stream(inv, std::string_view(data != nullptr ? data : "", len)) ? 0 : -1;
}

const lambda_local_api k_api = {
    LAMBDA_LOCAL_ABI_VERSION,
    sizeof(lambda_local_api),
    api_event,
    api_context_value,
    api_context_json,
    api_deadline_ms,
    api_remaining_time_ms,
    api_respond,
    api_fail,
    api_stream_start,
    api_stream_http_start,
    api_stream_write,
};

class NativeHandler final : public Handler {
  public:
    NativeHandler(Library library, lambda_local_handler_fn entry)
        : m_library(std::move(library)), m_entry(entry) {}

    Outcome invoke(const std::string& event, const Context& context,
                   StreamOutput* stream) override {
        lambda_local_invocation inv;
        inv.event = &event;
        inv.context = &context;
        inv.stream = stream;
        int status = m_entry(&k_api, &inv);
        Outcome outcome;
        outcome.streamed = inv.streaming;
        if (inv.failed) {
            outcome.ok = false;
            outcome.error = {std::move(inv.error_type), std::move(inv.error_message)};
        } else if (status != 0) {
            outcome.ok = false;
            outcome.error = {"HandlerError", "handler returned " + std::to_string(status)};
        } else if (!inv.streaming) {
            outcome.payload = inv.responded ? std::move(inv.payload) : std::string("null");
        }
        return outcome;
    }

  private:
    Library m_library;
    lambda_local_handler_fn m_entry;
};

} // namespace

LoadResult load_native_handler(Library library, void* version_marker, void* entry,
                               const Context& init_context) {
    LoadResult result;
    auto version = reinterpret_cast<lambda_local_abi_version_fn>(version_marker)();
    if (version == 0 || version > LAMBDA_LOCAL_ABI_VERSION) {
        result.error =
            HandlerError{"Runtime.InvalidEntrypoint",
                         "the library was built for native ABI version " + std::to_string(version) +
                             "; this lambda-local supports versions 1 to " +
                             std::to_string(LAMBDA_LOCAL_ABI_VERSION)};
        return result;
    }
    if (void* init = library.symbol(k_init_symbol)) {
        static const std::string k_no_event;
        lambda_local_invocation inv;
        inv.event = &k_no_event;
        inv.context = &init_context;
        inv.init = true;
        int status = reinterpret_cast<lambda_local_init_fn>(init)(&k_api, &inv);
        if (inv.failed || status != 0) {
            result.error = HandlerError{
                inv.failed ? inv.error_type : std::string("Runtime.InitError"),
                inv.failed ? inv.error_message
                           : std::string(k_init_symbol) + " returned " + std::to_string(status)};
            return result;
        }
    }
    result.handler = std::make_unique<NativeHandler>(
        std::move(library), reinterpret_cast<lambda_local_handler_fn>(entry));
    return result;
}

} // namespace lambda_local::loaders
