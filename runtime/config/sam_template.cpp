// Loading AWS SAM templates: functions, their events, and the APIs those events name.
#include "runtime/config/sam_template.hpp"

#include "runtime/config/api_builder.hpp"
#include "runtime/config/function_code.hpp"
#include "runtime/config/intrinsics.hpp"
#include "runtime/config/sam_authorizers.hpp"
#include "runtime/config/sam_layers.hpp"
#include "runtime/config/settings.hpp"
#include "runtime/config/yaml_document.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

namespace lambda_local::runtime::config {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_function_type = "AWS::Serverless::Function";
constexpr const char* k_api_type = "AWS::Serverless::Api";
constexpr const char* k_http_api_type = "AWS::Serverless::HttpApi";
constexpr const char* k_lambda_url_type = "AWS::Lambda::Url";
constexpr const char* k_implicit_rest_api = "ServerlessRestApi";
constexpr const char* k_implicit_http_api = "ServerlessHttpApi";
constexpr const char* k_implicit_rest_stage = "Prod";
// The integration timeouts API Gateway accepts (TimeoutInMillis), in milliseconds.
constexpr long long k_min_integration_ms = 50;
constexpr long long k_max_rest_integration_ms = 29000;
constexpr long long k_max_http_integration_ms = 30000;

// SAM writes CORS values of a REST API as quoted strings: "'*'" → "*".
std::string strip_quotes(std::string text) {
    if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
        return text.substr(1, text.size() - 2);
    }
    return text;
}

// The logical id that `!Ref MyApi` (or `Ref: MyApi`, or plain `MyApi`) names.
std::optional<std::string> referenced_id(const YAML::Node& node) {
    if (node.Tag() == "!Ref" && node.IsScalar()) {
        return node.Scalar();
    }
    if (std::optional<YAML::Node> ref =
            node.IsMap() && node.size() == 1 ? find(node, "Ref") : std::nullopt;
        ref && ref->IsScalar()) {
        return ref->Scalar();
    }
    if (node.IsScalar() && (node.Tag() == "?" || node.Tag() == "!")) {
        return node.Scalar();
    }
    return std::nullopt;
}

class SamLoader {
  public:
    SamLoader(const std::string& path, const ProjectOptions& options)
        : m_doc(path), m_values(m_doc, options),
          m_dir(fs::absolute(fs::path(path)).parent_path().lexically_normal()) {}

    Project load();

  private:
    std::string where(const YAML::Node& node) const { return m_doc.where(node); }
    std::optional<YAML::Node> mapping(const YAML::Node& parent, std::string_view key,
                                      std::string_view what) const;
    std::optional<YAML::Node> property(const YAML::Node& properties, std::string_view key) const;
    std::optional<YAML::Node> function_property(const YAML::Node& properties,
                                                std::string_view key) const;
    std::optional<std::string> text(const std::optional<YAML::Node>& node,
                                    std::string_view key) const;
    std::string required_text(const YAML::Node& properties, std::string_view key,
                              const YAML::Node& owner, std::string_view owner_name) const;

    void add_api(const Entry& resource, bool http);
    std::size_t api_index(const std::string& logical_id, gateway::ApiType type,
                          const YAML::Node& used_at);
    std::optional<CorsConfig> rest_cors(const YAML::Node& node) const;
    std::optional<CorsConfig> http_cors(const YAML::Node& node) const;
    std::vector<std::string> binary_media_types(const std::optional<YAML::Node>& own) const;

    FunctionConfig load_function(const Entry& resource);
    LoggingConfig load_logging(const YAML::Node& properties) const;
    void load_events(const YAML::Node& properties, FunctionConfig& function);
    void add_route(const Entry& event, const YAML::Node& properties, const FunctionConfig& function,
                   bool http);
    void add_schedule(const Entry& event, const YAML::Node& properties, FunctionConfig& function,
                      bool v2);
    std::string api_reference(const YAML::Node& node, std::string_view key,
                              const std::string& type) const;
    // Function URLs: FunctionUrlConfig (with Globals.Function's) and AWS::Lambda::Url.
    void load_function_url(const YAML::Node& properties, const FunctionConfig& function);
    void add_lambda_url(const Entry& resource);
    FunctionUrlConfig function_url(const YAML::Node& node, const std::string& function_name) const;

