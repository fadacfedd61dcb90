// `lambda-local serve`: choosing the project, --list-routes, and serving until a signal.
#include "runtime/server/serve.hpp"

#include "runtime/util/error.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>

namespace lambda_local::runtime::server {

namespace {

gateway::Route parse_route(const std::string& text) {
    gateway::Route route;
    if (text == "$default") {
        route.method = "ANY";
        route.path = "$default";
        return route;
    }
    std::size_t space = text.find(' ');
    if (space == std::string::npos || space == 0 ||
        text.find_first_not_of(' ', space) == std::string::npos) {
        throw Error("--route '" + text +
                    "': write 'METHOD /path' (e.g. 'GET /pets/{id}', "
                    "'ANY /{proxy+}') or '$default'");
    }
    route.method = text.substr(0, space);
    for (char& c : route.method) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    route.path = text.substr(text.find_first_not_of(' ', space));
    if (route.path.front() != '/') {
        throw Error("--route '" + text + "': the path must start with '/'");
    }
    return route;
}

// Adds the --authorizer-library function to `project` and its authorizer to `api`, guarding
// every route (docs/serve.md, authorizers).
void add_flags_authorizer(const FlagsFunction& flags, config::Project& project,
                          config::ApiConfig& api) {
    const FlagsAuthorizer& given = flags.authorizer;
    bool rest = flags.api_type == gateway::ApiType::Rest;
    config::FunctionConfig function;
    function.spec = flags.function;
    function.spec.bootstrap.clear();
    function.spec.layers.clear();
    std::filesystem::path code = std::filesystem::absolute(given.library).lexically_normal();
    if (!std::filesystem::is_regular_file(code)) {
        throw Error("--authorizer-library: library not found: " + code.string());
    }
    function.spec.library = code.string();
    function.spec.handler = given.handler;
    function.spec.code_dir = code.parent_path().string();
    function.spec.name = function_name_from_library(function.spec.library);
    if (function.spec.name == project.functions.front().spec.name) {
        function.spec.name += "-authorizer";
    }
    validate(function.spec);
    function.logical_id = function.spec.name;

    config::AuthorizerConfig authorizer;
    authorizer.name = "flags";
    authorizer.where = "--authorizer-library";
    authorizer.function_ref = function.spec.name;
    authorizer.function_name = function.spec.name;
    std::string type = given.type.empty() ? (rest ? "token" : "request") : given.type;
    if (rest && type != "token" && type != "request") {
        throw Error("--authorizer-type for a REST API is token or request, not '" + type + "'");
    }
    if (!rest && type != "request" && type != "simple") {
        throw Error("--authorizer-type for an HTTP API is request or simple, not '" + type + "'");
    }
    authorizer.kind = type == "token" ? config::AuthorizerKind::LambdaToken
                                      : config::AuthorizerKind::LambdaRequest;
    authorizer.simple_responses = type == "simple";
    authorizer.identity_sources = given.identity;
    if (authorizer.identity_sources.empty()) {
        authorizer.identity_sources = {rest ? "method.request.header.Authorization"
                                            : "$request.header.Authorization"};
    }
    authorizer.ttl_seconds = given.ttl_seconds.value_or(
        rest ? config::k_default_rest_authorizer_ttl_s : config::k_default_http_authorizer_ttl_s);
    if (std::string problem = config::authorizer_problem(authorizer, api.api.type);
        !problem.empty()) {
        throw Error("--authorizer-library: " + problem);
    }
    for (gateway::Route& route : api.api.routes) {
        route.authorizer = authorizer.name;
    }
    api.authorizers.push_back(std::move(authorizer));
    project.functions.push_back(std::move(function));
}

} // namespace

config::Project project_from_flags(const FlagsFunction& flags) {
    config::Project project;
    config::FunctionConfig function;
    function.spec = flags.function;
    for (std::string& layer : function.spec.layers) {
        if (!layers::is_layer_arn(layer)) {
            layer = std::filesystem::absolute(layer).lexically_normal().string();
        }
    }
    std::filesystem::path code;
    if (function.spec.is_bootstrap()) {
        // `code` is a file in the code directory (a layer may hold the bootstrap itself).
        code = std::filesystem::path(bootstrap_code_dir(function.spec.bootstrap)) / "bootstrap";
        function.spec.bootstrap =
            bootstrap_executable(function.spec.bootstrap, !function.spec.layers.empty());
    } else {
        code = std::filesystem::absolute(flags.function.library).lexically_normal();
        if (!std::filesystem::is_regular_file(code)) {
            throw Error("library not found: " + code.string());
        }
        function.spec.library = code.string();
    }
    if (function.spec.name.empty()) {
        function.spec.name = function.spec.is_bootstrap()
                                 ? function_name_from_directory(code.parent_path().string())
                                 : function_name_from_library(function.spec.library);
    }
    if (function.spec.code_dir.empty()) {
        function.spec.code_dir = code.parent_path().string();
    }
    validate(function.spec);
    function.logical_id = function.spec.name;

    config::ApiConfig api;
    api.logical_id = "flags";
    api.api.type = flags.api_type;
    api.api.id = k_flags_api_id;
    bool rest = flags.api_type == gateway::ApiType::Rest;
    api.api.stages = {flags.stage.empty() ? (rest ? "Prod" : "$default") : flags.stage};
    if (flags.stream_routes && !rest) {
        throw Error("--response-transfer-mode STREAM: only a REST API (--api rest) streams "
                    "responses; an HTTP API does not");
    }
    std::vector<std::string> routes = flags.routes;
    if (routes.empty()) {
        routes = {"ANY /", "ANY /{proxy+}"};
    }
    for (const auto& text : routes) {
        gateway::Route route = parse_route(text);
        route.function_name = function.spec.name;
        route.payload_format = flags.payload_format;
        route.stream = flags.stream_routes;
        if (rest && route.path == "$default") {
            throw Error("--route '$default': a REST API (--api rest) has no $default route");
        }
        api.api.routes.push_back(std::move(route));
    }
    // RouteTable::add checks the routes; serve builds its table from the same API.
    gateway::RouteTable check;
    check.add(api.api);
    if (flags.function_url) {
        config::FunctionUrlConfig url = *flags.function_url;
        url.function_name = function.spec.name;
        project.function_urls.push_back(std::move(url));
    }
    project.functions.push_back(std::move(function));
    if (!flags.authorizer.library.empty()) {
        add_flags_authorizer(flags, project, api);
    }
    project.apis.push_back(std::move(api));
    return project;
}

std::string format_function_urls(const config::Project& project, const std::string& host,
                                 int port) {
    std::string text;
    std::string port_text = std::to_string(port);
    for (const config::FunctionUrlConfig& url : project.function_urls) {
        bool iam = url.auth == config::FunctionUrlConfig::AuthType::AwsIam;
        text += "lambda-local: function URL of " + url.function_name + " (" +
                (iam ? "AWS_IAM" : "NONE") + "): http://" +
                gateway::function_url_host(gateway::function_url_id(url.function_name), port_text) +
                "/ (or http://" + host + ":" + port_text +
                std::string(gateway::k_function_url_path_prefix) + url.function_name + "/)" +
                (url.response_stream ? "; RESPONSE_STREAM" : "") + "\n";
    }
    return text;
}

config::Project resolve_serve_project(const ServeCommand& command) {
    bool flags = !command.flags.function.library.empty() || command.flags.function.is_bootstrap();
    if (!command.flags.function.layers.empty() && !flags) {
        throw Error("--layer applies to -l/--library and --bootstrap: a template's or "
                    "serverless.yml's functions name their own layers (Layers, layers)");
    }
    if (command.flags.function_url && !flags) {
        throw Error("--function-url applies to -l/--library and --bootstrap: a template's or "
                    "serverless.yml's functions have their own (FunctionUrlConfig, url:)");
    }
    config::Project project;
    if (!command.project_file.empty()) {
        project = config::load_project(command.project_file, command.project_options);
    } else if (flags) {
        project = project_from_flags(command.flags);
    } else {
        std::string found = config::find_project_file(".");
        if (found.empty()) {
            throw Error("nothing to serve: name a library (-l libhandler.so) or a template "
                        "(--template template.yaml), or run where a template.yaml or "
                        "serverless.yml is");
        }
        project = config::load_project(found, command.project_options);
    }
    for (config::FunctionConfig& function : project.functions) {
        try {
            function.spec.logging = apply_overrides(function.spec.logging, command.logging);
        } catch (const Error& e) {
            throw Error(function.spec.name + ": " + e.what());
        }
    }
    return project;
}

int run_serve(ServeCommand command) {
    config::Project project = resolve_serve_project(command);
    std::string routes = config::format_routes(project);
    if (command.list_routes) {
        std::fputs(routes.c_str(), stdout);
        std::fputs(format_function_urls(project, command.serve.host, command.serve.port).c_str(),
                   stdout);
        return 0;
    }
    // Connections are descriptors: as many as the hard limit allows (idle browsers and proxies
    // keep many open).
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    for (config::FunctionConfig& function : project.functions) {
        layers::prepare_layers(function.spec, command.layer_options);
    }
    loop::EventLoop loop;
    int status = 0;
    {
        Server server(loop, project, command.serve, STDERR_FILENO);
        std::string host = command.serve.host.find(':') != std::string::npos
                               ? "[" + command.serve.host + "]"
                               : command.serve.host;
        std::function<void()> ready = [&] {
            std::string url = "http://" + host + ":" + std::to_string(server.port());
            std::string banner = "lambda-local: serving " +
                                 std::to_string(project.functions.size()) + " function(s) on " +
                                 url + (project.source.empty() ? "" : " from " + project.source) +
                                 "\n" + routes + "lambda-local: Lambda Invoke API at " + url +
                                 "/2015-03-31/functions/{FunctionName}/invocations\n" +
                                 format_function_urls(project, host, server.port());
            std::fputs(banner.c_str(), stderr);
        };
        server.start(ready);
        // The first SIGINT or SIGTERM stops gracefully (within the grace period and a second);
        // a second one ends every environment at once.
        loop::SignalWatch interrupt(loop);
        loop::SignalWatch terminate(loop);
        int signals = 0;
        auto on_signal = [&] {
            if (++signals == 1) {
                std::fputs("lambda-local: stopping: finishing the invocations in progress\n",
                           stderr);
                server.stop([&] { loop.stop(); });
                return;
            }
            std::fputs("lambda-local: stopping now\n", stderr);
            loop.stop();
        };
        interrupt.start(SIGINT, on_signal);
        terminate.start(SIGTERM, on_signal);
        loop.run();
        interrupt.stop();
        terminate.stop();
    }
    std::fputs("lambda-local: stopped\n", stderr);
    return status;
}

} // namespace lambda_local::runtime::server
