// `lambda-local serve`: API Gateway and the Lambda Invoke API on localhost.
#include "runtime/server/serve.hpp"
#include "cmd/commands.hpp"
#include "runtime/util/error.hpp"

#include <cstdlib>
#include <memory>

namespace lambda_local::cmd {

Runner add_serve(CLI::App& app) {
    auto command = std::make_shared<runtime::server::ServeCommand>();
    auto& c = *command;
    auto* sub = app.add_subcommand(
        "serve", "Serve API Gateway routes and the Lambda Invoke API on localhost");
    sub->add_option("--template,--config", c.project_file,
                    "A SAM template.yaml or a serverless.yml (default: the one in the working "
                    "directory)");
    auto* overrides =
        sub->add_option("--parameter-overrides", "SAM parameters: 'Key=Value Key2=Value2'");
    auto* stage = sub->add_option("--stage", "serverless ${opt:stage}; with -l, the API's stage");
    auto* region = sub->add_option("--region", "AWS region (serverless ${opt:region})");
    auto* library = sub->add_option("-l,--library", c.flags.function.library,
                                    "Serve one handler library (.so) without a file");
    auto* handler =
        sub->add_option("-H,--handler", c.flags.function.handler, "The handler symbol (with -l)")
            ->capture_default_str();
    sub->add_option("--bootstrap", c.flags.function.bootstrap,
                    "Serve one custom runtime (provided.al2023): a directory holding an "
                    "executable 'bootstrap'")
        ->excludes(library);
    add_layer_options(sub, &c.flags.function.layers, c.layer_options);
    sub->add_option("--function-name", c.flags.function.name,
                    "Function name (with -l; default: from the library's file name)");
    sub->add_option("--route", c.flags.routes,
                    "A route for -l: 'METHOD /path' or '$default' (repeatable; default "
                    "'ANY /' and 'ANY /{proxy+}')")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    auto* api = sub->add_option("--api", "The API type for -l: http (HTTP API, default) or rest")
                    ->check(CLI::IsMember({"http", "rest"}));
    auto* payload = sub->add_option("--payload", "Payload format for -l: 1.0 or 2.0")
                        ->check(CLI::IsMember({"1.0", "2.0"}));
    // Authorizers for -l (docs/serve.md, authorizers).
    sub->add_option("--authorizer-library", c.flags.authorizer.library,
                    "A Lambda authorizer's library guarding every route of -l");
    sub->add_option("--authorizer-handler", c.flags.authorizer.handler,
                    "The authorizer's handler symbol")
        ->capture_default_str();
    sub->add_option("--authorizer-type", c.flags.authorizer.type,
                    "REST: token (default) or request; HTTP API: request (an IAM policy, "
                    "default) or simple (simple responses)")
        ->check(CLI::IsMember({"token", "request", "simple"}));
    sub->add_option("--authorizer-identity", c.flags.authorizer.identity,
                    "An identity source (repeatable; default: the Authorization header)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--authorizer-ttl", c.flags.authorizer.ttl_seconds,
                    "Seconds its results are cached (default: REST 300, HTTP API 0)")
        ->check(CLI::Range(0, 3600));
    sub->add_option("-t,--timeout", c.flags.function.timeout_s, "Timeout (with -l), 1 to 900 s")
        ->capture_default_str();
    sub->add_option("-m,--memory", c.flags.function.memory_mb, "Memory size (with -l) in MB")
        ->capture_default_str();
    sub->add_option("--host", c.serve.host, "Address to listen on")->capture_default_str();
    sub->add_option("-p,--port", c.serve.port, "Port to listen on (0: any free port)")
        ->capture_default_str()
        ->check(CLI::Range(0, 65535));
    sub->add_option("--max-concurrency", c.serve.pool.max_concurrency,
                    "Execution environments per function at once (ReservedConcurrentExecutions "
                    "lowers it)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    sub->add_option("--max-queue", c.serve.pool.max_queued,
                    "Requests waiting per function beyond that; more get 429")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    auto* idle =
        sub->add_option("--idle-timeout", "Seconds an idle environment stays warm (default 300)")
            ->check(CLI::PositiveNumber);
    auto* retry_delay =
        sub->add_option("--retry-delay",
                        "Seconds before an asynchronous invocation's first retry after an error; "
                        "the second waits twice it (default 60, as Lambda)")
            ->check(CLI::Range(0.0, 3600.0));
    sub->add_option("--warm", c.serve.warm, "Environments started per function up front")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    auto* no_schedules =
        sub->add_flag("--no-schedules")->description("Do not fire scheduled rules");
    auto* no_watch = sub->add_flag("--no-watch")->description("Do not pick up rebuilt libraries");
    auto* no_sandbox =
        sub->add_flag("--no-sandbox")
            ->description("Run handlers as plain processes: no namespaces, sandbox user or cgroup");
    add_network_option(sub, c.serve.network);
    add_debug_option(sub, c.serve.debug_port);
    auto* debug_function =
        sub->add_option("--debug-function", c.serve.debug_function,
                        "The function --debug applies to (its name or logical id); alone, "
                        "--debug on its default port")
            ->type_name("NAME");
    sub->add_flag("--inherit-env", c.serve.host_environment.inherit,
                  "Pass the whole host environment through (default: only AWS credentials)");
    sub->add_flag("-q,--quiet", c.serve.quiet, "No function output in the log");
    add_logging_options(sub, c.logging);
    sub->add_flag("--list-routes", c.list_routes, "Print the route table and exit");
    // Function URLs (docs/serve.md, "Function URLs").
    auto* function_url =
        sub->add_option("--function-url",
                        "Give the -l function a function URL: NONE or AWS_IAM (its AuthType)")
            ->check(CLI::IsMember({"NONE", "AWS_IAM"}))
            ->type_name("AUTH")
            ->expected(0, 1)
            ->default_str("NONE");
    auto* invoke_mode =
        sub->add_option("--invoke-mode", "The -l function URL's InvokeMode: BUFFERED (default) or "
                                         "RESPONSE_STREAM (docs/streaming.md)")
            ->check(CLI::IsMember({"BUFFERED", "RESPONSE_STREAM"}))
            ->type_name("MODE")
            ->needs(function_url);
    auto* transfer_mode =
        sub->add_option("--response-transfer-mode",
                        "The -l REST API's response transfer mode: BUFFERED (default) or STREAM "
                        "(docs/streaming.md)")
            ->check(CLI::IsMember({"BUFFERED", "STREAM"}))
            ->type_name("MODE");
    auto* no_stream_limit =
        sub->add_flag("--no-stream-limit")
            ->description("Lift Lambda's bandwidth rule for streamed responses (6 MB at full "
                          "speed, then 2 MB/s)");
    sub->add_option("--access-key-id", c.serve.iam_credentials.access_key_id,
                    "The access key AWS_IAM function URL requests are signed with (default: "
                    "AWS_ACCESS_KEY_ID)");
    sub->add_option("--secret-access-key", c.serve.iam_credentials.secret_access_key,
                    "Its secret (default: AWS_SECRET_ACCESS_KEY)");
    sub->add_option("--jwks", c.serve.jwks_files,
                    "JWT and Cognito authorizers take ISSUER's keys from this JWKS file instead "
                    "of fetching them (repeatable)")
        ->type_name("ISSUER=FILE");
    library->excludes("--template");
    sub->get_option("--bootstrap")->excludes("--template");

    return [command, overrides, stage, region, api, payload, idle, retry_delay, no_schedules,
            no_watch, no_sandbox, handler, debug_function, function_url, invoke_mode, transfer_mode,
            no_stream_limit]() -> int {
        auto& c = *command;
        if (debug_function->count() > 0 && !c.serve.debug_port) {
            c.serve.debug_port = runtime::debugger::k_default_debug_port;
        }
        if (c.flags.function.is_bootstrap() && handler->count() == 0) {
            c.flags.function.handler.clear(); // a custom runtime's _HANDLER is empty unless given
        }
        if (overrides->count() > 0) {
            c.project_options.parameter_overrides =
                runtime::config::parse_parameter_overrides(overrides->as<std::string>());
        }
        if (stage->count() > 0) {
            c.project_options.opt["stage"] = stage->as<std::string>();
            c.flags.stage = stage->as<std::string>();
        }
        if (region->count() > 0) {
            c.project_options.opt["region"] = region->as<std::string>();
            c.flags.function.region = region->as<std::string>();
        }
        if (api->count() > 0 && api->as<std::string>() == "rest") {
            c.flags.api_type = runtime::gateway::ApiType::Rest;
        }
        if (payload->count() > 0) {
            c.flags.payload_format = payload->as<std::string>() == "1.0"
                                         ? runtime::gateway::PayloadFormat::V1
                                         : runtime::gateway::PayloadFormat::V2;
        }
        if (retry_delay->count() > 0) {
            c.serve.retry_delay =
                std::chrono::milliseconds(static_cast<long>(retry_delay->as<double>() * 1000.0));
        }
        if (idle->count() > 0) {
            c.serve.pool.idle_timeout =
                std::chrono::milliseconds(static_cast<long>(idle->as<double>() * 1000.0));
        }
        if (function_url->count() > 0) {
            runtime::config::FunctionUrlConfig url;
            if (function_url->as<std::string>() == "AWS_IAM") {
                url.auth = runtime::config::FunctionUrlConfig::AuthType::AwsIam;
            }
            url.response_stream =
                invoke_mode->count() > 0 && invoke_mode->as<std::string>() == "RESPONSE_STREAM";
            c.flags.function_url = url;
        }
        c.flags.stream_routes =
            transfer_mode->count() > 0 && transfer_mode->as<std::string>() == "STREAM";
        c.serve.stream_bandwidth_rule = no_stream_limit->count() == 0;
        auto from_environment = [](std::string& value, const char* name) {
            const char* found = std::getenv(name);
            if (value.empty() && found != nullptr) {
                value = found;
            }
        };
        from_environment(c.serve.iam_credentials.access_key_id, "AWS_ACCESS_KEY_ID");
        from_environment(c.serve.iam_credentials.secret_access_key, "AWS_SECRET_ACCESS_KEY");
        from_environment(c.serve.iam_credentials.session_token, "AWS_SESSION_TOKEN");
        c.serve.schedules = no_schedules->count() == 0;
        c.serve.watch = no_watch->count() == 0;
        c.serve.sandbox = no_sandbox->count() == 0;
        c.serve.host_environment =
            runtime::current_host_environment(c.serve.host_environment.inherit);
#if LL_SERVES_HTTP
        return runtime::server::run_serve(c);
#else
        throw runtime::runtime_api::NeedsRuntimeApi(); // lambda-local-serve runs it
#endif
    };
}

} // namespace lambda_local::cmd