    YamlDocument m_doc;
    Intrinsics m_values;
    fs::path m_dir;
    YAML::Node m_globals_function;
    YAML::Node m_globals_api;
    YAML::Node m_globals_http_api;
    std::vector<ApiEntry> m_apis;
    Project m_project;
    // Authorizers (sam_authorizers.hpp): each API's Auth, by logical id.
    std::map<std::string, SamApiAuth> m_auth;
    void read_auth(const std::string& logical_id, const YAML::Node& properties, bool http);
};

void SamLoader::read_auth(const std::string& logical_id, const YAML::Node& properties, bool http) {
    std::optional<YAML::Node> auth = property(properties, "Auth");
    if (!auth) {
        auth = property(http ? m_globals_http_api : m_globals_api, "Auth");
    }
    m_auth[logical_id] =
        read_sam_api_auth(m_values, auth, http ? gateway::ApiType::Http : gateway::ApiType::Rest);
}

std::optional<YAML::Node> SamLoader::mapping(const YAML::Node& parent, std::string_view key,
                                             std::string_view what) const {
    std::optional<YAML::Node> written = find(parent, key);
    std::optional<YAML::Node> found = written ? m_values.select(*written) : std::nullopt;
    if (found && !found->IsMap() && !found->IsNull()) {
        throw m_doc.error(*found,
                          std::string(what) + " must be a mapping, not " + describe_type(*found));
    }
    return found && found->IsMap() ? found : std::nullopt;
}

std::optional<YAML::Node> SamLoader::property(const YAML::Node& properties,
                                              std::string_view key) const {
    std::optional<YAML::Node> found = find(properties, key);
    return found ? m_values.select(*found) : std::nullopt;
}

std::optional<YAML::Node> SamLoader::function_property(const YAML::Node& properties,
                                                       std::string_view key) const {
    std::optional<YAML::Node> own = property(properties, key);
    return own ? own : property(m_globals_function, key);
}

std::optional<std::string> SamLoader::text(const std::optional<YAML::Node>& node,
                                           std::string_view key) const {
    return node ? m_values.text(*node, key) : std::nullopt;
}

std::string SamLoader::required_text(const YAML::Node& properties, std::string_view key,
                                     const YAML::Node& owner, std::string_view owner_name) const {
    std::optional<std::string> value = text(property(properties, key), key);
    if (!value || value->empty()) {
        throw m_doc.error(owner, std::string(owner_name) + " needs a " + std::string(key));
    }
    return *value;
}

Project SamLoader::load() {
    const YAML::Node& root = m_doc.root();
    if (!root.IsMap()) {
        throw m_doc.error(root, "a SAM template must be a mapping, not " + describe_type(root));
    }
    std::optional<YAML::Node> resources = mapping(root, "Resources", "Resources");
    if (!resources) {
        throw Error(m_doc.path() + ": the template has no Resources");
    }
    if (std::optional<YAML::Node> globals = mapping(root, "Globals", "Globals")) {
        // YAML::Node's operator= writes through to the node it refers to: rebind with reset().
        m_globals_function.reset(
            mapping(*globals, "Function", "Globals.Function").value_or(YAML::Node()));
        m_globals_api.reset(mapping(*globals, "Api", "Globals.Api").value_or(YAML::Node()));
        m_globals_http_api.reset(
            mapping(*globals, "HttpApi", "Globals.HttpApi").value_or(YAML::Node()));
    }
    std::vector<Entry> functions;
    std::vector<Entry> urls;
    for (const auto& item : *resources) {
        Entry resource{item.first, item.second};
        const std::string& id = resource.key.Scalar();
        if (!resource.value.IsMap()) {
            throw m_doc.error(resource.key, "resource '" + id + "' must be a mapping");
        }
        std::optional<YAML::Node> type = find(resource.value, "Type");
        if (!type || !type->IsScalar()) {
            throw m_doc.error(resource.key, "resource '" + id + "' has no Type");
        }
        if (std::optional<YAML::Node> condition = find(resource.value, "Condition")) {
            std::optional<std::string> name = m_values.text(*condition, "Condition");
            if (name && !m_values.condition(*name, condition->Mark())) {
                continue;
            }
        }
        if (type->Scalar() == k_function_type) {
            functions.push_back(resource);
        } else if (type->Scalar() == k_api_type || type->Scalar() == k_http_api_type) {
            add_api(resource, type->Scalar() == k_http_api_type);
        } else if (type->Scalar() == k_lambda_url_type) {
            urls.push_back(resource);
        }
    }
    for (const Entry& resource : functions) {
        add_function(m_project, load_function(resource),
                     [&](const std::string& what) { return m_doc.error(resource.key, what); });
    }
    for (const Entry& resource : urls) {
        add_lambda_url(resource);
    }
    m_project.source = m_doc.path();
    for (ApiEntry& entry : m_apis) {
        entry.config.authorizers = m_auth[entry.config.logical_id].authorizers;
    }
    m_project.apis = finish_apis(std::move(m_apis));
    resolve_authorizer_functions(m_project);
    return std::move(m_project);
}

