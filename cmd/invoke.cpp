// `lambda-local invoke`: options of one function and one event.
#include "cmd/commands.hpp"
#include "runtime/invoke/invoke_once.hpp"
#include "runtime/util/error.hpp"

#include <memory>

namespace lambda_local::cmd {

Runner add_invoke(CLI::App& app) {
    auto options = std::make_shared<runtime::InvokeOptions>();
    auto& o = *options;
    auto* sub = app.add_subcommand("invoke", "Run a function once, as Lambda would, and exit");
    sub->add_option("function", o.function_ref,
                    "A function of the template or serverless.yml (its name or logical id); "
                    "optional when it has one");
    sub->add_option("--template,--config", o.project_file,
                    "A SAM template or serverless.yml (default: template.yaml, "
                    "template.yml, serverless.yml or serverless.yaml here, without -l)");
    sub->add_option("--parameter-overrides", o.parameter_overrides,
                    "Template parameters: 'Key=Value Key2=Value2'");
    sub->add_option("--stage", o.stage, "serverless.yml stage: ${opt:stage}, ${sls:stage}");
    auto* library =
        sub->add_option("-l,--library", o.function.library, "The handler library (.so)");
    auto* handler =
        sub->add_option("-H,--handler", o.function.handler,
                        "The handler symbol (with --bootstrap: _HANDLER, default empty)")
            ->capture_default_str();
    auto* abi = sub->add_option("--abi", "Handler ABI: auto, classic or native (default: auto)")
                    ->check(CLI::IsMember({"auto", "classic", "native"}));
    sub->add_option("--bootstrap", o.function.bootstrap,
                    "A custom runtime (provided.al2023): a directory holding an executable "
                    "'bootstrap', served a Runtime API")
        ->excludes(library)
        ->excludes(abi);
    add_layer_options(sub, &o.function.layers, o.layer_options);
    sub->add_option("--function-name", o.function.name,
                    "Function name (default: from the library's file name)");
    sub->add_option("--code-dir", o.function.code_dir,
                    "Task root and working directory (default: the library's directory)");
    sub->add_option("-t,--timeout", o.function.timeout_s, "Timeout in seconds, 1 to 900")
        ->capture_default_str();
    sub->add_option("-m,--memory", o.function.memory_mb, "Memory size in MB, 128 to 10240")
        ->capture_default_str();
    sub->add_option("--tmp-size", o.function.tmp_mb, "Size of /tmp in MB, 512 to 10240")
        ->capture_default_str();
    sub->add_option("--region", o.function.region,
                    "AWS region (also a template's AWS::Region and serverless ${opt:region})")
        ->capture_default_str();
    sub->add_option("--env", o.env, "Set a variable: KEY=VALUE (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--env-vars", o.env_vars_file,
                    "Variables from a JSON file in SAM's shape "
                    "({\"Parameters\": {...}, \"<FunctionName>\": {...}})");
    sub->add_option("--env-file", o.env_file, "Variables from a dotenv file");
    sub->add_flag("--inherit-env", o.inherit_env,
                  "Pass the whole host environment through (default: only AWS credentials)");
    auto* event = sub->add_option("-e,--event", "Event file (JSON, or YAML for .yaml/.yml); "
                                                "'-' reads JSON from standard input");
    auto* data = sub->add_option("-d,--data", "Event as inline JSON");
    event->excludes(data);
    sub->add_flag("-q,--quiet", o.quiet, "Only the handler's own output on stderr");
    add_logging_options(sub, o.logging);
    sub->add_flag("--log-result", o.log_result,
                  "End stderr with what 'aws lambda invoke --log-type Tail' prints: the "
                  "status and LogResult, the log's last 4 KB in base64");
    sub->add_flag("--no-stream-limit", o.no_stream_limit,
                  "Lift Lambda's bandwidth rule for a streamed response (2 MB/s after its "
                  "first 6 MB)");
    add_network_option(sub, o.network);
    add_debug_option(sub, o.debug_port);
    auto* no_sandbox =
        sub->add_flag("--no-sandbox")
            ->description(
                "Run the handler as a plain process: no namespaces, sandbox user or cgroup");
    sub->footer("Exit status: 0 success, 1 function error (handler error, init error, timeout, "
                "crash, out of memory), 2 usage or configuration error, 130 interrupted.");

    return [options, sub, abi, event, data, no_sandbox, handler]() {
        auto& o = *options;
        if (!o.function.bootstrap.empty() && handler->count() == 0) {
            o.function.handler.clear(); // a custom runtime's _HANDLER is empty unless given
        }
        o.function_name_given = sub->count("--function-name") > 0;
        o.given.timeout = sub->count("--timeout") > 0;
        o.given.memory = sub->count("--memory") > 0;
        o.given.tmp = sub->count("--tmp-size") > 0;
        o.given.region = sub->count("--region") > 0;
        o.given.handler = handler->count() > 0;
        o.given.abi = abi->count() > 0;
        o.given.code_dir = sub->count("--code-dir") > 0;
        o.sandbox = no_sandbox->count() == 0;
        if (abi->count() > 0) {
            o.function.abi = *loaders::parse_abi(abi->as<std::string>());
        }
        if (event->count() > 0) {
            std::string value = event->as<std::string>();
            o.event = value == "-" ? runtime::EventSource{runtime::EventSource::Kind::Stdin, ""}
                                   : runtime::EventSource{runtime::EventSource::Kind::File, value};
        } else if (data->count() > 0) {
            o.event = {runtime::EventSource::Kind::Inline, data->as<std::string>()};
        }
        o.runtime_api = runtime_api_host_factory();
        return runtime::run_invoke(o);
    };
}

} // namespace lambda_local::cmd
