// The bootstrap's life: settings, load and init, then the invocation loop.
#include "runtime/bootstrap/bootstrap.hpp"

#include "runtime/util/clock.hpp"
#include "runtime/util/environment_slot.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace lambda_local::runtime::bootstrap {
namespace {

constexpr const char* k_default_symbol = "handle";
// Lambda gives a function's init phase 10 seconds.
constexpr std::int64_t k_init_phase_ms = 10000;

std::string variable(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

void log_line(const std::string& message) {
    std::fprintf(stderr, "lambda-local-bootstrap: %s\n", message.c_str());
    std::fflush(stderr);
}

// A native handler's streamed response (ABI version 2), POSTed to the Runtime API as it is
// written: the chunks of one /response.
class RuntimeStream final : public loaders::StreamOutput {
  public:
    RuntimeStream(RuntimeClient& client, std::string request_id)
        : m_client(client), m_request_id(std::move(request_id)) {}

    bool start(std::string_view content_type) override {
        // It becomes the Content-Type header: printable ASCII only.
        if (content_type.empty() || content_type.size() > 256) {
            return false;
        }
        for (char c : content_type) {
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        m_started = m_client.start_stream(m_request_id, content_type);
        return m_started;
    }
    bool write(std::string_view bytes) override { return m_client.stream_chunk(bytes); }

    bool started() const { return m_started; }

  private:
    RuntimeClient& m_client;
    std::string m_request_id;
    bool m_started = false;
};

} // namespace

BootstrapSettings BootstrapSettings::from_environment() {
    BootstrapSettings settings;
    settings.runtime_api = variable("AWS_LAMBDA_RUNTIME_API");
    settings.handler = variable("_HANDLER");
    settings.task_root = variable("LAMBDA_TASK_ROOT");
    if (settings.task_root.empty()) {
        char cwd[4096];
        settings.task_root = ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : ".";
    }
    loaders::Context& context = settings.context;
    context.function_name = variable("AWS_LAMBDA_FUNCTION_NAME");
    context.function_version = variable("AWS_LAMBDA_FUNCTION_VERSION");
    context.memory_limit_in_mb = variable("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    context.log_group_name = variable("AWS_LAMBDA_LOG_GROUP_NAME");
    context.log_stream_name = variable("AWS_LAMBDA_LOG_STREAM_NAME");
    return settings;
}

std::optional<HandlerLocation> parse_handler_setting(std::string_view handler,
                                                     std::string_view task_root) {
    std::string_view library = handler;
    std::string_view symbol = k_default_symbol;
    if (auto colon = handler.rfind(':'); colon != std::string_view::npos) {
        library = handler.substr(0, colon);
        if (colon + 1 < handler.size()) {
            symbol = handler.substr(colon + 1);
        }
    }
    if (library.empty()) {
        return std::nullopt;
    }
    HandlerLocation location{std::string(library), std::string(symbol)};
    if (library.front() != '/') {
        std::string root(task_root.empty() ? std::string_view(".") : task_root);
        if (root.back() != '/') {
            root += '/';
        }
        location.library = root + location.library;
    }
    return location;
}

int run_bootstrap(const BootstrapSettings& settings) {
    if (settings.runtime_api.empty()) {
        log_line("AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda custom runtime "
                 "(run it as `bootstrap` on provided.al2023, or with lambda-local invoke "
                 "--bootstrap)");
        return 1;
    }
    RuntimeClient client(settings.runtime_api, settings.retry);

    auto location = parse_handler_setting(settings.handler, settings.task_root);
    if (!location) {
        std::string message = "_HANDLER='" + settings.handler +
                              "' names no library: expected <library>.so[:<symbol>], e.g. "
                              "libhandler.so:handle";
        log_line(message);
        if (client.post_init_error("Runtime.InvalidEntrypoint", message) != Posted::Accepted) {
            log_line(client.error());
        }
        return 1;
    }

    loaders::Context context = settings.context;
    context.deadline_ms = epoch_ms() + k_init_phase_ms;
    loaders::LoadResult loaded =
        loaders::load_handler(location->library, location->symbol, loaders::Abi::Auto, context);
    std::fflush(nullptr);
    if (loaded.error) {
        if (client.post_init_error(loaded.error->type, loaded.error->message) != Posted::Accepted) {
            log_line(client.error());
        }
        return 1;
    }

    EnvironmentSlot trace_variable("_X_AMZN_TRACE_ID"); // one per invocation, in place
    for (;;) {
        std::optional<Invocation> invocation = client.next();
        if (!invocation) {
            log_line(client.error());
            return 1;
        }
        if (invocation->trace_id.empty()) {
            trace_variable.clear();
        } else {
            trace_variable.set(invocation->trace_id);
        }
        context.aws_request_id = invocation->request_id;
        context.deadline_ms = invocation->deadline_ms;
        context.invoked_function_arn = invocation->invoked_function_arn;
        context.xray_trace_id = invocation->trace_id;
        context.client_context = invocation->client_context;

        RuntimeStream stream(client, invocation->request_id);
        loaders::Outcome outcome = loaded.handler->invoke(invocation->event, context, &stream);
        // The handler's output belongs to this invocation: out before the result is.
        std::fflush(nullptr);
        Posted posted;
        if (stream.started()) {
            // After the body began, an error can only go in the stream's trailers.
            posted = outcome.ok ? client.finish_stream()
                                : client.finish_stream(outcome.error.type, outcome.error.message);
        } else if (outcome.ok) {
            posted = client.post_response(invocation->request_id, outcome.payload);
        } else {
            posted = client.post_error(invocation->request_id, outcome.error.type,
                                       outcome.error.message);
        }
        if (posted == Posted::Fatal) {
            log_line(client.error());
            return 1;
        }
        if (posted == Posted::Rejected) {
            log_line(client.error());
        }
    }
}

} // namespace lambda_local::runtime::bootstrap