void SamLoader::add_api(const Entry& resource, bool http) {
    const std::string& id = resource.key.Scalar();
    YAML::Node properties =
        mapping(resource.value, "Properties", "Properties").value_or(YAML::Node());
    ApiEntry entry;
    entry.where = where(resource.key);
    entry.config.logical_id = id;
    if (http) {
        entry.config.api.type = gateway::ApiType::Http;
        std::optional<std::string> stage = text(property(properties, "StageName"), "StageName");
        entry.config.api.stages = {
            stage && !stage->empty() ? *stage : std::string(gateway::k_default_stage)};
        std::optional<YAML::Node> cors = property(properties, "CorsConfiguration");
        if (!cors) {
            cors = property(m_globals_http_api, "CorsConfiguration");
        }
        entry.config.cors = cors ? http_cors(*cors) : std::nullopt;
    } else {
        entry.config.api.type = gateway::ApiType::Rest;
        entry.config.api.stages = {required_text(properties, "StageName", resource.key,
                                                 "AWS::Serverless::Api '" + id + "'")};
        entry.config.binary_media_types =
            binary_media_types(property(properties, "BinaryMediaTypes"));
        std::optional<YAML::Node> cors = property(properties, "Cors");
        if (!cors) {
            cors = property(m_globals_api, "Cors");
        }
        entry.config.cors = cors ? rest_cors(*cors) : std::nullopt;
        for (const YAML::Node& source : {m_globals_api, properties}) {
            if (std::optional<YAML::Node> variables = mapping(source, "Variables", "Variables")) {
                for (const auto& variable : *variables) {
                    entry.config.stage_variables[variable.first.Scalar()] =
                        m_values.text(variable.second, variable.first.Scalar()).value_or("");
                }
            }
        }
    }
    read_auth(id, properties, http);
    m_apis.push_back(std::move(entry));
}

std::size_t SamLoader::api_index(const std::string& logical_id, gateway::ApiType type,
                                 const YAML::Node& used_at) {
    for (std::size_t i = 0; i < m_apis.size(); ++i) {
        if (m_apis[i].config.logical_id == logical_id) {
            return i;
        }
    }
    // The implicit API of the events that name none, created where it is first used.
    ApiEntry entry;
    entry.where = where(used_at);
    entry.config.logical_id = logical_id;
    entry.config.api.type = type;
    if (type == gateway::ApiType::Rest) {
        entry.config.api.stages = {k_implicit_rest_stage};
        entry.config.binary_media_types = binary_media_types(std::nullopt);
        std::optional<YAML::Node> cors = property(m_globals_api, "Cors");
        entry.config.cors = cors ? rest_cors(*cors) : std::nullopt;
        if (std::optional<YAML::Node> variables =
                mapping(m_globals_api, "Variables", "Variables")) {
            for (const auto& variable : *variables) {
                entry.config.stage_variables[variable.first.Scalar()] =
                    m_values.text(variable.second, variable.first.Scalar()).value_or("");
            }
        }
    } else {
        entry.config.api.stages = {std::string(gateway::k_default_stage)};
        std::optional<YAML::Node> cors = property(m_globals_http_api, "CorsConfiguration");
        entry.config.cors = cors ? http_cors(*cors) : std::nullopt;
    }
    read_auth(logical_id, YAML::Node(), type == gateway::ApiType::Http);
    m_apis.push_back(std::move(entry));
    return m_apis.size() - 1;
}

