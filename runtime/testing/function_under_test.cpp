// Resolving a test file's `function:` (library or template) and its API for HTTP cases.
#include "runtime/testing/function_under_test.hpp"

#include "runtime/function/lambda_variables.hpp"
#include "runtime/layers/layers.hpp"
#include "runtime/util/error.hpp"

#include <filesystem>
#include <memory>

namespace lambda_local::runtime::testing {
namespace {

namespace fs = std::filesystem;

// A path of the test file, variables expanded, made absolute against the file's directory.
std::string resolve_path(const YamlReader& reader, const YamlEntry& entry, const std::string& dir) {
    std::string text;
    try {
        text = expand_variables(reader.string(entry));
    } catch (const Error& e) {
        reader.fail(entry, entry.name + ": " + e.what());
    }
    if (text.empty()) {
        reader.fail(entry, entry.name + " is empty");
    }
    fs::path path(text);
    if (path.is_relative()) {
        path = fs::path(dir) / path;
    }
    return fs::absolute(path).lexically_normal().string();
}

EnvVars read_env(const YamlReader& reader, const YamlEntry& entry) {
    EnvVars vars;
    if (entry.value.IsNull()) {
        return vars;
    }
    if (!entry.value.IsMap()) {
        reader.fail(entry, "env must be a mapping of NAME: value");
    }
    for (const auto& item : entry.value) {
        vars.emplace_back(reader.string(item.first, "a variable name"),
                          reader.string(item.second, "the value of " + item.first.Scalar()));
    }
    return vars;
}

void merge(EnvVars& into, const EnvVars& from) {
    for (const auto& [key, value] : from) {
        bool replaced = false;
        for (auto& [existing, old] : into) {
            if (existing == key) {
                old = value;
                replaced = true;
            }
        }
        if (!replaced) {
            into.emplace_back(key, value);
        }
    }
}

// timeout, memory, tmp_size, region and env: settings a template's function may override.
void read_settings(const YamlReader& reader, const YamlEntries& entries, FunctionSpec& spec) {
    if (const YamlEntry* e = find_entry(entries, "timeout")) {
        spec.timeout_s = reader.number(*e);
    }
    if (const YamlEntry* e = find_entry(entries, "memory")) {
        spec.memory_mb = static_cast<int>(reader.integer(*e));
    }
    if (const YamlEntry* e = find_entry(entries, "tmp_size")) {
        spec.tmp_mb = static_cast<int>(reader.integer(*e));
    }
    if (const YamlEntry* e = find_entry(entries, "region")) {
        spec.region = reader.string(*e);
    }
    if (const YamlEntry* e = find_entry(entries, "env")) {
        merge(spec.environment, read_env(reader, *e));
        try {
            validate_function_variables(spec.environment);
        } catch (const Error& error) {
            reader.fail(*e, error.what());
        }
    }
}

// `layers:`: a folder, a .zip or a layer ARN, or a list of them (paths relative to the file).
std::vector<std::string> read_layers(const YamlReader& reader, const YamlEntry& entry,
                                     const std::string& dir) {
    std::vector<std::string> layers;
    for (std::string text : reader.strings(entry)) {
        try {
            text = expand_variables(text);
        } catch (const Error& e) {
            reader.fail(entry, "layers: " + std::string(e.what()));
        }
        if (text.empty()) {
            reader.fail(entry, "layers: an empty item");
        }
        if (!layers::is_layer_arn(text)) {
            fs::path path(text);
            text = fs::absolute(path.is_relative() ? fs::path(dir) / path : path)
                       .lexically_normal()
                       .string();
        }
        layers.push_back(std::move(text));
    }
    if (layers.size() > k_max_layers) {
        reader.fail(entry, "layers: " + std::to_string(layers.size()) +
                               " layers, and Lambda allows at most " +
                               std::to_string(k_max_layers));
    }
    return layers;
}

// log_format, log_level and system_log_level over the function's LoggingConfig; whether any
// was given.
bool read_logging(const YamlReader& reader, const YamlEntries& entries, LoggingConfig& config) {
    const YamlEntry* format = find_entry(entries, "log_format");
    const YamlEntry* level = find_entry(entries, "log_level");
    const YamlEntry* system_level = find_entry(entries, "system_log_level");
    if (format != nullptr) {
        std::optional<LogFormat> value = parse_log_format(reader.string(*format));
        if (!value) {
            reader.fail(*format, "log_format must be Text or JSON");
        }
        config.format = *value;
    }
    if (level != nullptr) {
        std::optional<LogLevel> value = parse_application_log_level(reader.string(*level));
        if (!value) {
            reader.fail(*level, "log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL");
        }
        config.application_level = *value;
    }
    if (system_level != nullptr) {
        std::optional<LogLevel> value = parse_system_log_level(reader.string(*system_level));
        if (!value) {
            reader.fail(*system_level, "system_log_level must be DEBUG, INFO or WARN");
        }
        config.system_level = *value;
    }
    const YamlEntry* a_level = level != nullptr ? level : system_level;
    if (a_level != nullptr && config.format != LogFormat::Json) {
        reader.fail(*a_level, a_level->name + " needs log_format: JSON (Lambda refuses log levels "
                                              "with the Text format)");
    }
    return format != nullptr || a_level != nullptr;
}

FunctionSpec library_function(const YamlReader& reader, const YamlEntry& function,
                              const YamlEntries& entries, const std::string& dir) {
    const YamlEntry* library = find_entry(entries, "library");
    const YamlEntry* bootstrap = find_entry(entries, "bootstrap");
    if (library == nullptr && bootstrap == nullptr) {
        reader.fail(function, "function needs 'library' (a .so and its 'handler'), 'bootstrap' "
                              "(a custom runtime's directory) or 'template' (a template.yaml "
                              "or serverless.yml and a 'name')");
    }
    if (library != nullptr && bootstrap != nullptr) {
        reader.fail(*bootstrap, "bootstrap cannot be combined with library");
    }
    FunctionSpec spec;
    if (const YamlEntry* e = find_entry(entries, "layers")) {
        spec.layers = read_layers(reader, *e, dir);
    }
    if (bootstrap != nullptr) {
        try {
            const std::string path = resolve_path(reader, *bootstrap, dir);
            spec.bootstrap = bootstrap_executable(path, !spec.layers.empty());
            spec.code_dir = bootstrap_code_dir(path);
        } catch (const Error& error) {
            reader.fail(*bootstrap, error.what());
        }
        spec.handler.clear(); // _HANDLER: empty unless given
        spec.name = function_name_from_directory(spec.code_dir);
    } else {
        spec.library = resolve_path(reader, *library, dir);
        if (!fs::is_regular_file(spec.library)) {
            reader.fail(*library, "library '" + spec.library + "' does not exist");
        }
        spec.code_dir = fs::path(spec.library).parent_path().string();
        spec.name = function_name_from_library(spec.library);
    }
    if (const YamlEntry* e = find_entry(entries, "handler")) {
        spec.handler = reader.string(*e);
    }
    if (const YamlEntry* e = find_entry(entries, "abi")) {
        auto abi = loaders::parse_abi(reader.string(*e));
        if (!abi) {
            reader.fail(*e, "abi must be auto, classic or native");
        }
        spec.abi = *abi;
    }
    if (const YamlEntry* e = find_entry(entries, "name")) {
        spec.name = reader.string(*e);
    }
    if (const YamlEntry* e = find_entry(entries, "code_dir")) {
        spec.code_dir = resolve_path(reader, *e, dir);
    }
    read_settings(reader, entries, spec);
    return spec;
}

// The project's APIs that route to `function` (all their routes kept, so that precedence is
// the API's own), and the stage requests go to.
std::optional<HttpSetup> template_http(const config::Project& project,
                                       const config::FunctionConfig& function) {
    HttpSetup setup;
    for (const config::ApiConfig& api : project.apis) {
        for (const gateway::Route& route : api.api.routes) {
            if (route.function_name == function.spec.name ||
                route.function_name == function.logical_id) {
                setup.apis.push_back(api);
                break;
            }
        }
    }
    if (setup.apis.empty()) {
        return std::nullopt;
    }
    const std::vector<std::string>& stages = setup.apis.front().api.stages;
    setup.stage = stages.empty() ? std::string(gateway::k_default_stage) : stages.front();
    for (const std::string& stage : stages) {
        if (stage == gateway::k_default_stage) {
            setup.stage = stage;
        }
    }
    return setup;
}

FunctionUnderTest template_function(const YamlReader& reader, const YamlEntry& function,
                                    const YamlEntries& entries, const std::string& dir) {
    for (const char* flag : {"library", "bootstrap", "handler", "abi", "code_dir", "layers"}) {
        if (const YamlEntry* e = find_entry(entries, flag)) {
            reader.fail(*e, std::string(flag) + " cannot be combined with template (the "
                                                "template names the function's code)");
        }
    }
    const YamlEntry* path_entry = find_entry(entries, "template");
    const YamlEntry* name_entry = find_entry(entries, "name");
    if (name_entry == nullptr) {
        reader.fail(function, "function with 'template' needs the 'name' of a function in it");
    }
    const std::string path = resolve_path(reader, *path_entry, dir);
    const std::string name = reader.string(*name_entry);
    config::Project project;
    try {
        project = config::load_project(path);
    } catch (const Error& e) {
        reader.fail(*path_entry, "template: " + std::string(e.what()));
    }
    const config::FunctionConfig* found = project.find_function(name);
    if (found == nullptr) {
        std::string names;
        for (const config::FunctionConfig& f : project.functions) {
            names += (names.empty() ? "" : ", ") + f.logical_id;
        }
        reader.fail(*name_entry, "no function '" + name + "' in " + path +
                                     " (functions: " + (names.empty() ? "none" : names) + ")");
    }
    FunctionUnderTest result;
    result.spec = found->spec;
    read_settings(reader, entries, result.spec);
    result.http = template_http(project, *found);
    if (result.http) {
        // The functions of the Lambda authorizers, for `authorization: run`.
        for (const config::ApiConfig& api : result.http->apis) {
            for (const config::AuthorizerConfig& authorizer : api.authorizers) {
                const config::FunctionConfig* function =
                    authorizer.function_name.empty()
                        ? nullptr
                        : project.find_function(authorizer.function_name);
                bool known = false;
                for (const FunctionSpec& spec : result.http->authorizer_functions) {
                    known = known || (function != nullptr && spec.name == function->spec.name);
                }
                if (function != nullptr && !known) {
                    result.http->authorizer_functions.push_back(function->spec);
                }
            }
        }
    }
    return result;
}

// The API of `api:`, `payload:`, `route:` and `stage:`: one route to the function.
HttpSetup declared_http(const YamlReader& reader, const YamlEntry& api_entry,
                        const YamlEntries& top, const FunctionSpec& spec) {
    const std::string type = reader.string(api_entry);
    if (type != "rest" && type != "http") {
        reader.fail(api_entry, "api must be rest (API Gateway REST API, payload 1.0) or http "
                               "(HTTP API, payload 2.0 or 1.0), not '" +
                                   type + "'");
    }
    config::ApiConfig api;
    api.api.type = type == "rest" ? gateway::ApiType::Rest : gateway::ApiType::Http;
    api.api.id = k_test_api_id;
    api.logical_id = "test";
    gateway::Route route;
    route.function_name = spec.name;
    route.path = "/{proxy+}";
    const YamlEntry* where = &api_entry;
    if (const YamlEntry* e = find_entry(top, "route")) {
        where = e;
        const std::string text = reader.string(*e);
        if (text == gateway::k_default_route) {
            route.path = text;
        } else {
            const auto space = text.find(' ');
            if (space == std::string::npos || text.find_first_not_of(' ', space) == text.npos) {
                reader.fail(*e, "route must be 'METHOD /path' (ANY /{proxy+}) or '$default'");
            }
            route.method = text.substr(0, space);
            route.path = text.substr(text.find_first_not_of(' ', space));
        }
    }
    if (const YamlEntry* e = find_entry(top, "payload")) {
        const std::string format = reader.string(*e);
        if (format == "1.0") {
            route.payload_format = gateway::PayloadFormat::V1;
        } else if (format == "2.0") {
            route.payload_format = gateway::PayloadFormat::V2;
        } else {
            reader.fail(*e, "payload must be \"1.0\" or \"2.0\", not '" + format + "'");
        }
    }
    HttpSetup setup;
    setup.stage = api.api.type == gateway::ApiType::Rest ? k_default_rest_stage
                                                         : std::string(gateway::k_default_stage);
    if (const YamlEntry* e = find_entry(top, "stage")) {
        setup.stage = reader.string(*e);
    }
    api.api.stages = {setup.stage};
    api.api.routes.push_back(std::move(route));
    setup.apis.push_back(std::move(api));
    try {
        setup.gateway = std::make_shared<gateway::Gateway>(setup.apis);
    } catch (const Error& e) {
        reader.fail(*where, e.what());
    }
    return setup;
}

} // namespace

FunctionUnderTest read_function_under_test(const YamlReader& reader, const YamlEntries& top,
                                           const std::string& dir) {
    const YamlEntry* function = find_entry(top, "function");
    if (function == nullptr) {
        throw Error(reader.file() + ":1: the test file needs 'function:' (library and handler, "
                                    "or template and name)");
    }
    const YamlEntries entries =
        reader.mapping(*function, {"library", "bootstrap", "handler", "abi", "name", "code_dir",
                                   "layers", "timeout", "memory", "tmp_size", "region", "env",
                                   "template", "log_format", "log_level", "system_log_level"});
    FunctionUnderTest result;
    if (find_entry(entries, "template") != nullptr) {
        result = template_function(reader, *function, entries, dir);
    } else {
        result.spec = library_function(reader, *function, entries, dir);
    }
    result.own_logging = read_logging(reader, entries, result.spec.logging);
    try {
        validate(result.spec);
    } catch (const Error& e) {
        reader.fail(*function, e.what());
    }
    const YamlEntry* api = find_entry(top, "api");
    if (api != nullptr) {
        result.http = declared_http(reader, *api, top, result.spec);
    } else {
        for (const char* key : {"payload", "route", "stage"}) {
            if (const YamlEntry* e = find_entry(top, key)) {
                if (!result.http || std::string(key) != "stage") {
                    reader.fail(*e, std::string(key) + " needs 'api: rest' or 'api: http'");
                }
                result.http->stage = reader.string(*e);
            }
        }
        if (result.http) {
            try {
                result.http->gateway = std::make_shared<gateway::Gateway>(result.http->apis);
            } catch (const Error& e) {
                reader.fail(*function, "template: " + std::string(e.what()));
            }
        }
    }
    return result;
}

} // namespace lambda_local::runtime::testing
