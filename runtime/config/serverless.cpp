// Loading serverless.yml: the provider's defaults, functions, and their http, httpApi and
// schedule events.
#include "runtime/config/serverless.hpp"

#include "runtime/config/api_builder.hpp"
#include "runtime/config/function_code.hpp"
#include "runtime/config/sam_authorizers.hpp"
#include "runtime/config/serverless_authorizers.hpp"
#include "runtime/config/serverless_layers.hpp"
#include "runtime/config/serverless_variables.hpp"
#include "runtime/config/settings.hpp"
#include "runtime/config/yaml_document.hpp"
#include "runtime/invoke/event_file.hpp"

#include <algorithm>
#include <filesystem>

namespace lambda_local::runtime::config {
namespace {

namespace fs = std::filesystem;

// The CloudFormation logical ids the Serverless Framework gives its two APIs.
constexpr const char* k_rest_api = "ApiGatewayRestApi";
constexpr const char* k_http_api = "HttpApi";

// Serverless's defaults for a function.
constexpr const char* k_default_timeout = "6";
constexpr const char* k_default_memory = "1024";

// The headers `cors: true` allows (the Serverless Framework's list).
const std::vector<std::string> k_cors_headers = {
    "Content-Type",         "X-Amz-Date",       "Authorization",  "X-Api-Key",
    "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"};

// "hello/{id}/" → "/hello/{id}"; "" → "/".
std::string normalize_path(std::string_view path) {
    while (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    while (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    return "/" + std::string(path);
}

void add_unique(std::vector<std::string>& into, const std::vector<std::string>& items) {
    for (const std::string& item : items) {
        if (std::find(into.begin(), into.end(), item) == into.end()) {
            into.push_back(item);
        }
    }
}

// An API's CORS from several events: what any of them allows.
void merge_cors(std::optional<CorsConfig>& into, const CorsConfig& from) {
    if (!into) {
        into = from;
        return;
    }
    add_unique(into->allow_origins, from.allow_origins);
    add_unique(into->allow_headers, from.allow_headers);
    add_unique(into->allow_methods, from.allow_methods);
    add_unique(into->expose_headers, from.expose_headers);
    into->allow_credentials = into->allow_credentials || from.allow_credentials;
    if (from.max_age && (!into->max_age || *from.max_age > *into->max_age)) {
        into->max_age = from.max_age;
    }
}

class ServerlessLoader {
  public:
    ServerlessLoader(const std::string& path, const ProjectOptions& options)
        : m_doc(path), m_vars(m_doc, options),
          m_dir(fs::absolute(fs::path(path)).parent_path().lexically_normal()) {}

    Project load();

  private:
    std::string where(const YAML::Node& node) const { return m_doc.where(node); }
    std::optional<YAML::Node> get(const YAML::Node& map, std::string_view key) const;
    std::optional<YAML::Node> mapping(const YAML::Node& map, std::string_view key,
                                      std::string_view what) const;
    std::optional<std::string> text(const std::optional<YAML::Node>& node,
                                    std::string_view what) const;
    std::vector<std::string> list(const std::optional<YAML::Node>& node,
                                  std::string_view what) const;
    nlohmann::ordered_json to_json(const YAML::Node& node, int depth) const;

    FunctionConfig load_function(const Entry& entry);
    LoggingConfig load_logging(const YAML::Node& body);
    void load_event(const YAML::Node& item, FunctionConfig& function);
    void add_http(const YAML::Node& event, const FunctionConfig& function);
    void add_http_api(const YAML::Node& event, const FunctionConfig& function);
    void add_schedule(const YAML::Node& event, FunctionConfig& function);
    CorsConfig rest_cors(const YAML::Node& node) const;
    std::optional<CorsConfig> http_cors(const YAML::Node& node) const;
    void load_function_url(const YAML::Node& node, const FunctionConfig& function);
    ApiEntry& api(const char* logical_id, const YAML::Node& used_at);

    YamlDocument m_doc;
    ServerlessVariables m_vars;
    fs::path m_dir;
    std::string m_service;
    YAML::Node m_provider;
    std::optional<ServerlessLayers> m_layers;
    std::vector<ApiEntry> m_apis;
    Project m_project;
};

std::optional<YAML::Node> ServerlessLoader::get(const YAML::Node& map, std::string_view key) const {
    std::optional<YAML::Node> found = find(m_vars.select(map), key);
    if (!found) {
        return std::nullopt;
    }
    YAML::Node value = m_vars.select(*found);
    return value.IsNull() ? std::nullopt : std::optional<YAML::Node>(value);
}

std::optional<YAML::Node> ServerlessLoader::mapping(const YAML::Node& map, std::string_view key,
                                                    std::string_view what) const {
    std::optional<YAML::Node> found = get(map, key);
    if (found && !found->IsMap()) {
        throw m_doc.error(*found,
                          std::string(what) + " must be a mapping, not " + describe_type(*found));
    }
    return found;
}

std::optional<std::string> ServerlessLoader::text(const std::optional<YAML::Node>& node,
                                                  std::string_view what) const {
    return node ? m_vars.text(*node, what) : std::nullopt;
}

std::vector<std::string> ServerlessLoader::list(const std::optional<YAML::Node>& node,
                                                std::string_view what) const {
    std::vector<std::string> items;
    if (!node) {
        return items;
    }
    if (!node->IsSequence()) {
        std::optional<std::string> one = m_vars.text(*node, what);
        if (one) {
            items.push_back(*one);
        }
        return items;
    }
    for (const auto& item : *node) {
        if (std::optional<std::string> value = m_vars.text(item, what)) {
            items.push_back(*value);
        }
    }
    return items;
}

nlohmann::ordered_json ServerlessLoader::to_json(const YAML::Node& node, int depth) const {
    if (depth > 64) {
        throw m_doc.error(node, "nested too deeply (a recursive alias?)");
    }
    YAML::Node value = m_vars.select(node);
    if (value.IsMap()) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (const auto& entry : value) {
            object[entry.first.Scalar()] = to_json(entry.second, depth + 1);
        }
        return object;
    }
    if (value.IsSequence()) {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (const auto& item : value) {
            array.push_back(to_json(item, depth + 1));
        }
        return array;
    }
    if (value.IsScalar() && value.Scalar().find("${") != std::string::npos) {
        return m_vars.text(value, "input").value_or("");
    }
    return yaml_to_json(value);
}

Project ServerlessLoader::load() {
    const YAML::Node& root = m_doc.root();
    if (!root.IsMap()) {
        throw m_doc.error(root, "a serverless.yml must be a mapping, not " + describe_type(root));
    }
    std::optional<YAML::Node> service = get(root, "service");
    if (service && service->IsMap()) {
        service.emplace(get(*service, "name").value_or(YAML::Node()));
    }
    m_service = text(service, "service").value_or("");
    if (m_service.empty()) {
        throw Error(m_doc.path() + ": no service name (write 'service: my-service')");
    }
    // YAML::Node's operator= writes through to the node it refers to: rebind with reset().
    m_provider.reset(mapping(root, "provider", "provider").value_or(YAML::Node()));
    if (std::optional<std::string> name = text(get(m_provider, "name"), "provider.name");
        name && *name != "aws") {
        throw m_doc.error(*get(m_provider, "name"),
                          "provider.name must be aws, not '" + *name + "'");
    }
    m_layers.emplace(m_doc, m_vars, root, m_dir);
    std::optional<YAML::Node> functions = mapping(root, "functions", "functions");
    if (!functions) {
        throw Error(m_doc.path() + ": no functions");
    }
    for (const auto& item : *functions) {
        add_function(m_project, load_function(Entry{item.first, item.second}),
                     [&](const std::string& what) { return m_doc.error(item.first, what); });
    }
    m_project.source = m_doc.path();
    m_project.apis = finish_apis(std::move(m_apis));
    resolve_authorizer_functions(m_project);
    return std::move(m_project);
}

FunctionConfig ServerlessLoader::load_function(const Entry& entry) {
    const std::string& key = entry.key.Scalar();
    YAML::Node body = m_vars.select(entry.value);
    if (!body.IsMap()) {
        throw m_doc.error(entry.key, "function '" + key + "' must be a mapping with a handler");
    }
    FunctionConfig function;
    function.logical_id = key;
    FunctionSpec& spec = function.spec;
    spec.region = m_vars.region();
    std::optional<YAML::Node> name = get(body, "name");
    spec.name = text(name, "name").value_or(m_service + "-" + m_vars.stage() + "-" + key);
    try {
        FunctionSpec named;
        named.name = spec.name;
        validate(named);
    } catch (const Error& e) {
        throw Error(where(name ? *name : entry.key) + ": " + e.what());
    }

    std::optional<YAML::Node> handler = get(body, "handler");
    if (!handler) {
        throw m_doc.error(entry.key, "function '" + key + "' has no handler");
    }
    FunctionCode code;
    code.function = key;
    code.function_where = where(entry.key);
    code.handler = text(handler, "handler").value_or("");
    code.handler_key = "handler";
    code.handler_where = where(*handler);
    std::optional<YAML::Node> runtime = get(body, "runtime");
    code.runtime = text(runtime ? runtime : get(m_provider, "runtime"), "runtime").value_or("");
    code.code_dir = m_dir.string();
    std::optional<YAML::Node> layers = get(body, "layers");
    if (!layers) {
        layers = get(m_provider, "layers");
    }
    if (layers) {
        spec.layers = m_layers->resolve(*layers);
    }
    resolve_function_code(code, spec);

    auto setting = [&](std::string_view setting_key) {
        std::optional<YAML::Node> own = get(body, setting_key);
        return own ? own : get(m_provider, setting_key);
    };
    std::optional<YAML::Node> timeout = setting("timeout");
    spec.timeout_s = parse_timeout(text(timeout, "timeout").value_or(k_default_timeout), "timeout",
                                   where(timeout ? *timeout : entry.key));
    std::optional<YAML::Node> memory = setting("memorySize");
    spec.memory_mb =
        parse_megabytes(text(memory, "memorySize").value_or(k_default_memory), "memorySize",
                        k_min_memory_mb, k_max_memory_mb, where(memory ? *memory : entry.key));
    if (std::optional<YAML::Node> storage = setting("ephemeralStorageSize")) {
        spec.tmp_mb =
            parse_megabytes(text(storage, "ephemeralStorageSize").value_or(""),
                            "ephemeralStorageSize", k_min_tmp_mb, k_max_tmp_mb, where(*storage));
    }
    if (std::optional<YAML::Node> reserved = get(body, "reservedConcurrency")) {
        function.reserved_concurrency =
            parse_count(text(reserved, "reservedConcurrency").value_or(""), "reservedConcurrency",
                        where(*reserved));
    }
    if (std::optional<YAML::Node> retries = get(body, "maximumRetryAttempts")) {
        function.maximum_retry_attempts =
            parse_whole(text(retries, "maximumRetryAttempts").value_or(""), "maximumRetryAttempts",
                        0, 2, where(*retries));
    }
    if (std::optional<YAML::Node> age = get(body, "maximumEventAge")) {
        function.maximum_event_age_s = parse_whole(text(age, "maximumEventAge").value_or(""),
                                                   "maximumEventAge", 60, 21600, where(*age));
    }
    std::string environment_where = code.function_where;
    for (const YAML::Node& source : {m_provider, body}) {
        std::optional<YAML::Node> environment = mapping(source, "environment", "environment");
        if (!environment) {
            continue;
        }
        environment_where = where(*environment);
        for (const auto& variable : *environment) {
            const std::string& name_text = variable.first.Scalar();
            if (std::optional<std::string> value = m_vars.text(variable.second, name_text)) {
                set_variable(spec.environment, name_text, *value);
            }
        }
    }
    check_variables(spec.environment, environment_where);
    spec.logging = load_logging(body);
    if (std::optional<YAML::Node> url = get(body, "url")) {
        load_function_url(*url, function);
    }

    if (std::optional<YAML::Node> events = get(body, "events")) {
        if (!events->IsSequence()) {
            throw m_doc.error(*events, "events must be a list, not " + describe_type(*events));
        }
        for (const auto& item : *events) {
            load_event(item, function);
        }
    }
    return function;
}

LoggingConfig ServerlessLoader::load_logging(const YAML::Node& body) {
    // provider.logs.lambda for every function, then the function's own logs: key by key.
    std::optional<YAML::Node> provider_logs = mapping(m_provider, "logs", "provider.logs");
    std::optional<YAML::Node> defaults =
        provider_logs ? mapping(*provider_logs, "lambda", "provider.logs.lambda") : std::nullopt;
    std::optional<YAML::Node> own = mapping(body, "logs", "logs");
    LoggingSettings settings;
    for (const std::optional<YAML::Node>& source : {defaults, own}) {
        if (!source) {
            continue;
        }
        if (std::optional<YAML::Node> node = get(*source, "logFormat")) {
            settings.format(text(node, "logFormat").value_or(""), "logFormat", where(*node));
        }
        if (std::optional<YAML::Node> node = get(*source, "applicationLogLevel")) {
            settings.application_level(text(node, "applicationLogLevel").value_or(""),
                                       "applicationLogLevel", where(*node));
        }
        if (std::optional<YAML::Node> node = get(*source, "systemLogLevel")) {
            settings.system_level(text(node, "systemLogLevel").value_or(""), "systemLogLevel",
                                  where(*node));
        }
    }
    return settings.finish("logFormat");
}

void ServerlessLoader::load_event(const YAML::Node& item, FunctionConfig& function) {
    YAML::Node event = m_vars.select(item);
    if (!event.IsMap() || event.size() != 1) {
        throw m_doc.error(item, "an event must be a mapping with one key, such as 'http:' or "
                                "'httpApi:'");
    }
    auto entry = *event.begin();
    const std::string& type = entry.first.Scalar();
    if (type == "http") {
        add_http(entry.second, function);
    } else if (type == "httpApi") {
        add_http_api(entry.second, function);
    } else if (type == "schedule") {
        add_schedule(entry.second, function);
    }
    // Other event sources (sqs, s3, ...) are not emulated: `invoke` feeds their events.
}

ApiEntry& ServerlessLoader::api(const char* logical_id, const YAML::Node& used_at) {
    for (ApiEntry& entry : m_apis) {
        if (entry.config.logical_id == logical_id) {
            return entry;
        }
    }
    ApiEntry entry;
    entry.config.logical_id = logical_id;
    entry.where = where(used_at);
    if (std::string(logical_id) == k_rest_api) {
        entry.config.api.type = gateway::ApiType::Rest;
        entry.config.api.stages = {m_vars.stage()};
        if (std::optional<YAML::Node> stage = get(m_provider, "stage")) {
            entry.where = where(*stage);
        }
        std::optional<YAML::Node> gateway_settings =
            mapping(m_provider, "apiGateway", "provider.apiGateway");
        if (gateway_settings) {
            entry.config.binary_media_types =
                list(get(*gateway_settings, "binaryMediaTypes"), "binaryMediaTypes");
        }
    } else {
        entry.config.api.type = gateway::ApiType::Http;
        entry.config.api.stages = {std::string(gateway::k_default_stage)};
        if (std::optional<YAML::Node> settings =
                mapping(m_provider, "httpApi", "provider.httpApi")) {
            if (std::optional<YAML::Node> cors = get(*settings, "cors")) {
                entry.config.cors = http_cors(*cors);
            }
            entry.config.authorizers =
                read_serverless_http_api_authorizers(m_doc, m_vars, get(*settings, "authorizers"));
        }
    }
    m_apis.push_back(std::move(entry));
    return m_apis.back();
}

void ServerlessLoader::add_http(const YAML::Node& node, const FunctionConfig& function) {
    YAML::Node event = m_vars.select(node);
    gateway::Route route;
    route.function_name = function.spec.name;
    std::optional<CorsConfig> cors;
    if (event.IsMap()) {
        std::optional<std::string> path = text(get(event, "path"), "path");
        std::optional<std::string> method = text(get(event, "method"), "method");
        if (!path || !method) {
            throw m_doc.error(node, "an http event needs a path and a method");
        }
        route.path = normalize_path(*path);
        route.method = normalize_method(*method);
        if (std::optional<std::string> integration = text(get(event, "integration"), "integration");
            integration && *integration != "lambda-proxy" && *integration != "aws-proxy" &&
            *integration != "aws_proxy") {
            throw m_doc.error(*get(event, "integration"),
                              "integration '" + *integration +
                                  "' is not supported (lambda-local serves lambda-proxy)");
        }
        std::optional<YAML::Node> authorizer = get(event, "authorizer");
        if (authorizer) {
            read_serverless_http_authorizer(m_doc, m_vars, *authorizer,
                                            api(k_rest_api, node).config.authorizers, route);
        }
        if (std::optional<YAML::Node> value = get(event, "cors")) {
            if (value->IsMap()) {
                cors = rest_cors(*value);
            } else if (parse_flag(text(value, "cors").value_or(""), "cors", where(*value))) {
                cors = rest_cors(YAML::Node());
            }
        }
    } else {
        std::string spelled = text(event, "http").value_or("");
        std::size_t space = spelled.find(' ');
        if (space == std::string::npos) {
            throw m_doc.error(node, "an http event is 'METHOD path', not '" + spelled + "'");
        }
        route.method = normalize_method(spelled.substr(0, space));
        route.path = normalize_path(spelled.substr(spelled.find_first_not_of(' ', space)));
    }
    ApiEntry& rest = api(k_rest_api, node);
    if (cors) {
        merge_cors(rest.config.cors, *cors);
    }
    rest.routes.push_back({std::move(route), where(node)});
}

void ServerlessLoader::add_http_api(const YAML::Node& node, const FunctionConfig& function) {
    YAML::Node event = m_vars.select(node);
    gateway::Route route;
    route.function_name = function.spec.name;
    std::string method;
    std::string path;
    if (event.IsMap()) {
        method = text(get(event, "method"), "method").value_or("*");
        path = text(get(event, "path"), "path").value_or("");
        if (path.empty()) {
            throw m_doc.error(node, "an httpApi event needs a path ('*' for the $default route)");
        }
    } else {
        std::string spelled = text(event, "httpApi").value_or("");
        std::size_t space = spelled.find(' ');
        if (spelled == "*") {
            path = "*";
        } else if (space == std::string::npos) {
            throw m_doc.error(node,
                              "an httpApi event is 'METHOD /path' or '*', not '" + spelled + "'");
        } else {
            method = spelled.substr(0, space);
            path = spelled.substr(spelled.find_first_not_of(' ', space));
        }
    }
    if (path == "*") {
        route.path = gateway::k_default_route;
    } else {
        route.path = normalize_path(path);
        route.method = normalize_method(method);
    }
    ApiEntry& http = api(k_http_api, node);
    if (event.IsMap()) {
        if (std::optional<YAML::Node> authorizer = get(event, "authorizer")) {
            read_serverless_http_api_route_authorizer(m_doc, m_vars, *authorizer,
                                                      http.config.authorizers, route);
        }
    }
    if (std::optional<YAML::Node> settings = mapping(m_provider, "httpApi", "provider.httpApi")) {
        if (std::optional<YAML::Node> payload = get(*settings, "payload")) {
            std::string version = text(payload, "payload").value_or("");
            if (version != "1.0" && version != "2.0") {
                throw m_doc.error(*payload, "provider.httpApi.payload must be '1.0' or '2.0', "
                                            "not '" +
                                                version + "'");
            }
            route.payload_format =
                version == "1.0" ? gateway::PayloadFormat::V1 : gateway::PayloadFormat::V2;
        }
    }
    http.routes.push_back({std::move(route), where(node)});
}

void ServerlessLoader::add_schedule(const YAML::Node& node, FunctionConfig& function) {
    YAML::Node event = m_vars.select(node);
    std::vector<std::string> rates;
    std::optional<std::string> name;
    bool enabled = true;
    std::optional<std::string> input;
    if (event.IsMap()) {
        rates = list(get(event, "rate"), "rate");
        if (rates.empty()) {
            throw m_doc.error(node, "a schedule event needs a rate");
        }
        name = text(get(event, "name"), "name");
        if (std::optional<YAML::Node> flag = get(event, "enabled")) {
            enabled = parse_flag(text(flag, "enabled").value_or(""), "enabled", where(*flag));
        }
        if (std::optional<YAML::Node> value = get(event, "input")) {
            if (value->IsScalar()) {
                input = text(value, "input");
                check_json(input.value_or(""), "input", where(*value));
            } else {
                try {
                    input = to_json(*value, 0).dump();
                } catch (const nlohmann::ordered_json::type_error&) {
                    throw m_doc.error(*value, "input is not valid UTF-8");
                }
            }
        }
    } else {
        rates = {text(event, "schedule").value_or("")};
    }
    for (std::size_t i = 0; i < rates.size(); ++i) {
        check_schedule_expression(rates[i], "schedule", false, where(node));
        ScheduleConfig schedule;
        if (name) {
            schedule.name = i == 0 ? *name : *name + "-" + std::to_string(i + 1);
        } else {
            schedule.name =
                function.spec.name + "-schedule-" + std::to_string(function.schedules.size() + 1);
        }
        schedule.expression = rates[i];
        schedule.enabled = enabled;
        schedule.input = input;
        function.schedules.push_back(std::move(schedule));
    }
}

CorsConfig ServerlessLoader::rest_cors(const YAML::Node& node) const {
    CorsConfig cors;
    cors.allow_headers = k_cors_headers;
    if (!node.IsMap()) {
        return cors;
    }
    if (std::optional<YAML::Node> origins = get(node, "origins")) {
        cors.allow_origins = list(origins, "origins");
    } else if (std::optional<YAML::Node> origin = get(node, "origin")) {
        cors.allow_origins = list(origin, "origin");
    }
    if (std::optional<YAML::Node> headers = get(node, "headers")) {
        cors.allow_headers = list(headers, "headers");
    }
    cors.allow_methods = list(get(node, "methods"), "methods");
    if (std::optional<YAML::Node> age = get(node, "maxAge")) {
        cors.max_age = parse_count(text(age, "maxAge").value_or(""), "maxAge", where(*age));
    }
    if (std::optional<YAML::Node> credentials = get(node, "allowCredentials")) {
        cors.allow_credentials = parse_flag(text(credentials, "allowCredentials").value_or(""),
                                            "allowCredentials", where(*credentials));
    }
    return cors;
}

std::optional<CorsConfig> ServerlessLoader::http_cors(const YAML::Node& node) const {
    CorsConfig cors;
    cors.allow_headers = k_cors_headers;
    if (!node.IsMap()) {
        if (!parse_flag(text(node, "cors").value_or(""), "cors", where(node))) {
            return std::nullopt;
        }
        return cors;
    }
    if (std::optional<YAML::Node> origins = get(node, "allowedOrigins")) {
        cors.allow_origins = list(origins, "allowedOrigins");
    }
    if (std::optional<YAML::Node> headers = get(node, "allowedHeaders")) {
        cors.allow_headers = list(headers, "allowedHeaders");
    }
    cors.allow_methods = list(get(node, "allowedMethods"), "allowedMethods");
    cors.expose_headers = list(get(node, "exposedResponseHeaders"), "exposedResponseHeaders");
    if (std::optional<YAML::Node> age = get(node, "maxAge")) {
        cors.max_age = parse_count(text(age, "maxAge").value_or(""), "maxAge", where(*age));
    }
    if (std::optional<YAML::Node> credentials = get(node, "allowCredentials")) {
        cors.allow_credentials = parse_flag(text(credentials, "allowCredentials").value_or(""),
                                            "allowCredentials", where(*credentials));
    }
    return cors;
}

// Function URLs: `url: true`, or `url: {authorizer: aws_iam, cors: ..., invokeMode: ...}`.
void ServerlessLoader::load_function_url(const YAML::Node& node, const FunctionConfig& function) {
    FunctionUrlConfig url;
    url.function_name = function.spec.name;
    if (!node.IsMap()) {
        if (parse_flag(text(node, "url").value_or(""), "url", where(node))) {
            m_project.function_urls.push_back(std::move(url));
        }
        return;
    }
    if (std::optional<YAML::Node> authorizer = get(node, "authorizer")) {
        std::string value = text(authorizer, "url.authorizer").value_or("");
        if (value != "aws_iam") {
            throw m_doc.error(*authorizer,
                              "url.authorizer must be aws_iam (or left out), not '" + value + "'");
        }
        url.auth = FunctionUrlConfig::AuthType::AwsIam;
    }
    if (std::optional<YAML::Node> mode = get(node, "invokeMode")) {
        std::string value = text(mode, "url.invokeMode").value_or("");
        if (value != "BUFFERED" && value != "RESPONSE_STREAM") {
            throw m_doc.error(*mode, "url.invokeMode must be BUFFERED or RESPONSE_STREAM, not '" +
                                         value + "'");
        }
        url.response_stream = value == "RESPONSE_STREAM";
    }
    if (std::optional<YAML::Node> cors = get(node, "cors")) {
        url.cors = http_cors(*cors); // `cors: true` allows every origin and method
        if (url.cors && url.cors->allow_methods.empty()) {
            url.cors->allow_methods = {"*"};
        }
    }
    m_project.function_urls.push_back(std::move(url));
}

} // namespace

Project load_serverless(const std::string& path, const ProjectOptions& options) {
    return ServerlessLoader(path, options).load();
}

} // namespace lambda_local::runtime::config