std::vector<std::string> SamLoader::binary_media_types(const std::optional<YAML::Node>& own) const {
    std::vector<std::string> types;
    for (const std::optional<YAML::Node>& source :
         {property(m_globals_api, "BinaryMediaTypes"), own}) {
        if (!source) {
            continue;
        }
        for (std::string type : m_values.list(*source, "BinaryMediaTypes")) {
            // OpenAPI escapes '/' as "~1" in SAM's BinaryMediaTypes: "image~1png".
            for (std::size_t at = type.find("~1"); at != std::string::npos; at = type.find("~1")) {
                type.replace(at, 2, "/");
            }
            if (std::find(types.begin(), types.end(), type) == types.end()) {
                types.push_back(type);
            }
        }
    }
    return types;
}

std::optional<CorsConfig> SamLoader::rest_cors(const YAML::Node& node) const {
    CorsConfig cors;
    if (!node.IsMap()) {
        std::optional<std::string> origin = m_values.text(node, "Cors");
        if (!origin) {
            return std::nullopt;
        }
        cors.allow_origins = {strip_quotes(*origin)};
        return cors;
    }
    auto items = [&](std::string_view key) {
        std::optional<std::string> value = text(property(node, key), key);
        return value ? split_list(strip_quotes(*value)) : std::vector<std::string>();
    };
    if (std::optional<std::string> origin = text(property(node, "AllowOrigin"), "AllowOrigin")) {
        cors.allow_origins = {strip_quotes(*origin)};
    }
    cors.allow_methods = items("AllowMethods");
    cors.allow_headers = items("AllowHeaders");
    if (std::optional<YAML::Node> age = property(node, "MaxAge")) {
        cors.max_age = parse_count(strip_quotes(m_values.text(*age, "MaxAge").value_or("")),
                                   "MaxAge", where(*age));
    }
    if (std::optional<YAML::Node> credentials = property(node, "AllowCredentials")) {
        cors.allow_credentials =
            parse_flag(strip_quotes(m_values.text(*credentials, "AllowCredentials").value_or("")),
                       "AllowCredentials", where(*credentials));
    }
    return cors;
}

std::optional<CorsConfig> SamLoader::http_cors(const YAML::Node& node) const {
    CorsConfig cors;
    if (!node.IsMap()) {
        std::optional<std::string> flag = m_values.text(node, "CorsConfiguration");
        if (!flag || !parse_flag(*flag, "CorsConfiguration", where(node))) {
            return std::nullopt;
        }
        return cors;
    }
    auto items = [&](std::string_view key) {
        std::optional<YAML::Node> value = property(node, key);
        return value ? m_values.list(*value, key) : std::vector<std::string>();
    };
    if (property(node, "AllowOrigins")) {
        cors.allow_origins = items("AllowOrigins");
    }
    cors.allow_methods = items("AllowMethods");
    cors.allow_headers = items("AllowHeaders");
    cors.expose_headers = items("ExposeHeaders");
    if (std::optional<YAML::Node> age = property(node, "MaxAge")) {
        cors.max_age =
            parse_count(m_values.text(*age, "MaxAge").value_or(""), "MaxAge", where(*age));
    }
    if (std::optional<YAML::Node> credentials = property(node, "AllowCredentials")) {
        cors.allow_credentials =
            parse_flag(m_values.text(*credentials, "AllowCredentials").value_or(""),
                       "AllowCredentials", where(*credentials));
    }
    return cors;
}

