// Shared pieces of the configuration tests: a temporary directory for project files.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/config/sam_template.hpp"
#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace lambda_local::runtime::config::testing {

// A fresh directory under /tmp, removed with everything in it.
class ConfigDir {
  public:
    ConfigDir() {
        char pattern[] = "/tmp/ll-test-config-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        m_path = pattern;
    }
    ~ConfigDir() { std::filesystem::remove_all(m_path); }
    ConfigDir(const ConfigDir&) = delete;
    ConfigDir& operator=(const ConfigDir&) = delete;

    const std::string& path() const { return m_path; }

    // Writes <dir>/<name> (creating its directories); returns its path.
    std::string write(const std::string& name, const std::string& content) const {
        std::filesystem::path file = std::filesystem::path(m_path) / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }

  private:
    std::string m_path;
};

// The message of the lambda_local::Error that `load` throws; FAILs when it throws none.
template <typename Load> std::string error_of(Load&& load) {
    try {
        load();
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no error was thrown");
    return "";
}

// The loader of a SAM template, for load_text.
inline Project load_sam(const std::string& path, const ProjectOptions& options) {
    return load_sam_template(path, options);
}

// Loads `text` written as <dir>/<name> with `loader`.
template <typename Loader>
Project load_text(const ConfigDir& dir, const std::string& name, const std::string& text,
                  Loader loader, const ProjectOptions& options = {}) {
    return loader(dir.write(name, text), options);
}

// The error of loading `text` as <new dir>/<name>, with the directory taken out of the
// message: "template.yaml:3: ...".
template <typename Loader>
std::string load_text_error(const std::string& name, const std::string& text, Loader loader,
                            const ProjectOptions& options = {}) {
    ConfigDir dir;
    std::string message = error_of([&] { load_text(dir, name, text, loader, options); });
    std::string prefix = dir.path() + "/";
    if (message.starts_with(prefix)) {
        message.erase(0, prefix.size());
    }
    return message;
}

// The API with this logical id; REQUIREs that there is one.
inline const ApiConfig& api_named(const Project& project, const std::string& logical_id) {
    auto found = std::find_if(project.apis.begin(), project.apis.end(),
                              [&](const ApiConfig& api) { return api.logical_id == logical_id; });
    REQUIRE(found != project.apis.end());
    return *found;
}

// The function with this name or logical id; REQUIREs that there is one.
inline const FunctionConfig& function_named(const Project& project, const std::string& name) {
    const FunctionConfig* function = project.find_function(name);
    REQUIRE(function != nullptr);
    return *function;
}

// The value of the variable `key` of a function; FAILs when it has none.
inline std::string variable(const FunctionConfig& function, const std::string& key) {
    for (const auto& [name, value] : function.spec.environment) {
        if (name == key) {
            return value;
        }
    }
    FAIL("no variable " << key);
    return "";
}

// A SAM template of one function `Fn` (Handler on line 5), its other properties from line 6;
// `top` comes before Resources.
inline std::string sam_function(const std::string& properties, const std::string& top = "") {
    return top +
           "Resources:\n"
           "  Fn:\n"
           "    Type: AWS::Serverless::Function\n"
           "    Properties:\n"
           "      Handler: libfn.so:handle\n" +
           properties;
}

} // namespace lambda_local::runtime::config::testing
