// Projects: which loader reads a file, finding the file, choosing a function, the route table.
#include "runtime/config/project.hpp"

#include "runtime/config/sam_template.hpp"
#include "runtime/config/serverless.hpp"
#include "runtime/config/yaml_document.hpp"
#include "runtime/util/error.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

namespace lambda_local::runtime::config {
namespace {

constexpr std::array<const char*, 4> k_project_files = {"template.yaml", "template.yml",
                                                        "serverless.yml", "serverless.yaml"};

bool has_key(const YAML::Node& root, std::string_view key) {
    return find(root, key).has_value();
}

// "HelloFunction, Other (its-name)": the functions, as a command may name them.
std::string function_list(const Project& project) {
    std::string out;
    for (const FunctionConfig& function : project.functions) {
        out += out.empty() ? "" : ", ";
        out += function.logical_id;
        if (function.spec.name != function.logical_id) {
            out += " (" + function.spec.name + ")";
        }
    }
    return out;
}

// One line of the route table, before alignment.
struct Row {
    std::string method;
    std::string path;
    std::string function;
    std::string details;
};

std::string client_path(const std::string& stage, const gateway::Route& route) {
    std::string prefix = stage == gateway::k_default_stage ? "" : "/" + stage;
    if (route.path == gateway::k_default_route) {
        return prefix.empty() ? std::string(gateway::k_default_route)
                              : prefix + "/" + std::string(gateway::k_default_route);
    }
    if (route.path == "/" && !prefix.empty()) {
        return prefix + "/";
    }
    return prefix + route.path;
}

} // namespace

const FunctionConfig* Project::find_function(std::string_view name) const {
    for (const FunctionConfig& function : functions) {
        if (function.spec.name == name) {
            return &function;
        }
    }
    for (const FunctionConfig& function : functions) {
        if (function.logical_id == name) {
            return &function;
        }
    }
    return nullptr;
}

Project load_project(const std::string& path, const ProjectOptions& options) {
    YamlDocument doc(path);
    const YAML::Node& root = doc.root();
    if (root.IsMap()) {
        if (has_key(root, "AWSTemplateFormatVersion") || has_key(root, "Transform") ||
            has_key(root, "Resources")) {
            return load_sam_template(path, options);
        }
        if (has_key(root, "service") || has_key(root, "provider") || has_key(root, "functions")) {
            return load_serverless(path, options);
        }
    }
    throw Error(path + ": neither a SAM template (AWSTemplateFormatVersion, Transform, "
                       "Resources) nor a serverless.yml (service, provider, functions)");
}

std::string find_project_file(const std::string& dir) {
    for (const char* name : k_project_files) {
        std::filesystem::path candidate = std::filesystem::path(dir) / name;
        std::error_code error;
        if (std::filesystem::is_regular_file(candidate, error)) {
            return dir == "." ? std::string(name) : candidate.string();
        }
    }
    return "";
}

const FunctionConfig& select_function(const Project& project, std::string_view name) {
    std::string source = project.source.empty() ? "the project" : project.source;
    if (project.functions.empty()) {
        throw Error(source + " defines no function");
    }
    if (name.empty()) {
        if (project.functions.size() == 1) {
            return project.functions.front();
        }
        throw Error(source + " defines several functions; name one of: " + function_list(project));
    }
    if (const FunctionConfig* function = project.find_function(name)) {
        return *function;
    }
    throw Error(source + " has no function '" + std::string(name) +
                "'; its functions: " + function_list(project));
}

std::map<std::string, std::string> parse_parameter_overrides(std::string_view text) {
    // Words split at spaces outside quotes.
    std::vector<std::string> words;
    std::string word;
    char quote = 0;
    bool in_word = false;
    for (char c : text) {
        if (quote == 0 && (c == ' ' || c == '\t' || c == '\n')) {
            if (in_word) {
                words.push_back(word);
            }
            word.clear();
            in_word = false;
            continue;
        }
        if (quote == 0 && (c == '"' || c == '\'')) {
            quote = c;
        } else if (c == quote) {
            quote = 0;
        } else {
            word += c;
        }
        in_word = true;
    }
    if (quote != 0) {
        throw Error("--parameter-overrides: a quote is not closed in '" + std::string(text) + "'");
    }
    if (in_word) {
        words.push_back(word);
    }
    std::map<std::string, std::string> overrides;
    for (const std::string& item : words) {
        constexpr std::string_view k_key = "ParameterKey=";
        constexpr std::string_view k_value = ",ParameterValue=";
        std::size_t value_at = item.find(k_value);
        if (item.starts_with(k_key) && value_at != std::string::npos) {
            overrides[item.substr(k_key.size(), value_at - k_key.size())] =
                item.substr(value_at + k_value.size());
            continue;
        }
        std::size_t equals = item.find('=');
        if (equals == std::string::npos || equals == 0) {
            throw Error("--parameter-overrides: '" + item + "' is not Key=Value");
        }
        overrides[item.substr(0, equals)] = item.substr(equals + 1);
    }
    return overrides;
}

std::string format_routes(const Project& project) {
    std::vector<Row> rows;
    for (const ApiConfig& api : project.apis) {
        bool rest = api.api.type == gateway::ApiType::Rest;
        for (const std::string& stage : api.api.stages) {
            for (const gateway::Route& route : api.api.routes) {
                bool v1 = route.payload_format.value_or(rest ? gateway::PayloadFormat::V1
                                                             : gateway::PayloadFormat::V2) ==
                          gateway::PayloadFormat::V1;
                rows.push_back({route.path == gateway::k_default_route
                                    ? std::string(gateway::k_any_method)
                                    : route.method,
                                client_path(stage, route), route.function_name,
                                std::string(rest ? "REST API " : "HTTP API ") + api.logical_id +
                                    ", stage " + stage + ", payload " + (v1 ? "1.0" : "2.0")});
            }
        }
    }
    for (const FunctionConfig& function : project.functions) {
        for (const ScheduleConfig& schedule : function.schedules) {
            rows.push_back({"SCHEDULE", schedule.expression, function.spec.name,
                            "rule " + schedule.name + (schedule.enabled ? "" : ", disabled")});
        }
    }
    if (rows.empty()) {
        return "no routes or schedules\n";
    }
    std::size_t method_width = 0;
    std::size_t path_width = 0;
    std::size_t function_width = 0;
    for (const Row& row : rows) {
        method_width = std::max(method_width, row.method.size());
        path_width = std::max(path_width, row.path.size());
        function_width = std::max(function_width, row.function.size());
    }
    auto pad = [](const std::string& text, std::size_t width) {
        return text + std::string(width - text.size(), ' ');
    };
    std::string out;
    for (const Row& row : rows) {
        out += pad(row.method, method_width) + "  " + pad(row.path, path_width) + "  -> " +
               pad(row.function, function_width) + "  (" + row.details + ")\n";
    }
    return out;
}

} // namespace lambda_local::runtime::config