FunctionConfig SamLoader::load_function(const Entry& resource) {
    const std::string& id = resource.key.Scalar();
    YAML::Node properties =
        mapping(resource.value, "Properties", "Properties").value_or(YAML::Node());
    FunctionConfig function;
    function.logical_id = id;
    FunctionSpec& spec = function.spec;
    spec.name = m_values.function_name(id);
    spec.region = m_values.region();
    std::optional<YAML::Node> name_node = property(properties, "FunctionName");
    std::string name_where = where(name_node ? *name_node : resource.key);
    try {
        FunctionSpec named;
        named.name = spec.name;
        validate(named);
    } catch (const Error& e) {
        throw Error(name_where + ": " + e.what());
    }

    if (property(properties, "InlineCode")) {
        throw m_doc.error(resource.key, "function '" + id +
                                            "': InlineCode is not supported (lambda-local runs "
                                            ".so handlers from a CodeUri directory)");
    }
    FunctionCode code;
    code.function = id;
    code.function_where = where(resource.key);
    std::optional<YAML::Node> code_uri = function_property(properties, "CodeUri");
    fs::path code_dir = m_dir;
    if (code_uri) {
        if (code_uri->IsMap() || text(code_uri, "CodeUri").value_or("").starts_with("s3://")) {
            throw m_doc.error(*code_uri, "CodeUri must be a local directory (lambda-local does "
                                         "not read S3 locations)");
        }
        std::string relative = text(code_uri, "CodeUri").value_or(".");
        code_dir = (m_dir / relative).lexically_normal();
        std::error_code error;
        if (fs::is_regular_file(code_dir, error)) {
            throw m_doc.error(*code_uri, "CodeUri '" + relative +
                                             "' is a file; lambda-local needs the directory that "
                                             "holds the .so");
        }
    }
    code.code_dir = code_dir.string();
    if (code.code_dir.size() > 1 && code.code_dir.back() == '/') {
        code.code_dir.pop_back();
    }
    std::optional<YAML::Node> handler = function_property(properties, "Handler");
    if (!handler) {
        throw m_doc.error(resource.key, "function '" + id + "' has no Handler");
    }
    code.handler = text(handler, "Handler").value_or("");
    code.handler_key = "Handler";
    code.handler_where = where(*handler);
    code.runtime = text(function_property(properties, "Runtime"), "Runtime").value_or("");
    spec.layers = read_sam_layers(m_values, m_globals_function, properties, m_dir);
    resolve_function_code(code, spec);

    if (std::optional<YAML::Node> timeout = function_property(properties, "Timeout")) {
        spec.timeout_s =
            parse_timeout(text(timeout, "Timeout").value_or(""), "Timeout", where(*timeout));
    }
    if (std::optional<YAML::Node> memory = function_property(properties, "MemorySize")) {
        spec.memory_mb = parse_megabytes(text(memory, "MemorySize").value_or(""), "MemorySize",
                                         k_min_memory_mb, k_max_memory_mb, where(*memory));
    }
    if (std::optional<YAML::Node> storage = function_property(properties, "EphemeralStorage")) {
        std::optional<YAML::Node> size = property(*storage, "Size");
        if (!storage->IsMap() || !size) {
            throw m_doc.error(*storage, "EphemeralStorage must be a mapping with a Size");
        }
        spec.tmp_mb =
            parse_megabytes(text(size, "EphemeralStorage.Size").value_or(""),
                            "EphemeralStorage.Size", k_min_tmp_mb, k_max_tmp_mb, where(*size));
    }
    if (std::optional<YAML::Node> reserved =
            function_property(properties, "ReservedConcurrentExecutions")) {
        function.reserved_concurrency =
            parse_count(text(reserved, "ReservedConcurrentExecutions").value_or(""),
                        "ReservedConcurrentExecutions", where(*reserved));
    }
    if (std::optional<YAML::Node> invoke_config =
            function_property(properties, "EventInvokeConfig")) {
        if (!invoke_config->IsMap()) {
            throw m_doc.error(*invoke_config, "EventInvokeConfig must be a mapping");
        }
        if (std::optional<YAML::Node> retries = property(*invoke_config, "MaximumRetryAttempts")) {
            function.maximum_retry_attempts =
                parse_whole(text(retries, "MaximumRetryAttempts").value_or(""),
                            "EventInvokeConfig.MaximumRetryAttempts", 0, 2, where(*retries));
        }
        if (std::optional<YAML::Node> age = property(*invoke_config, "MaximumEventAgeInSeconds")) {
            function.maximum_event_age_s =
                parse_whole(text(age, "MaximumEventAgeInSeconds").value_or(""),
                            "EventInvokeConfig.MaximumEventAgeInSeconds", 60, 21600, where(*age));
        }
    }
    std::string environment_where = code.function_where;
    for (const YAML::Node& source : {m_globals_function, properties}) {
        std::optional<YAML::Node> environment = mapping(source, "Environment", "Environment");
        std::optional<YAML::Node> variables =
            environment ? mapping(*environment, "Variables", "Environment.Variables")
                        : std::nullopt;
        if (!variables) {
            continue;
        }
        environment_where = where(*variables);
        for (const auto& variable : *variables) {
            const std::string& key = variable.first.Scalar();
            if (std::optional<std::string> value = m_values.text(variable.second, key)) {
                set_variable(spec.environment, key, *value);
            }
        }
    }
    check_variables(spec.environment, environment_where);
    spec.logging = load_logging(properties);
    load_events(properties, function);
    load_function_url(properties, function);
    return function;
}

LoggingConfig SamLoader::load_logging(const YAML::Node& properties) const {
    // Globals.Function's LoggingConfig, then the function's keys over it (SAM merges maps).
    LoggingSettings settings;
    for (const YAML::Node& source : {m_globals_function, properties}) {
        std::optional<YAML::Node> logging = mapping(source, "LoggingConfig", "LoggingConfig");
        if (!logging) {
            continue;
        }
        if (std::optional<YAML::Node> node = property(*logging, "LogFormat")) {
            settings.format(text(node, "LogFormat").value_or(""), "LogFormat", where(*node));
        }
        if (std::optional<YAML::Node> node = property(*logging, "ApplicationLogLevel")) {
            settings.application_level(text(node, "ApplicationLogLevel").value_or(""),
                                       "ApplicationLogLevel", where(*node));
        }
        if (std::optional<YAML::Node> node = property(*logging, "SystemLogLevel")) {
            settings.system_level(text(node, "SystemLogLevel").value_or(""), "SystemLogLevel",
                                  where(*node));
        }
    }
    return settings.finish("LogFormat");
}

void SamLoader::load_events(const YAML::Node& properties, FunctionConfig& function) {
    std::optional<YAML::Node> events = mapping(properties, "Events", "Events");
    if (!events) {
        return;
    }
    for (const auto& item : *events) {
        Entry event{item.first, item.second};
        const std::string& id = event.key.Scalar();
        if (!event.value.IsMap()) {
            throw m_doc.error(event.key, "event '" + id + "' must be a mapping");
        }
        std::string type = text(property(event.value, "Type"), "Type").value_or("");
        YAML::Node event_properties =
            mapping(event.value, "Properties", "Properties").value_or(YAML::Node());
        if (type == "Api" || type == "HttpApi") {
            add_route(event, event_properties, function, type == "HttpApi");
        } else if (type == "Schedule" || type == "ScheduleV2") {
            add_schedule(event, event_properties, function, type == "ScheduleV2");
        } else if (type.empty()) {
            throw m_doc.error(event.key, "event '" + id + "' has no Type");
        }
        // Other event sources (S3, SQS, ...) are not emulated: `invoke` feeds their events.
    }
}

std::string SamLoader::api_reference(const YAML::Node& node, std::string_view key,
                                     const std::string& type) const {
    std::optional<std::string> id = referenced_id(node);
    if (!id || m_values.resource_type(*id) != type) {
        throw m_doc.error(node, std::string(key) + " must be !Ref of an " + type +
                                    " resource of this template");
    }
    bool defined = std::any_of(m_apis.begin(), m_apis.end(),
                               [&](const ApiEntry& api) { return api.config.logical_id == *id; });
    if (!defined) {
        throw m_doc.error(node, std::string(key) + " names '" + *id +
                                    "', which its Condition leaves out");
    }
    return *id;
}

void SamLoader::add_route(const Entry& event, const YAML::Node& properties,
                          const FunctionConfig& function, bool http) {
    const std::string& id = event.key.Scalar();
    std::optional<YAML::Node> path = property(properties, "Path");
    std::optional<YAML::Node> method = property(properties, "Method");
    gateway::Route route;
    route.function_name = function.spec.name;
    std::string api_id_key = http ? "ApiId" : "RestApiId";
    std::string api_logical_id = http ? k_implicit_http_api : k_implicit_rest_api;
    if (std::optional<YAML::Node> api = property(properties, api_id_key)) {
        api_logical_id = api_reference(*api, api_id_key, http ? k_http_api_type : k_api_type);
    }
    if (http && !path && !method) {
        route.path = gateway::k_default_route;
    } else if (!path || !method) {
        throw m_doc.error(event.key, "event '" + id + "' needs both Path and Method" +
                                         (http ? " (or neither, for the $default route)" : ""));
    } else {
        route.path = text(path, "Path").value_or("");
        route.method = normalize_method(text(method, "Method").value_or(""));
    }
    if (std::optional<YAML::Node> version = property(properties, "PayloadFormatVersion")) {
        std::string value = text(version, "PayloadFormatVersion").value_or("");
        if (!http) {
            throw m_doc.error(*version, "PayloadFormatVersion belongs to HttpApi events; a REST "
                                        "API sends payload format 1.0");
        }
        if (value != "1.0" && value != "2.0") {
            throw m_doc.error(*version,
                              "PayloadFormatVersion must be '1.0' or '2.0', not '" + value + "'");
        }
        route.payload_format =
            value == "1.0" ? gateway::PayloadFormat::V1 : gateway::PayloadFormat::V2;
    }
    if (std::optional<YAML::Node> timeout = property(properties, "TimeoutInMillis")) {
        std::string value = text(timeout, "TimeoutInMillis").value_or("");
        long long max = http ? k_max_http_integration_ms : k_max_rest_integration_ms;
        std::optional<long long> ms = parse_integer(value);
        if (!ms || *ms < k_min_integration_ms || *ms > max) {
            std::string range = "from " + std::to_string(k_min_integration_ms) + " to " +
                                std::to_string(max) +
                                (http ? " for an HTTP API" : " for a REST API");
            throw m_doc.error(*timeout, "TimeoutInMillis must be a whole number of milliseconds " +
                                            range + ", not '" + value + "'");
        }
        route.integration_timeout = std::chrono::milliseconds(*ms);
    }
    // A REST integration's response transfer mode (SAM's Api event, like
    // AWS::ApiGateway::Method's Integration.ResponseTransferMode): docs/streaming.md.
    if (std::optional<YAML::Node> mode = property(properties, "ResponseTransferMode")) {
        std::string value = text(mode, "ResponseTransferMode").value_or("");
        if (http) {
            throw m_doc.error(*mode, "ResponseTransferMode belongs to Api events: an HTTP API "
                                     "does not stream responses");
        }
        if (value != "BUFFERED" && value != "STREAM") {
            throw m_doc.error(*mode, "ResponseTransferMode must be BUFFERED or STREAM, not '" +
                                         value + "'");
        }
        route.stream = value == "STREAM";
    }
    std::size_t index = api_index(
        api_logical_id, http ? gateway::ApiType::Http : gateway::ApiType::Rest, event.key);
    apply_sam_event_auth(m_values, property(properties, "Auth"), event.key, m_auth[api_logical_id],
                         route);
    m_apis[index].routes.push_back({std::move(route), where(event.key)});
}

void SamLoader::add_schedule(const Entry& event, const YAML::Node& properties,
                             FunctionConfig& function, bool v2) {
    const std::string& id = event.key.Scalar();
    std::string key = v2 ? "ScheduleExpression" : "Schedule";
    std::optional<YAML::Node> expression = property(properties, key);
    if (!expression) {
        throw m_doc.error(event.key, "event '" + id + "' needs a " + key);
    }
    ScheduleConfig schedule;
    schedule.expression = text(expression, key).value_or("");
    check_schedule_expression(schedule.expression, key, v2, where(*expression));
    schedule.name = text(property(properties, "Name"), "Name").value_or(id);
    if (std::optional<YAML::Node> enabled = property(properties, "Enabled")) {
        schedule.enabled =
            parse_flag(text(enabled, "Enabled").value_or(""), "Enabled", where(*enabled));
    }
    if (std::optional<YAML::Node> state = property(properties, "State")) {
        std::string value = text(state, "State").value_or("");
        if (value != "ENABLED" && value != "DISABLED") {
            throw m_doc.error(*state, "State must be ENABLED or DISABLED, not '" + value + "'");
        }
        schedule.enabled = value == "ENABLED";
    }
    if (std::optional<YAML::Node> input = property(properties, "Input")) {
        schedule.input = text(input, "Input").value_or("");
        check_json(*schedule.input, "Input", where(*input));
    }
    function.schedules.push_back(std::move(schedule));
}

} // namespace

// Function URLs ------------------------------------------------------------------------------

void SamLoader::load_function_url(const YAML::Node& properties, const FunctionConfig& function) {
    std::optional<YAML::Node> config = function_property(properties, "FunctionUrlConfig");
    if (!config) {
        return;
    }
    if (!config->IsMap()) {
        throw m_doc.error(*config,
                          "FunctionUrlConfig must be a mapping, not " + describe_type(*config));
    }
    m_project.function_urls.push_back(function_url(*config, function.spec.name));
}

void SamLoader::add_lambda_url(const Entry& resource) {
    const std::string& id = resource.key.Scalar();
    YAML::Node properties =
        mapping(resource.value, "Properties", "Properties").value_or(YAML::Node());
    std::optional<YAML::Node> target = property(properties, "TargetFunctionArn");
    if (!target) {
        throw m_doc.error(resource.key, "AWS::Lambda::Url '" + id + "' needs a TargetFunctionArn");
    }
    // !Ref Function, !GetAtt Function.Arn, or a function's name or ARN.
    std::optional<std::string> named = referenced_id(*target);
    if (!named && target->Tag() == "!GetAtt" && target->IsScalar()) {
        named = target->Scalar().substr(0, target->Scalar().find('.'));
    } else if (std::optional<YAML::Node> get_att =
                   target->IsMap() ? find(*target, "Fn::GetAtt") : std::nullopt;
               !named && get_att && get_att->IsSequence() && get_att->size() == 2) {
        named = (*get_att)[0].Scalar();
    }
    if (!named) {
        named = text(target, "TargetFunctionArn");
    }
    if (std::size_t at = named ? named->find(":function:") : std::string::npos;
        at != std::string::npos) {
        std::string rest = named->substr(at + 10); // an ARN: its name, without a qualifier
        named = rest.substr(0, rest.find(':'));
    }
    const FunctionConfig* function =
        named ? m_project.find_function(*named) : static_cast<const FunctionConfig*>(nullptr);
    if (function == nullptr) {
        throw m_doc.error(*target, "TargetFunctionArn of AWS::Lambda::Url '" + id +
                                       "' names no function of the template");
    }
    for (const FunctionUrlConfig& url : m_project.function_urls) {
        if (url.function_name == function->spec.name) {
            throw m_doc.error(resource.key,
                              "function '" + function->logical_id + "' already has a function URL");
        }
    }
    m_project.function_urls.push_back(function_url(properties, function->spec.name));
}

FunctionUrlConfig SamLoader::function_url(const YAML::Node& node,
                                          const std::string& function_name) const {
    FunctionUrlConfig url;
    url.function_name = function_name;
    std::string auth = required_text(node, "AuthType", node, "a function URL");
    if (auth == "AWS_IAM") {
        url.auth = FunctionUrlConfig::AuthType::AwsIam;
    } else if (auth != "NONE") {
        throw m_doc.error(*property(node, "AuthType"),
                          "AuthType must be NONE or AWS_IAM, not '" + auth + "'");
    }
    if (std::optional<YAML::Node> mode = property(node, "InvokeMode")) {
        std::string value = text(mode, "InvokeMode").value_or("");
        if (value != "BUFFERED" && value != "RESPONSE_STREAM") {
            throw m_doc.error(*mode, "InvokeMode must be BUFFERED or RESPONSE_STREAM, not '" +
                                         value + "'");
        }
        url.response_stream = value == "RESPONSE_STREAM";
    }
    if (std::optional<YAML::Node> cors = property(node, "Cors")) {
        if (!cors->IsMap()) {
            throw m_doc.error(*cors, "Cors must be a mapping, not " + describe_type(*cors));
        }
        url.cors = http_cors(*cors); // the same keys as an HTTP API's CorsConfiguration
        if (!property(*cors, "AllowOrigins")) {
            url.cors->allow_origins.clear(); // a function URL allows no origin unless told
        }
    }
    return url;
}

Project load_sam_template(const std::string& path, const ProjectOptions& options) {
    return SamLoader(path, options).load();
}

} // namespace lambda_local::runtime::config
